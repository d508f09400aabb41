"""Which client records are past their minimum retention period, flagging them for appraisal,
and the information governance lead's decisions (SECURITY.md P3).

**Last contact** of a client is the latest of: the day the record was made (``created_at``),
the day it was closed (``closed_on``), the day of its latest contact (``occurred_at``) and of
its latest note (``written_at``), each a calendar day in UK time. An **open** record is still in
use and is never due: the Code's retention starts when the record stops being operational.
A record that comes back into use (a new contact, reopening) moves its date on by itself,
since the date is worked out afresh every night.

Nothing here deletes anything. A ``destroy`` decision is recorded, and the trust's records
team destroys (and the decision row stays as the log the Code asks for).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, g

from core import audit
from core.clients.models import Client, Contact, Note, RetentionAppraisal
from core.columns import utcnow
from core.errors import Conflict, InvalidInput
from core.extensions import db
from core.retention.rules import MENTAL_HEALTH, RetentionRule, due_on, parse_rules, retain_until

UK = ZoneInfo("Europe/London")
KEEP, DESTROY = "keep", "destroy"


def rule_for(record_class: str = MENTAL_HEALTH) -> RetentionRule:
    """The deployment's rule for ``record_class`` (``RETENTION_RULES`` over the defaults)."""
    return parse_rules(current_app.config.get("RETENTION_RULES"))[record_class]


def _uk_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK).date()


def last_contact(
    created_at: datetime, closed_on: date | None, contact: datetime | None, note: datetime | None
) -> date:
    """The latest of the record's creation, closure, last contact and last note (UK days)."""
    days = [_uk_day(created_at), closed_on, _uk_day(contact), _uk_day(note)]
    return max(d for d in days if d is not None)


@dataclass(frozen=True)
class Due:
    """A closed record past its retention period, as the nightly job sees it."""

    client_id: uuid.UUID
    last_contact_on: date
    died_on: date | None
    due_since: date

    def as_json(self) -> dict[str, Any]:
        return {
            "client_id": str(self.client_id),
            "last_contact_on": self.last_contact_on.isoformat(),
            "died_on": self.died_on.isoformat() if self.died_on else None,
            "due_since": self.due_since.isoformat(),
        }


def _closed_clients(client_id: uuid.UUID | None = None) -> list[Any]:
    latest_contact = (
        sa.select(Contact.client_id, sa.func.max(Contact.occurred_at).label("at"))
        .group_by(Contact.client_id)
        .subquery()
    )
    latest_note = (
        sa.select(Note.client_id, sa.func.max(Note.written_at).label("at"))
        .group_by(Note.client_id)
        .subquery()
    )
    stmt = (
        sa.select(
            Client.id,
            Client.status,
            Client.created_at,
            Client.closed_on,
            Client.died_on,
            latest_contact.c.at.label("contact_at"),
            latest_note.c.at.label("note_at"),
        )
        .outerjoin(latest_contact, latest_contact.c.client_id == Client.id)
        .outerjoin(latest_note, latest_note.c.client_id == Client.id)
        .order_by(Client.id)
    )
    if client_id is not None:
        stmt = stmt.where(Client.id == client_id)
    return list(db.session.execute(stmt))


def retention_of(client: Client) -> dict[str, Any]:
    """The client's retention as worked out today: last contact, retain-until and due dates.

    For an open record the dates say what they would be were it closed today's way (it is not
    due while open)."""
    rule = rule_for()
    row = _closed_clients(client.id)[0]
    contact_on = last_contact(row.created_at, row.closed_on, row.contact_at, row.note_at)
    return {
        "record_class": rule.record_class,
        "years_after_last_contact": rule.years_after_last_contact,
        "years_after_death": rule.years_after_death,
        "open": row.status != "closed",
        "last_contact_on": contact_on,
        "died_on": row.died_on,
        "retain_until": retain_until(rule, contact_on, row.died_on),
        "due_on": due_on(rule, contact_on, row.died_on),
    }


def _not_to_flag() -> dict[uuid.UUID, date | None]:
    """Clients not to flag now, or (for a ``keep``) not before its review date.

    An undecided appraisal or a ``destroy`` decision blocks for good (``None``); the latest
    ``keep`` blocks until its ``review_on``."""
    rows = db.session.execute(
        sa.select(
            RetentionAppraisal.client_id,
            RetentionAppraisal.decision,
            RetentionAppraisal.review_on,
        ).order_by(RetentionAppraisal.flagged_at, RetentionAppraisal.decided_at)
    )
    blocked: dict[uuid.UUID, date | None] = {}
    for client_id, decision, review_on in rows:
        if blocked.get(client_id, date.min) is None:
            continue
        blocked[client_id] = review_on if decision == KEEP else None
    return blocked


