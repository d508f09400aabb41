"""Joint caseload meetings with a Job Centre Plus office — reading: the offices, the meetings and
actions the viewer may see, and who may be discussed (writing is in ``meetings_recording``).

The sharing rule is core's: a client may be discussed only while they have an active share with
the meeting's office (not ended, not expired, consent not withdrawn) — the very clause that
decides what that office's own staff may see. A work coach (partner staff) sees only the
meetings of their own office, and in them only the clients still shared with it: a share that
ends hides the client from the meeting at once. Services flush and audit; the request commits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import (
    Client,
    current_tenant_id,
    db,
    is_partner_viewer,
    visible_clients_clause,
)

from .models import IpsJointMeeting, IpsJointMeetingAction, IpsJointMeetingClient
from .slice_helpers import IpsInvalid, IpsNotFound, as_uuid, client_names

JCP_KIND = "job_centre_plus"

#: Core's organisation table, read-only (core.plugins.api exports no Organisation model).
#: Queries name the tenant explicitly; row-level security holds as well.
_ORGANISATION = sa.table(
    "organisation",
    sa.column("id", sa.Uuid),
    sa.column("tenant_id", sa.Uuid),
    sa.column("name", sa.String),
    sa.column("kind", sa.String),
    sa.column("active", sa.Boolean),
)


@dataclass(frozen=True)
class Office:
    """A Job Centre Plus organisation of the tenant."""

    id: uuid.UUID
    name: str
    active: bool


# --------------------------------------------------------------------------- offices


def _offices_query() -> sa.Select:
    stmt = sa.select(_ORGANISATION.c.id, _ORGANISATION.c.name, _ORGANISATION.c.active).where(
        _ORGANISATION.c.tenant_id == current_tenant_id(), _ORGANISATION.c.kind == JCP_KIND
    )
    if is_partner_viewer():  # a work coach works with their own office only
        stmt = stmt.where(_ORGANISATION.c.id == g.membership.organisation_id)
    return stmt.order_by(_ORGANISATION.c.name)


def job_centres(active_only: bool = True) -> list[Office]:
    """The tenant's Job Centre Plus offices the viewer may hold or see meetings with."""
    stmt = _offices_query()
    if active_only:
        stmt = stmt.where(_ORGANISATION.c.active.is_(True))
    return [Office(row.id, row.name, row.active) for row in db.session.execute(stmt)]


def office_names() -> dict[uuid.UUID, str]:
    return {office.id: office.name for office in job_centres(active_only=False)}


def find_office(organisation_id: Any) -> Office:
    """An active Job Centre Plus office of this tenant (another organisation of the tenant is a
    422, naming the problem; an unknown or another tenant's id is 404)."""
    wanted = as_uuid(organisation_id)
    row = None
    if wanted is not None:
        row = db.session.execute(
            sa.select(_ORGANISATION).where(
                _ORGANISATION.c.tenant_id == current_tenant_id(), _ORGANISATION.c.id == wanted
            )
        ).one_or_none()
    if row is None or (is_partner_viewer() and row.id != g.membership.organisation_id):
        raise IpsNotFound()
    if row.kind != JCP_KIND:
        raise IpsInvalid({"organisation_id": f"{row.name} is not a Job Centre Plus office."})
    if not row.active:
        raise IpsInvalid({"organisation_id": f"{row.name} is no longer active."})
    return Office(row.id, row.name, row.active)


def shared_with(office_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Clients with an active share with ``office_id``: core's need-to-know clause, asked as if
    by a member of that office (so the rule can never drift from what its staff may see)."""
    member_of_office = SimpleNamespace(
        organisation=SimpleNamespace(is_partner=True), organisation_id=office_id
    )
    return visible_clients_clause(member_of_office)  # type: ignore[arg-type]


def shareable_clients(office_id: uuid.UUID) -> list[Client]:
    """Clients the viewer may see that are shared with the office now (who may be discussed)."""
    return list(
        db.session.execute(
            sa.select(Client)
            .where(shared_with(office_id), visible_clients_clause(g.membership))
            .order_by(Client.family_name, Client.given_name)
        ).scalars()
    )


# --------------------------------------------------------------------------- reading


def meetings_query() -> sa.Select:
    """Meetings the viewer may see, newest first (partners: their own office's only)."""
    stmt = sa.select(IpsJointMeeting)
    if is_partner_viewer():
        stmt = stmt.where(IpsJointMeeting.organisation_id == g.membership.organisation_id)
    return stmt.order_by(IpsJointMeeting.held_on.desc(), IpsJointMeeting.created_at.desc())


def find_meeting(meeting_id: Any) -> IpsJointMeeting:
    wanted = as_uuid(meeting_id)
    meeting = None
    if wanted is not None:
        meeting = db.session.execute(
            meetings_query().where(IpsJointMeeting.id == wanted)
        ).scalar_one_or_none()
    if meeting is None:
        raise IpsNotFound()
    return meeting


def discussed(meeting: IpsJointMeeting) -> list[tuple[IpsJointMeetingClient, str]]:
    """(row, client name) of the clients discussed that the viewer may still see."""
    rows = list(
        db.session.execute(
            sa.select(IpsJointMeetingClient)
            .where(IpsJointMeetingClient.meeting_id == meeting.id)
            .order_by(IpsJointMeetingClient.created_at)
        ).scalars()
    )
    names = client_names({r.client_id for r in rows})
    return [(r, names[r.client_id]) for r in rows if r.client_id in names]


def actions_of(meeting: IpsJointMeeting) -> list[tuple[IpsJointMeetingAction, str | None]]:
    """(action, client name or None) — an action about a client the viewer may no longer see
    is left out with the client."""
    rows = list(
        db.session.execute(
            sa.select(IpsJointMeetingAction)
            .where(IpsJointMeetingAction.meeting_id == meeting.id)
            .order_by(IpsJointMeetingAction.created_at)
        ).scalars()
    )
    names = client_names({r.client_id for r in rows if r.client_id})
    return [
        (r, names.get(r.client_id) if r.client_id else None)
        for r in rows
        if r.client_id is None or r.client_id in names
    ]


def find_action(action_id: Any) -> IpsJointMeetingAction:
    """An action of a meeting the viewer may see, about nobody or a client they may see."""
    wanted = as_uuid(action_id)
    action = None
    if wanted is not None:
        action = db.session.execute(
            sa.select(IpsJointMeetingAction).where(IpsJointMeetingAction.id == wanted)
        ).scalar_one_or_none()
    if action is None:
        raise IpsNotFound()
    find_meeting(action.meeting_id)  # the viewer must see its meeting
    if action.client_id and action.client_id not in client_names({action.client_id}):
        raise IpsNotFound()
    return action


def is_overdue(action: IpsJointMeetingAction, today: date | None = None) -> bool:
    return (
        action.done_on is None
        and action.due_on is not None
        and action.due_on < (today or date.today())
    )
