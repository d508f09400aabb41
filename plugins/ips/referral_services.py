"""IPS referral rules: episodes from referral to closure, and their specialist.

Zero exclusion: there is no "reject" or "not ready for work" path — a referral is accepted, or
closed for one of ``codes.CLOSE_REASONS`` (the person's choice, moving away…). Support is
time-unlimited: nothing here ever sets an end date on its own. One open episode per client; a
former client coming back gets a new episode pointing at the last one.

The vocational profile and benefits advice are in ``referral_profile``. Services flush; the
request boundary commits (STYLE §5). Every write, and every read of one
client's IPS details, adds an audit event to the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import Client, audit, db, visible_clients_clause

from . import codes
from .common import (
    IpsInvalid,
    as_uuid,
    find_in,
    find_visible_client,
    of_visible_clients,
    specialists,
)
from .models import IpsReferral

#: Where each status may go next (closing has its own path; accepting too).
TRANSITIONS: dict[str, frozenset[str]] = {
    "referred": frozenset({"accepted", "closed"}),
    "accepted": frozenset({"job_search", "in_work", "closed"}),
    "job_search": frozenset({"in_work", "closed"}),
    "in_work": frozenset({"job_search", "closed"}),
    "closed": frozenset(),
}


class IpsOpenEpisode(Exception):
    """The client already has an open episode: refer again only after it is closed."""

    def __init__(self, open_referral: IpsReferral) -> None:
        super().__init__(
            "This client already has an open IPS referral "
            f"(referred {open_referral.referred_on.isoformat()}, id {open_referral.id}). "
            "Update that episode, or close it before referring again."
        )
        self.open_referral = open_referral


def audited(action: str, obj: Any, **details: Any) -> None:
    """Audit ``ips.<action>`` on ``obj``; details hold ids, field names and codes, never free
    text about the person."""
    client_id = getattr(obj, "client_id", None)
    if client_id is not None:
        details.setdefault("client_id", str(client_id))
    audit(f"ips.{action}", object_type=obj.__tablename__, object_id=obj.id, details=details)


def today() -> date:
    return date.today()


# --------------------------------------------------------------------------- loading


def visible_referrals() -> sa.Select:
    """``SELECT referral`` limited to clients the viewer may see."""
    return of_visible_clients(IpsReferral)


def find_referral(referral_id: Any) -> IpsReferral:
    return find_in(visible_referrals(), IpsReferral.id, referral_id)


def read_referral(referral_id: Any, part: str = "referral") -> IpsReferral:
    """``find_referral`` for showing one client's IPS details: the read is audited."""
    referral = find_referral(referral_id)
    audited("referral.read", referral, part=part)
    return referral


def referrals_of(client_id: uuid.UUID) -> list[IpsReferral]:
    """The client's episodes, newest first (the caller has already checked visibility)."""
    return list(
        db.session.execute(
            sa.select(IpsReferral)
            .where(IpsReferral.client_id == client_id)
            .order_by(IpsReferral.referred_on.desc(), IpsReferral.created_at.desc())
        ).scalars()
    )


def read_referrals_of(client_id: Any) -> list[IpsReferral]:
    """A visible client's episodes, for showing: the read is audited."""
    client = find_visible_client(client_id)
    audit("ips.referral.read", object_type="client", object_id=client.id, details={})
    return referrals_of(client.id)


def open_referral_of(client_id: uuid.UUID) -> IpsReferral | None:
    return next((r for r in referrals_of(client_id) if r.status != "closed"), None)


def referrals_query(status: str | None = None) -> sa.Select:
    """Visible episodes, newest referral first (ties by id, so pages never overlap)."""
    query = visible_referrals().order_by(IpsReferral.referred_on.desc(), IpsReferral.id)
    if status:
        query = query.where(IpsReferral.status == status)
    return query


def referral_list(status: str | None = None) -> list[IpsReferral]:
    return list(db.session.execute(referrals_query(status)).scalars())


def clients_with_referrals() -> list[tuple[uuid.UUID, str]]:
    """``(client_id, name)`` of visible clients with an IPS referral: choices in forms."""
    rows = db.session.execute(
        sa.select(Client.id, Client.given_name, Client.family_name)
        .where(
            visible_clients_clause(),
            sa.exists().where(
                IpsReferral.tenant_id == Client.tenant_id, IpsReferral.client_id == Client.id
            ),
        )
        .order_by(Client.family_name, Client.given_name, Client.id)
    ).all()
    return [(row.id, f"{row.given_name} {row.family_name}") for row in rows]


# --------------------------------------------------------------------------- specialists


def _check_specialist(value: Any, errors: dict[str, str]) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    wanted = as_uuid(value)
    if wanted is None or wanted not in {m.id for m in specialists()}:
        errors["specialist_id"] = "Choose an employment specialist of this IPS team."
    return wanted


# --------------------------------------------------------------------------- rules


