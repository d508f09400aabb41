"""Rules of the client record: create with duplicate check, update, close, find."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.accounts.models import Membership
from core.api.etag import STALE_MESSAGE
from core.audit.service import record_now
from core.clients.access import sees_restricted, visible_clients
from core.clients.models import Client
from core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from core.extensions import db


class LikelyDuplicate(Conflict):
    """A client with the same NHS number, or the same name and date of birth, exists."""

    def __init__(self, detail: str, duplicates: list[Client], *, can_confirm: bool) -> None:
        super().__init__(detail)
        self.duplicates = duplicates
        self.can_confirm = can_confirm

    def extra(self) -> dict:
        return {
            "can_confirm": self.can_confirm,
            "duplicates": [
                {
                    "id": str(c.id),
                    "given_name": c.given_name,
                    "family_name": c.family_name,
                    "date_of_birth": c.date_of_birth.isoformat(),
                    "status": c.status,
                }
                for c in self.duplicates
            ],
        }


def find_client(client_id: uuid.UUID | None, *, audit_read: bool = True) -> Client:
    """A client the viewer may see, or NotFound (another tenant's, or not shared: the same)."""
    client = None
    if client_id is not None:
        client = db.session.execute(
            visible_clients().where(Client.id == client_id)
        ).scalar_one_or_none()
    if client is None:
        raise NotFound("No such client.")
    if audit_read:
        audit.record("client.read", object_type="client", object_id=client.id)
    return client


def likely_duplicates(
    *,
    nhs_number: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
    exclude: uuid.UUID | None = None,
) -> list[Client]:
    """Clients of the tenant sharing the NHS number, or the name and date of birth.

    Looks across the whole tenant (not only what the viewer may see): a duplicate is a safety
    problem whoever can see it. Only staff who may create clients call this.
    """
    conditions = []
    if nhs_number:
        conditions.append(Client.nhs_number == nhs_number)
    if given_name and family_name and date_of_birth:
        conditions.append(
            sa.and_(
                sa.func.lower(Client.given_name) == given_name.strip().lower(),
                sa.func.lower(Client.family_name) == family_name.strip().lower(),
                Client.date_of_birth == date_of_birth,
            )
        )
    if not conditions:
        return []
    stmt = sa.select(Client).where(sa.or_(*conditions)).order_by(Client.created_at).limit(10)
    if exclude:
        stmt = stmt.where(Client.id != exclude)
    return list(db.session.execute(stmt).scalars())


RESTRICTED_MATCH = (
    " A record whose processing is restricted also matches; ask your information governance "
    "lead before adding this person."
)


def shown_duplicates(found: list[Client]) -> tuple[list[Client], bool]:
    """The matches the viewer may be shown, and whether a restricted one was left out.

    A restricted record is hidden from everyone without ``clients.restricted.read``, duplicate
    warnings included (they show names and dates of birth). Its existence still stops a second
    record: the person is told a restricted record matches, never whose it is.
    """
    if sees_restricted():
        return found, False
    shown = [c for c in found if c.restricted_at is None]
    return shown, len(shown) < len(found)


def _check_key_worker(membership_id: uuid.UUID | None) -> None:
    if membership_id is None:
        return
    found = db.session.execute(
        sa.select(Membership).where(Membership.id == membership_id, Membership.active.is_(True))
    ).scalar_one_or_none()
    if found is None or found.organisation.is_partner:
        raise InvalidInput(
            {"key_worker_membership_id": "Choose an active member of the trust's staff."}
        )


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {}
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip() or None
        cleaned[key] = value
    return cleaned


def _check_required(data: dict[str, Any], *, partial: bool) -> None:
    """Names and date of birth may not be empty (a name of only spaces cleans to empty)."""
    missing = {
        name: "This field cannot be empty."
        for name in ("given_name", "family_name", "date_of_birth")
        if (name in data or not partial) and data.get(name) is None
    }
    if missing:
        raise InvalidInput(missing)


def _check_unique(data: dict[str, Any], exclude: uuid.UUID | None = None) -> None:
    errors: dict[str, str] = {}
    for column in ("nhs_number", "local_id"):
        value = data.get(column)
        if not value:
            continue
        stmt = sa.select(Client.id).where(getattr(Client, column) == value)
        if exclude:
            stmt = stmt.where(Client.id != exclude)
        if db.session.execute(stmt).first():
            label = "NHS number" if column == "nhs_number" else "local identifier"
            errors[column] = f"Another client in this service already has this {label}."
    if errors:
        raise InvalidInput(errors)


def _audit_duplicate_warning(found: list[Client]) -> None:
    """The warning shows other people's names and dates of birth: that is a read, audited even
    though the request itself is refused (so in its own transaction)."""
    record_now(
        "client.duplicate_warning",
        object_type="client",
        outcome="warning",
        details={"client_ids": [str(c.id) for c in found]},
    )


def _save(client: Client) -> None:
    """Write a change to ``client``: 412 if another request changed it since ``If-Match`` was
    checked (the ORM's version check finds no row at the version read), never a server error."""
    try:
        db.session.flush()
    except StaleDataError:
        raise PreconditionFailed(STALE_MESSAGE) from None


def create_client(data: dict[str, Any]) -> Client:
    data = _clean(dict(data))
    confirmed = bool(data.pop("confirm_not_duplicate", False))
    _check_required(data, partial=False)
    same_number, restricted = shown_duplicates(
        likely_duplicates(nhs_number=data.get("nhs_number")) if data.get("nhs_number") else []
    )
    if same_number or restricted:
        _audit_duplicate_warning(same_number)
        raise LikelyDuplicate(
            "A client with this NHS number already exists."
            + (RESTRICTED_MATCH if restricted else ""),
            same_number,
            can_confirm=False,
        )
    same_person, restricted = shown_duplicates(
        likely_duplicates(
            given_name=data.get("given_name"),
            family_name=data.get("family_name"),
            date_of_birth=data.get("date_of_birth"),
        )
    )
    if (same_person or restricted) and not confirmed:
        _audit_duplicate_warning(same_person)
        raise LikelyDuplicate(
            "A client with the same name and date of birth already exists. Check it is not the "
            "same person; to create a new record anyway, confirm it is a different person."
            + (RESTRICTED_MATCH if restricted else ""),
            same_person,
            can_confirm=True,
        )
    _check_unique(data)
    _check_key_worker(data.get("key_worker_membership_id"))
    client = Client(**data)
    db.session.add(client)
    db.session.flush()
    audit.record(
        "client.create",
        object_type="client",
        object_id=client.id,
        details={"confirmed_not_duplicate": confirmed} if confirmed else {},
    )
    return client


def update_client(client: Client, changes: dict[str, Any]) -> Client:
    changes = _clean(changes)
    _check_required(changes, partial=True)
    _check_unique(changes, exclude=client.id)
    if "key_worker_membership_id" in changes:
        _check_key_worker(changes["key_worker_membership_id"])
    changed = sorted(k for k, v in changes.items() if getattr(client, k) != v)
    for key in changed:
        setattr(client, key, changes[key])
    if changed:
        _save(client)
    # Recorded even when nothing changed: the response carries the whole record (a read).
    audit.record(
        "client.update", object_type="client", object_id=client.id, details={"fields": changed}
    )
    return client


def close_client(client: Client, reason: str, closed_on: date | None) -> Client:
    if client.status == "closed":
        raise Conflict("This client's record is already closed.")
    client.status = "closed"
    client.closed_reason = reason
    client.closed_on = closed_on or date.today()
    _save(client)
    audit.record(
        "client.close", object_type="client", object_id=client.id, details={"reason": reason}
    )
    return client


def reopen_client(client: Client) -> Client:
    if client.status == "open":
        raise Conflict("This client's record is already open.")
    client.status, client.closed_reason, client.closed_on = "open", None, None
    _save(client)
    audit.record("client.reopen", object_type="client", object_id=client.id)
    return client
