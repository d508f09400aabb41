"""Step Out rules: loading what the viewer may see, and recording the referral journey, reviews
and crisis events. The housing search (actions, offers) is in ``housing_search``, the jobs in
``jobs`` and ``crisis_import``, the client record and subject access in ``record``.

Services flush; the request or job boundary commits (STYLE §5). Every write, and every read of
one client's Step Out details, adds an audit event to the same transaction (``audited``).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import Client, audit, db, visible_clients_clause

from .date_rules import future_errors, referral_errors
from .models import (
    StepOutCrisisEvent,
    StepOutReferral,
    StepOutReview,
)
from .schemas import STATUSES

#: Tenancy sustainment reviews fall due this many months after move-in.
REVIEW_MONTHS = (1, 3, 6, 12)
#: A referral is open until it is closed; a client has at most one open referral.
OPEN_STATUSES = tuple(s for s in STATUSES if s != "closed")


class StepOutNotFound(Exception):
    """Missing, not visible to the viewer, or another tenant's: indistinguishable on purpose."""


class StepOutOpenReferral(Exception):
    """The client already has an open referral: refer again only once it is closed."""

    def __init__(self, open_referral: StepOutReferral) -> None:
        super().__init__(
            "This client already has an open Step Out referral "
            f"(referred {open_referral.referred_on.isoformat()}, id {open_referral.id}, "
            f"status {open_referral.status}). Update that referral, or close it before "
            "referring again."
        )
        self.open_referral = open_referral


class StepOutInvalid(Exception):
    """Input that parsed but breaks a rule; ``field_errors`` maps field → message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__("Check the fields listed in errors.")
        self.field_errors = field_errors


# --------------------------------------------------------------------------- audit


def audited(action: str, obj: Any, **details: Any) -> None:
    """Audit ``step_out.<action>`` on ``obj`` (its table and id); details never hold free text
    about the person, only ids, field names and counts."""
    client_id = getattr(obj, "client_id", None)
    if client_id is not None:
        details.setdefault("client_id", str(client_id))
    audit(
        f"step_out.{action}",
        object_type=obj.__tablename__,
        object_id=obj.id,
        details=details,
    )


# --------------------------------------------------------------------------- rules


def delayed_days(ready: date | None, discharged: date | None) -> int | None:
    """Delayed days = discharge date − clinically ready date (None until both are known)."""
    if ready is None or discharged is None:
        return None
    return (discharged - ready).days


def add_months(day: date, months: int) -> date:
    """Calendar months, clamped to the month's end (31 Aug + 6 months = 28/29 Feb), like
    PostgreSQL's ``date + interval 'n months'``."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_referral_dates(values: dict[str, Any]) -> None:
    """Dates must have happened and follow the journey (``date_rules``): every broken rule at
    once."""
    errors = referral_errors(values)
    if errors:
        raise StepOutInvalid(errors)