def _check_dates(values: dict[str, Any], errors: dict[str, str]) -> None:
    """No date in the future; accepted and closed on or after the referral (closed on or
    after acceptance too)."""
    now = today()
    for name in ("referred_on", "accepted_on", "closed_on"):
        day = values.get(name)
        if day is not None and day > now:
            errors.setdefault(name, "The date cannot be in the future.")
    referred, accepted = values.get("referred_on"), values.get("accepted_on")
    if referred and accepted and accepted < referred:
        errors.setdefault("accepted_on", "Must be on or after the referral date.")
    closed = values.get("closed_on")
    if closed and referred and closed < referred:
        errors.setdefault("closed_on", "Must be on or after the referral date.")
    elif closed and accepted and closed < accepted:
        errors.setdefault("closed_on", "Must be on or after the date it was accepted.")


def _state(referral: IpsReferral) -> dict[str, Any]:
    return {c: getattr(referral, c) for c in ("referred_on", "accepted_on", "closed_on")}


def create_referral(client: Client, data: dict[str, Any]) -> IpsReferral:
    """Refer ``client``: refused while another episode is open; a former client's new episode
    points at their last one."""
    errors: dict[str, str] = {}
    specialist = _check_specialist(data.get("specialist_id"), errors)
    _check_dates({"referred_on": data.get("referred_on")}, errors)
    if errors:
        raise IpsInvalid(errors)
    episodes = referrals_of(client.id)
    still_open = next((r for r in episodes if r.status != "closed"), None)
    if still_open is not None:
        raise IpsOpenEpisode(still_open)
    referral = IpsReferral(
        client_id=client.id,
        source=data["source"],
        referrer=data.get("referrer") or None,
        referred_on=data["referred_on"],
        employment_status=data.get("employment_status") or None,
        specialist_id=specialist,
        status="referred",
        previous_referral_id=episodes[0].id if episodes else None,
    )
    db.session.add(referral)
    db.session.flush()
    audited("referral.create", referral, source=referral.source)
    return referral


def update_referral(referral: IpsReferral, data: dict[str, Any]) -> IpsReferral:
    """Correct the referral's details or reassign the specialist."""
    errors: dict[str, str] = {}
    if "specialist_id" in data:
        specialist = _check_specialist(data["specialist_id"], errors)
        if specialist is None and referral.status not in ("referred", "closed"):
            errors.setdefault("specialist_id", "An accepted client needs a specialist.")
    _check_dates({**_state(referral), **data}, errors)
    if errors:
        raise IpsInvalid(errors)
    changed = []
    for name in ("source", "referrer", "referred_on", "employment_status", "specialist_id"):
        if name in data:
            value = data[name] if data[name] != "" else None
            if name == "specialist_id":
                value = as_uuid(value)
            if getattr(referral, name) != value:
                setattr(referral, name, value)
                changed.append(name)
    db.session.flush()
    audited("referral.update", referral, fields=changed)
    return referral


def _check_transition(referral: IpsReferral, to: str, errors: dict[str, str]) -> None:
    if referral.status == "closed":
        when = f" (on {referral.closed_on:%-d %B %Y})" if referral.closed_on else ""
        errors["status"] = f"This referral is already closed{when}."
    elif to not in TRANSITIONS[referral.status]:
        now = codes.label(codes.STATUSES, referral.status).lower()
        errors["status"] = f"A referral that is {now} cannot become {to.replace('_', ' ')}."


def accept(referral: IpsReferral, data: dict[str, Any]) -> IpsReferral:
    """Accept onto a specialist's caseload (there is no other way in, and no way to refuse)."""
    errors: dict[str, str] = {}
    _check_transition(referral, "accepted", errors)
    specialist = referral.specialist_id
    if data.get("specialist_id"):
        specialist = _check_specialist(data["specialist_id"], errors)
    if specialist is None:
        errors.setdefault("specialist_id", "Choose the employment specialist.")
    _check_dates({**_state(referral), "accepted_on": data.get("accepted_on")}, errors)
    if errors:
        raise IpsInvalid(errors)
    referral.status, referral.accepted_on = "accepted", data["accepted_on"]
    referral.specialist_id = specialist
    db.session.flush()
    audited("referral.accept", referral, specialist_id=str(specialist))
    return referral


def move_to(referral: IpsReferral, status: str) -> IpsReferral:
    """Job search or in work (in-work support) — both still on the caseload."""
    errors: dict[str, str] = {}
    if status not in ("job_search", "in_work"):
        errors["status"] = "Use accept or close for that."
    else:
        _check_transition(referral, status, errors)
    if errors:
        raise IpsInvalid(errors)
    previous, referral.status = referral.status, status
    db.session.flush()
    audited("referral.status", referral, previous=previous, status=status)
    return referral


def close(referral: IpsReferral, data: dict[str, Any]) -> IpsReferral:
    """End the episode for one of the close reasons (never "time is up", never "not ready")."""
    errors: dict[str, str] = {}
    _check_transition(referral, "closed", errors)
    if data.get("close_reason") not in codes.keys(codes.CLOSE_REASONS):
        errors["close_reason"] = "Choose why the episode ended."
    _check_dates({**_state(referral), "closed_on": data.get("closed_on")}, errors)
    if errors:
        raise IpsInvalid(errors)
    referral.status = "closed"
    referral.closed_on, referral.close_reason = data["closed_on"], data["close_reason"]
    db.session.flush()
    audited("referral.close", referral, close_reason=referral.close_reason)
    return referral
