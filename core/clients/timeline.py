"""The client's timeline: contacts and notes, newest first, with plugins' entries merged in.

Partner staff see only the entries made by their own organisation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g

from core import audit
from core.clients.access import is_partner_viewer
from core.clients.codelists import CONTACT_METHODS
from core.clients.models import Client, Contact, Note
from core.errors import InvalidInput
from core.extensions import db
from core.plugins.manager import tenant_hooks

#: How many of each plugin's entries for one client are fetched (and so counted in the total).
PLUGIN_ENTRIES_COUNTED = 500


@dataclass
class Entry:
    at: datetime
    kind: str
    summary: str
    source: str
    id: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def record_contact(client: Client, data: dict[str, Any]) -> Contact:
    contact = Contact(
        client_id=client.id,
        staff_membership_id=g.membership.id,
        organisation_id=g.membership.organisation_id,
        **data,
    )
    db.session.add(contact)
    db.session.flush()
    audit.record(
        "contact.create",
        object_type="client_contact",
        object_id=contact.id,
        details={"client_id": str(client.id)},
    )
    return contact


def write_note(client: Client, text: str, corrects_note_id: uuid.UUID | None = None) -> Note:
    if corrects_note_id is not None:
        original = db.session.execute(
            sa.select(Note).where(Note.id == corrects_note_id, Note.client_id == client.id)
        ).scalar_one_or_none()
        partner_org = g.membership.organisation_id if is_partner_viewer() else None
        if original is None or (partner_org and original.organisation_id != partner_org):
            # Partners may correct only their own organisation's notes (the ones they can see).
            raise InvalidInput({"corrects_note_id": "No such note on this client's record."})
    note = Note(
        client_id=client.id,
        author_membership_id=g.membership.id,
        organisation_id=g.membership.organisation_id,
        text=text,
        corrects_note_id=corrects_note_id,
    )
    db.session.add(note)
    db.session.flush()
    audit.record(
        "note.create",
        object_type="client_note",
        object_id=note.id,
        details={
            "client_id": str(client.id),
            "corrects": str(corrects_note_id) if corrects_note_id else None,
        },
    )
    return note


def _text(value: object | None) -> str | None:
    return None if value is None else str(value)


def _aware(value: datetime) -> datetime:
    from datetime import UTC

    return value if value.tzinfo else value.replace(tzinfo=UTC)


def entries(client: Client, *, page: int = 1, page_size: int = 25) -> tuple[list[Entry], int]:
    """One page of the timeline and the total number of its entries (plugins' included)."""
    partner_org = g.membership.organisation_id if is_partner_viewer() else None
    contacts = sa.select(Contact).where(Contact.client_id == client.id)
    notes = sa.select(Note).where(Note.client_id == client.id)
    if partner_org is not None:
        contacts = contacts.where(Contact.organisation_id == partner_org)
        notes = notes.where(Note.organisation_id == partner_org)
    wanted = page * page_size
    total = sum(
        db.session.execute(sa.select(sa.func.count()).select_from(s.subquery())).scalar_one()
        for s in (contacts, notes)
    )
    corrected = set(
        db.session.execute(
            sa.select(Note.corrects_note_id).where(
                Note.client_id == client.id, Note.corrects_note_id.is_not(None)
            )
        ).scalars()
    )
    found: list[Entry] = []
    for contact in db.session.execute(
        contacts.order_by(Contact.occurred_at.desc()).limit(wanted)
    ).scalars():
        found.append(
            Entry(
                at=_aware(contact.occurred_at),
                kind="contact",
                source="core",
                id=str(contact.id),
                summary=f"{CONTACT_METHODS.label(contact.method)} contact"
                + (f", {contact.duration_minutes} minutes" if contact.duration_minutes else ""),
                details={
                    "method": contact.method,
                    "duration_minutes": contact.duration_minutes,
                    "summary": contact.summary,
                    "staff_membership_id": str(contact.staff_membership_id),
                    "organisation_id": str(contact.organisation_id),
                },
            )
        )
    for note in db.session.execute(notes.order_by(Note.written_at.desc()).limit(wanted)).scalars():
        found.append(
            Entry(
                at=_aware(note.written_at),
                kind="note",
                source="core",
                id=str(note.id),
                summary="Correction" if note.corrects_note_id else "Note",
                details={
                    "text": note.text,
                    "corrects_note_id": str(note.corrects_note_id)
                    if note.corrects_note_id
                    else None,
                    "corrected": note.id in corrected,
                    "author_membership_id": str(note.author_membership_id),
                    "organisation_id": str(note.organisation_id),
                },
            )
        )
    if partner_org is None:
        # Plugins are asked for more than the page needs so that ``total`` counts all their
        # entries, whatever the page size (a client has a handful of plugin events; asking
        # for only ``wanted`` made the total shrink with the page size).
        for batch in tenant_hooks(g.tenant).register_timeline_entries(
            tenant=g.tenant,
            client_id=client.id,
            viewer=g.membership,
            limit=max(wanted, PLUGIN_ENTRIES_COUNTED),
        ):
            for item in batch:
                found.append(
                    Entry(
                        at=_aware(item.at),
                        kind=item.kind,
                        summary=item.summary,
                        source=item.source,
                        details={"url": item.url, "all_day": item.all_day},
                    )
                )
                total += 1
    found.sort(key=lambda e: e.at, reverse=True)
    start = (page - 1) * page_size
    return found[start : start + page_size], total