def find_due(today: date) -> list[Due]:
    """Closed, processable records whose retention has passed on ``today`` and that are not
    already waiting for (or kept by) a decision; oldest due first."""
    from core.clients.processing import processable_clients_clause

    rule = rule_for()
    restricted = set(
        db.session.execute(sa.select(Client.id).where(~processable_clients_clause())).scalars()
    )
    blocked = _not_to_flag()
    found: list[Due] = []
    for row in _closed_clients():
        # Restricted records are in no background job (Art. 18: storage only), this one too.
        if row.status != "closed" or row.id in restricted:
            continue
        contact_on = last_contact(row.created_at, row.closed_on, row.contact_at, row.note_at)
        since = due_on(rule, contact_on, row.died_on)
        if row.id in blocked:
            review_on = blocked[row.id]
            if review_on is None:
                continue
            since = max(since, review_on)
        if since <= today:
            found.append(Due(row.id, contact_on, row.died_on, since))
    return sorted(found, key=lambda d: (d.due_since, str(d.client_id)))


def flag_due_records(dry_run: bool = False, today: str | None = None) -> dict[str, Any]:
    """The nightly job: flag every record due for appraisal (or, ``dry_run``, only list them).

    Safe to run twice: a record already flagged and undecided is not flagged again. Returns
    ``{"dry_run", "today", "count", "records": [{client_id, last_contact_on, died_on,
    due_since}]}``.
    """
    day = date.fromisoformat(today) if today else datetime.now(UK).date()
    due = find_due(day)
    if not dry_run:
        record_class = rule_for().record_class
        for item in due:
            db.session.add(
                RetentionAppraisal(
                    client_id=item.client_id,
                    record_class=record_class,
                    last_contact_on=item.last_contact_on,
                    died_on=item.died_on,
                    due_since=item.due_since,
                )
            )
        db.session.flush()
        if due:
            audit.record("retention.flagged", details={"count": len(due), "today": str(day)})
    return {
        "dry_run": dry_run,
        "today": day.isoformat(),
        "count": len(due),
        "records": [item.as_json() for item in due],
    }


def listing(status: str = "due") -> sa.Select:
    """Appraisals of clients the viewer may see: ``due`` (undecided, oldest first),
    ``decided`` (newest decision first) or ``all``."""
    from core.clients.access import visible_clients_clause

    stmt = (
        sa.select(RetentionAppraisal)
        .join(Client, Client.id == RetentionAppraisal.client_id)
        .where(visible_clients_clause())
    )
    if status == "due":
        stmt = stmt.where(RetentionAppraisal.decision.is_(None))
    elif status == "decided":
        stmt = stmt.where(RetentionAppraisal.decision.is_not(None))
    if status == "decided":
        return stmt.order_by(RetentionAppraisal.decided_at.desc(), RetentionAppraisal.id)
    return stmt.order_by(RetentionAppraisal.due_since, RetentionAppraisal.id)


def find(appraisal_id: uuid.UUID | None) -> RetentionAppraisal | None:
    """One appraisal, if the viewer may see its client."""
    if appraisal_id is None:
        return None
    return (
        db.session.execute(listing("all").where(RetentionAppraisal.id == appraisal_id))
        .unique()
        .scalar_one_or_none()
    )


def decide(
    appraisal: RetentionAppraisal,
    *,
    decision: str,
    reason: str,
    review_on: date | None = None,
    today: date | None = None,
) -> RetentionAppraisal:
    """Record the decision on an appraisal, once. ``keep`` needs a later ``review_on``;
    ``destroy`` records the decision only (the records team destroys; nothing is deleted)."""
    today = today or datetime.now(UK).date()
    if appraisal.decision is not None:
        raise Conflict(
            f"A decision ({appraisal.decision}) was already recorded on this appraisal; "
            "decisions are history and are not changed."
        )
    if decision == KEEP and review_on is None:
        raise InvalidInput({"review_on": "Enter the date to review the record again"})
    if decision == KEEP and review_on is not None and review_on <= today:
        raise InvalidInput({"review_on": "The review date must be in the future"})
    if decision == DESTROY and review_on is not None:
        raise InvalidInput({"review_on": "A review date is only for a decision to keep"})
    appraisal.decision = decision
    appraisal.review_on = review_on if decision == KEEP else None
    appraisal.reason = reason
    appraisal.decided_by_membership_id = g.membership.id
    appraisal.decided_at = utcnow()
    db.session.flush()
    audit.record(
        "client.retention_decision",
        object_type="client",
        object_id=appraisal.client_id,
        details={
            "appraisal_id": str(appraisal.id),
            "decision": decision,
            "review_on": review_on.isoformat() if appraisal.review_on else None,
        },
    )
    return appraisal


def record_death(client: Client, died_on: date | None) -> Client:
    """Record (or clear, with None) the client's date of death."""
    if died_on is not None:
        if died_on > datetime.now(UK).date():
            raise InvalidInput({"died_on": "The date of death must be today or in the past"})
        if died_on < client.date_of_birth:
            raise InvalidInput(
                {"died_on": "The date of death must be on or after the date of birth"}
            )
    client.died_on = died_on
    db.session.flush()
    audit.record(
        "client.died_on",
        object_type="client",
        object_id=client.id,
        details={"died_on": died_on.isoformat() if died_on else None},
    )
    return client
