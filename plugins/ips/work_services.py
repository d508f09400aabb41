"""IPS work slice, part 1: finding what the viewer may see, employers and employer contacts.

Starts, in-work support and retention are in ``work_outcome_services``; the figures (employer
contacts per week, rapid job search) in ``work_figures``. Services flush and audit; the request
boundary commits (STYLE §5), so an audit event commits or fails with the work it describes.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import Client, audit, db

from . import codes
from .common import (
    IpsInvalid,
    IpsNotFound,
    about_visible_client,
    as_uuid,
    find_in,
    find_visible_client,
    specialists,
)
from .models import IpsEmployer, IpsEmployerContact, IpsReferral

#: The role that may record work on behalf of another specialist of the team.
TEAM_LEADER_ROLE = "ips_team_leader"


# --------------------------------------------------------------------------- people


def specialist_names() -> dict[uuid.UUID, str]:
    return {m.id: m.user.display_name for m in specialists()}


def is_team_leader() -> bool:
    return TEAM_LEADER_ROLE in (g.membership.roles or ())


def credited_specialist(wanted: Any, field: str = "specialist_id") -> uuid.UUID:
    """The specialist a record is credited to: the viewer by default; a team leader may name
    another specialist of the tenant, nobody else may name anyone but themselves."""
    own = g.membership.id
    chosen = as_uuid(wanted) if wanted else own
    if chosen == own:
        return own
    if not is_team_leader():
        raise IpsInvalid({field: "Only a team leader can record this for another specialist."})
    if chosen not in {m.id for m in specialists()}:
        raise IpsInvalid({field: "Choose an employment specialist of this team."})
    return chosen


def merged(row: Any, data: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """``row``'s ``fields`` with what ``data`` changes: an update is checked as a whole record."""
    return {k: getattr(row, k) for k in fields} | {k: v for k, v in data.items() if k in fields}


def write_update(
    row: Any,
    values: dict[str, Any],
    data: dict[str, Any],
    fields: tuple[str, ...],
    *,
    credited: bool = True,
) -> None:
    """Set the checked ``values`` on ``row`` (re-crediting the specialist when a ``credited``
    record's ``data`` names one) and audit ``ips.<kind>.update`` naming the fields given, never
    their values (the audit trail must not copy what was said about the person)."""
    if credited and "specialist_id" in data:
        row.specialist_id = credited_specialist(data["specialist_id"])
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    named = (*fields, "specialist_id") if credited else fields
    audit(
        f"ips.{row.__tablename__.removeprefix('ips_')}.update",
        object_type=row.__tablename__,
        object_id=row.id,
        details={"fields": sorted(k for k in data if k in named)},
    )


# --------------------------------------------------------------------------- clients, referrals


def visible_client_or_error(client_id: Any, field: str = "client_id") -> Client:
    """Like :func:`find_visible_client` for an id given in a form or body: a per-field error."""
    try:
        return find_visible_client(client_id)
    except IpsNotFound:
        raise IpsInvalid({field: "Choose a client you can see."}) from None


def referrals_of(client_id: uuid.UUID) -> list[IpsReferral]:
    """The client's IPS episodes, newest first."""
    return list(
        db.session.execute(
            sa.select(IpsReferral)
            .where(IpsReferral.client_id == client_id)
            .order_by(IpsReferral.referred_on.desc(), IpsReferral.id)
        ).scalars()
    )


# --------------------------------------------------------------------------- employers


def employers_statement(q: str | None = None) -> sa.Select:
    """Employers by name; ``q`` matches anywhere in the name, ignoring case."""
    stmt = sa.select(IpsEmployer)
    if q and q.strip():
        escaped = q.strip().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        stmt = stmt.where(IpsEmployer.name.ilike(f"%{escaped}%", escape="\\"))
    return stmt.order_by(sa.func.lower(IpsEmployer.name), IpsEmployer.id)


def all_employers() -> list[IpsEmployer]:
    return list(db.session.execute(employers_statement()).scalars())


def find_employer(employer_id: Any) -> IpsEmployer:
    wanted = as_uuid(employer_id)
    employer = db.session.get(IpsEmployer, wanted) if wanted else None
    if employer is None:
        raise IpsNotFound()
    return employer


def employer_or_error(employer_id: Any, field: str = "employer_id") -> IpsEmployer:
    try:
        return find_employer(employer_id)
    except IpsNotFound:
        raise IpsInvalid({field: "Choose an employer from the list."}) from None