def open_referral_of(client_id: uuid.UUID) -> StepOutReferral | None:
    """The client's open referral, if any: every status but ``closed`` is open."""
    return db.session.execute(
        sa.select(StepOutReferral)
        .where(StepOutReferral.client_id == client_id, StepOutReferral.status.in_(OPEN_STATUSES))
        .order_by(StepOutReferral.referred_on.desc(), StepOutReferral.id)
        .limit(1)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- loading


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def find_client(client_id: Any) -> Client:
    """A client the viewer may see (partners: only those shared with their organisation)."""
    wanted = _uuid(client_id)
    client = None
    if wanted is not None:
        client = db.session.execute(
            sa.select(Client).where(Client.id == wanted, visible_clients_clause(g.membership))
        ).scalar_one_or_none()
    if client is None:
        raise StepOutNotFound()
    return client


def visible_referrals() -> sa.Select:
    """``SELECT referral`` limited to clients the viewer may see."""
    return (
        sa.select(StepOutReferral)
        .join(
            Client,
            sa.and_(
                Client.tenant_id == StepOutReferral.tenant_id,
                Client.id == StepOutReferral.client_id,
            ),
        )
        .where(visible_clients_clause(g.membership))
    )


def find_referral(referral_id: Any) -> StepOutReferral:
    wanted = _uuid(referral_id)
    referral = None
    if wanted is not None:
        referral = db.session.execute(
            visible_referrals().where(StepOutReferral.id == wanted)
        ).scalar_one_or_none()
    if referral is None:
        raise StepOutNotFound()
    return referral


def find_child(model: type, child_id: Any) -> Any:
    """An action, offer or review whose referral's client the viewer may see."""
    wanted = _uuid(child_id)
    child = None
    if wanted is not None:
        child = db.session.execute(sa.select(model).where(model.id == wanted)).scalar_one_or_none()
    if child is None:
        raise StepOutNotFound()
    find_referral(child.referral_id)  # the viewer must see its client
    return child


def find_review(review_id: Any) -> StepOutReview:
    return find_child(StepOutReview, review_id)


def read_referral(referral_id: Any, part: str = "referral") -> StepOutReferral:
    """``find_referral`` for showing one client's Step Out details (``part``: the referral, its
    actions, offers or reviews): the read is audited."""
    referral = find_referral(referral_id)
    audited("referral.read", referral, part=part)
    return referral


def read_crisis_events(client_id: Any) -> list[StepOutCrisisEvent]:
    """One client's crisis events, for showing: the read is audited."""
    client = find_client(client_id)
    audit(
        "step_out.crisis_event.read",
        object_type="client",
        object_id=client.id,
        details={"client_id": str(client.id)},
    )
    return crisis_events_of(client.id)


def referral_list(status: str | None = None) -> list[StepOutReferral]:
    stmt = visible_referrals()
    if status:
        stmt = stmt.where(StepOutReferral.status == status)
    stmt = stmt.order_by(StepOutReferral.referred_on.desc(), StepOutReferral.id)
    return list(db.session.execute(stmt).scalars())


def referrals_of(client_id: uuid.UUID) -> list[StepOutReferral]:
    return list(
        db.session.execute(
            sa.select(StepOutReferral)
            .where(StepOutReferral.client_id == client_id)
            .order_by(StepOutReferral.referred_on.desc(), StepOutReferral.id)
        ).scalars()
    )


def children(model: type, referral: StepOutReferral) -> list[Any]:
    return list(
        db.session.execute(
            sa.select(model).where(model.referral_id == referral.id).order_by(model.created_at)
        ).scalars()
    )


def crisis_events_of(client_id: uuid.UUID) -> list[StepOutCrisisEvent]:
    return list(
        db.session.execute(
            sa.select(StepOutCrisisEvent)
            .where(StepOutCrisisEvent.client_id == client_id)
            .order_by(StepOutCrisisEvent.occurred_on.desc(), StepOutCrisisEvent.id)
        ).scalars()
    )


# --------------------------------------------------------------------------- writing


def create_referral(client: Client, data: dict[str, Any]) -> StepOutReferral:
    """A new referral (a re-referral is simply another referral of the same client)."""
    values = {k: v for k, v in data.items() if k != "client_id"}
    values.setdefault("referred_on", date.today())
    values.setdefault("status", "referred")
    check_referral_dates(values)
    if values["status"] != "closed":
        already = open_referral_of(client.id)
        if already is not None:
            raise StepOutOpenReferral(already)
    referral = StepOutReferral(client_id=client.id, **values)
    derive_status(referral)
    db.session.add(referral)
    db.session.flush()
    schedule_reviews(referral)
    audited("referral.create", referral)
    return referral


def update_referral(referral: StepOutReferral, data: dict[str, Any]) -> StepOutReferral:
    """Change a referral (assessment, ready date, move-in, discharge, delay, tenancy end)."""
    merged = {c: getattr(referral, c) for c in REFERRAL_FIELDS}
    merged.update(data)
    check_referral_dates(merged)
    if referral.status == "closed" and data.get("status", "closed") != "closed":
        already = open_referral_of(referral.client_id)
        if already is not None:
            raise StepOutOpenReferral(already)  # reopening would make two open referrals
    changed = sorted(k for k, v in data.items() if getattr(referral, k) != v)
    for key, value in data.items():
        setattr(referral, key, value)
    if "status" not in data:
        derive_status(referral)
    db.session.flush()
    schedule_reviews(referral)
    # Recorded even when nothing changed: the answer shows the whole referral (a read).
    audited("referral.update", referral, fields=changed)
    return referral


REFERRAL_FIELDS = (
    "referred_on", "ward", "referrer", "admission_date", "clinically_ready_date",
    "accommodation_type", "settled_indicator", "needs", "risks", "status", "assessment_date",
    "move_in_date", "discharge_date", "discharge_destination", "delay_reason",
    "delay_attribution", "tenancy_end_date", "tenancy_end_reason", "tenancy_end_planned",
)  # fmt: skip


def derive_status(referral: StepOutReferral) -> None:
    if referral.status == "closed":
        return
    if referral.move_in_date:
        referral.status = "housed"
    elif referral.assessment_date:
        referral.status = "searching" if referral.status == "searching" else "assessed"


def schedule_reviews(referral: StepOutReferral) -> None:
    """Reviews at 1, 3, 6 and 12 months after move-in (due dates follow a changed move-in)."""
    if referral.move_in_date is None:
        return
    existing = {r.months: r for r in children(StepOutReview, referral)}
    for months in REVIEW_MONTHS:
        due = add_months(referral.move_in_date, months)
        review = existing.get(months)
        if review is None:
            db.session.add(StepOutReview(referral_id=referral.id, months=months, due_on=due))
        elif review.completed_on is None:
            review.due_on = due
    db.session.flush()


def complete_review(review: StepOutReview, data: dict[str, Any]) -> StepOutReview:
    errors = future_errors({"completed_on": data["completed_on"]})
    if errors:
        raise StepOutInvalid(errors)
    review.completed_on = data["completed_on"]
    review.notes = data.get("notes")
    db.session.flush()
    referral = db.session.get(StepOutReferral, review.referral_id)
    audited(
        "review.complete",
        review,
        referral_id=str(review.referral_id),
        client_id=str(referral.client_id),
        months=review.months,
    )
    return review


def add_crisis_event(client: Client, data: dict[str, Any], source: str = "manual"):
    errors = future_errors({"occurred_on": data["occurred_on"]})
    if errors:
        raise StepOutInvalid(errors)
    event = StepOutCrisisEvent(client_id=client.id, source=source, **data)
    db.session.add(event)
    db.session.flush()
    audited("crisis_event.create", event, kind=event.kind, source=source)
    return event


def find_client_for_seed(client_id: uuid.UUID) -> Client:
    """A client by id without a viewer (test factories, jobs): the tenant context still holds."""
    client = db.session.get(Client, client_id)
    if client is None:
        raise StepOutNotFound()
    return client
