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

from core.plugins.api import Client, audit, current_tenant_id, db, visible_clients_clause

from . import codes
from .models import IpsEmployer, IpsEmployerContact, IpsReferral

#: Roles whose holders are employment specialists a contact, start or support can be credited to.
SPECIALIST_ROLES = frozenset({"employment_specialist", "ips_team_leader"})
#: The role that may record work on behalf of another specialist of the team.
TEAM_LEADER_ROLE = "ips_team_leader"


class WorkNotFound(Exception):
    """Missing, not visible to the viewer, or another tenant's: indistinguishable on purpose."""


class WorkInvalid(Exception):
    """Input that parsed but breaks a rule; ``field_errors`` maps field → message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__("Check the fields listed in errors.")
        self.field_errors = field_errors


def as_uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- people


def _membership_model() -> type:
    """The membership class, taken from the signed-in membership: the plugin API exports no
    membership model, and a plugin imports core only through that API."""
    return type(g.membership)


def specialists() -> list[Any]:
    """Active memberships of this tenant holding an IPS specialist role, by name."""
    membership = _membership_model()
    rows = db.session.execute(
        sa.select(membership).where(
            membership.tenant_id == current_tenant_id(), membership.active.is_(True)
        )
    ).scalars()
    found = [m for m in rows if SPECIALIST_ROLES & set(m.roles or ())]
    return sorted(found, key=lambda m: (m.user.display_name or "").lower())


def specialist_names() -> dict[uuid.UUID, str]:
    return {m.id: m.user.display_name for m in specialists()}


def names_of(membership_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Display names of memberships (leavers included: history keeps its names)."""
    ids = {i for i in membership_ids if i}
    if not ids:
        return {}
    membership = _membership_model()
    rows = db.session.execute(sa.select(membership).where(membership.id.in_(ids))).scalars()
    return {m.id: m.user.display_name for m in rows}


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
        raise WorkInvalid({field: "Only a team leader can record this for another specialist."})
    if chosen not in {m.id for m in specialists()}:
        raise WorkInvalid({field: "Choose an employment specialist of this team."})
    return chosen


# --------------------------------------------------------------------------- clients, referrals


def find_client(client_id: Any) -> Client:
    """A client the viewer may see (partners: only those shared with their organisation)."""
    wanted = as_uuid(client_id)
    client = None
    if wanted is not None:
        client = db.session.execute(
            sa.select(Client).where(Client.id == wanted, visible_clients_clause(g.membership))
        ).scalar_one_or_none()
    if client is None:
        raise WorkNotFound()
    return client


def visible_client_or_error(client_id: Any, field: str = "client_id") -> Client:
    """Like :func:`find_client` for an id given in a form or body: a per-field error."""
    try:
        return find_client(client_id)
    except WorkNotFound:
        raise WorkInvalid({field: "Choose a client you can see."}) from None


def client_names(client_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Names of the clients among ``client_ids`` the viewer may see."""
    ids = {i for i in client_ids if i}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Client).where(Client.id.in_(ids), visible_clients_clause(g.membership))
    ).scalars()
    return {c.id: f"{c.given_name} {c.family_name}" for c in rows}


def referrals_of(client_id: uuid.UUID) -> list[IpsReferral]:
    """The client's IPS episodes, newest first."""
    return list(
        db.session.execute(
            sa.select(IpsReferral)
            .where(IpsReferral.client_id == client_id)
            .order_by(IpsReferral.referred_on.desc(), IpsReferral.id)
        ).scalars()
    )


def clients_with_referrals() -> list[tuple[uuid.UUID, str]]:
    """``(client_id, name)`` of visible clients with an IPS referral: choices in forms."""
    rows = db.session.execute(
        sa.select(Client.id, Client.given_name, Client.family_name)
        .where(
            visible_clients_clause(g.membership),
            sa.exists().where(
                IpsReferral.tenant_id == Client.tenant_id, IpsReferral.client_id == Client.id
            ),
        )
        .order_by(Client.family_name, Client.given_name, Client.id)
    ).all()
    return [(row.id, f"{row.given_name} {row.family_name}") for row in rows]


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
        raise WorkNotFound()
    return employer


def employer_or_error(employer_id: Any, field: str = "employer_id") -> IpsEmployer:
    try:
        return find_employer(employer_id)
    except WorkNotFound:
        raise WorkInvalid({field: "Choose an employer from the list."}) from None


EMPLOYER_FIELDS = ("name", "sector", "contact_name", "phone", "email", "town", "notes")


def create_employer(data: dict[str, Any]) -> IpsEmployer:
    if not (data.get("name") or "").strip():
        raise WorkInvalid({"name": "Enter the employer's name."})
    employer = IpsEmployer(**{k: data.get(k) for k in EMPLOYER_FIELDS})
    employer.name = employer.name.strip()
    db.session.add(employer)
    db.session.flush()
    audit("ips.employer.create", object_type="ips_employer", object_id=employer.id)
    return employer


def update_employer(employer: IpsEmployer, data: dict[str, Any]) -> IpsEmployer:
    if "name" in data and not (data["name"] or "").strip():
        raise WorkInvalid({"name": "Enter the employer's name."})
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
            sa.exists().where(
                Client.tenant_id == IpsEmployerContact.tenant_id,
                Client.id == IpsEmployerContact.client_id,
                visible_clients_clause(g.membership),
            ),
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
    wanted = as_uuid(contact_id)
    contact = None
    if wanted is not None:
        contact = db.session.execute(
            employer_contacts_statement().where(IpsEmployerContact.id == wanted)
        ).scalar_one_or_none()
    if contact is None:
        raise WorkNotFound()
    return contact


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
        raise WorkInvalid(errors)


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
    values = {k: getattr(contact, k) for k in CONTACT_FIELDS}
    values.update({k: v for k, v in data.items() if k in CONTACT_FIELDS})
    if data.get("client_id"):
        values["client_id"] = visible_client_or_error(data["client_id"]).id
    _check_contact(values)
    if "specialist_id" in data:
        contact.specialist_id = credited_specialist(data["specialist_id"])
    for key, value in values.items():
        setattr(contact, key, value)
    db.session.flush()
    audit(
        "ips.employer_contact.update",
        object_type="ips_employer_contact",
        object_id=contact.id,
        details={"fields": sorted(k for k in data if k in (*CONTACT_FIELDS, "specialist_id"))},
    )
    return contact


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None