EMPLOYER_FIELDS = ("name", "sector", "contact_name", "phone", "email", "town", "notes")


def create_employer(data: dict[str, Any]) -> IpsEmployer:
    if not (data.get("name") or "").strip():
        raise IpsInvalid({"name": "Enter the employer's name."})
    employer = IpsEmployer(**{k: data.get(k) for k in EMPLOYER_FIELDS})
    employer.name = employer.name.strip()
    db.session.add(employer)
    db.session.flush()
    audit("ips.employer.create", object_type="ips_employer", object_id=employer.id)
    return employer


def update_employer(employer: IpsEmployer, data: dict[str, Any]) -> IpsEmployer:
    if "name" in data and not (data["name"] or "").strip():
        raise IpsInvalid({"name": "Enter the employer's name."})
    changed = sorted(k for k in EMPLOYER_FIELDS if k in data and getattr(employer, k) != data[k])
    for key in changed:
        setattr(employer, key, data[key].strip() if key == "name" else data[key])
    db.session.flush()
    audit(
        "ips.employer.update",
        object_type="ips_employer",
        object_id=employer.id,
        details={"fields": changed},
    )
    return employer


# --------------------------------------------------------------------------- employer contacts


def employer_contacts_statement(
    *,
    employer_id: uuid.UUID | None = None,
    specialist_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    since: date | None = None,
    until: date | None = None,
) -> sa.Select:
    """Employer contacts, newest first. Contacts about a client the viewer may not see are left
    out entirely (need-to-know: even the fact of the contact names the client)."""
    stmt = sa.select(IpsEmployerContact).where(
        sa.or_(
            IpsEmployerContact.client_id.is_(None),
            about_visible_client(IpsEmployerContact),
        )
    )
    for column, value in (
        (IpsEmployerContact.employer_id, employer_id),
        (IpsEmployerContact.specialist_id, specialist_id),
        (IpsEmployerContact.client_id, client_id),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if since:
        stmt = stmt.where(IpsEmployerContact.contacted_on >= since)
    if until:
        stmt = stmt.where(IpsEmployerContact.contacted_on <= until)
    return stmt.order_by(IpsEmployerContact.contacted_on.desc(), IpsEmployerContact.id)


def find_employer_contact(contact_id: Any) -> IpsEmployerContact:
    return find_in(employer_contacts_statement(), IpsEmployerContact.id, contact_id)


CONTACT_FIELDS = ("contacted_on", "contact_type", "purpose", "client_id", "notes")


def _check_contact(values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if values.get("contacted_on") and values["contacted_on"] > date.today():
        errors["contacted_on"] = "The date of the contact cannot be in the future."
    if values.get("contact_type") not in codes.keys(codes.EMPLOYER_CONTACT_TYPES):
        errors["contact_type"] = "Choose how the employer was contacted."
    if values.get("purpose") not in codes.keys(codes.EMPLOYER_CONTACT_PURPOSES):
        errors["purpose"] = "Choose the purpose of the contact."
    elif values["purpose"] == "client_specific" and not values.get("client_id"):
        errors["client_id"] = "Choose the client a contact about a job for a client was about."
    if errors:
        raise IpsInvalid(errors)


def log_employer_contact(employer: IpsEmployer, data: dict[str, Any]) -> IpsEmployerContact:
    """A contact with ``employer`` by the viewer (or, for a team leader, another specialist)."""
    values = {k: data.get(k) for k in CONTACT_FIELDS}
    values["contacted_on"] = values["contacted_on"] or date.today()
    if values["client_id"]:
        values["client_id"] = visible_client_or_error(values["client_id"]).id
    _check_contact(values)
    specialist = credited_specialist(data.get("specialist_id"))
    contact = IpsEmployerContact(employer_id=employer.id, specialist_id=specialist, **values)
    db.session.add(contact)
    db.session.flush()
    audit(
        "ips.employer_contact.create",
        object_type="ips_employer_contact",
        object_id=contact.id,
        details={"employer_id": str(employer.id), "client_id": _str(contact.client_id)},
    )
    return contact


def update_employer_contact(contact: IpsEmployerContact, data: dict[str, Any]):
    values = merged(contact, data, CONTACT_FIELDS)
    if data.get("client_id"):
        values["client_id"] = visible_client_or_error(data["client_id"]).id
    _check_contact(values)
    write_update(contact, values, data, CONTACT_FIELDS)
    return contact


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None
