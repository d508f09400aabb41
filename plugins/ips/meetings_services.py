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
from typing import Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import (
    Client,
    Organisation,
    active_share_clause,
    current_tenant_id,
    db,
    is_partner_viewer,
    visible_clients_clause,
)

from .common import IpsInvalid, IpsNotFound, as_uuid, client_names, find_in
from .models import IpsJointMeeting, IpsJointMeetingAction, IpsJointMeetingClient

JCP_KIND = "job_centre_plus"


@dataclass(frozen=True)
class Office:
    """A Job Centre Plus organisation of the tenant."""

    id: uuid.UUID
    name: str
    active: bool


# --------------------------------------------------------------------------- offices


def _offices_query() -> sa.Select:
    stmt = sa.select(Organisation.id, Organisation.name, Organisation.active).where(
        Organisation.tenant_id == current_tenant_id(), Organisation.kind == JCP_KIND
    )
    if is_partner_viewer():  # a work coach works with their own office only
        stmt = stmt.where(Organisation.id == g.membership.organisation_id)
    return stmt.order_by(Organisation.name)


def job_centres(active_only: bool = True) -> list[Office]:
    """The tenant's Job Centre Plus offices the viewer may hold or see meetings with."""
    stmt = _offices_query()
    if active_only:
        stmt = stmt.where(Organisation.active.is_(True))
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
            sa.select(Organisation).where(
                Organisation.tenant_id == current_tenant_id(), Organisation.id == wanted
            )
        ).scalar_one_or_none()
    if row is None or (is_partner_viewer() and row.id != g.membership.organisation_id):
        raise IpsNotFound()
    if row.kind != JCP_KIND:
        raise IpsInvalid({"organisation_id": f"{row.name} is not a Job Centre Plus office."})
    if not row.active:
        raise IpsInvalid({"organisation_id": f"{row.name} is no longer active."})
    return Office(row.id, row.name, row.active)


def shared_with(office_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Clients with an active share with ``office_id``: core's own clause, the very one that
    decides what that office's staff may see (so the rule can never drift from it)."""
    return active_share_clause(office_id)


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
    return find_in(meetings_query(), IpsJointMeeting.id, meeting_id)


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
    action = find_in(sa.select(IpsJointMeetingAction), IpsJointMeetingAction.id, action_id)
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
