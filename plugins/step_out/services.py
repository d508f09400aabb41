"""Step Out rules: loading what the viewer may see, recording the housing journey, reviews,
crisis events (by hand or imported), timeline and subject-access data, and demo data.

Services flush; the request or job boundary commits (STYLE §5).
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import Client, db, utcnow, visible_clients_clause

from .models import (
    StepOutAction,
    StepOutCrisisEvent,
    StepOutOffer,
    StepOutReferral,
    StepOutReview,
)

#: Tenancy sustainment reviews fall due this many months after move-in.
REVIEW_MONTHS = (1, 3, 6, 12)
STATUSES = ("referred", "assessed", "searching", "housed", "closed")


class StepOutNotFound(Exception):
    """Missing, not visible to the viewer, or another tenant's: indistinguishable on purpose."""


class StepOutInvalid(Exception):
    """Input that parsed but breaks a rule; ``field_errors`` maps field → message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__("Check the fields listed in errors.")
        self.field_errors = field_errors


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
    """Dates must follow the journey: admission ≤ ready ≤ discharge; tenancy end ≥ move-in."""
    errors: dict[str, str] = {}
    pairs = (
        ("admission_date", "clinically_ready_date", "on or after the admission date"),
        ("admission_date", "discharge_date", "on or after the admission date"),
        ("clinically_ready_date", "discharge_date", "on or after the clinically ready date"),
        ("referred_on", "assessment_date", "on or after the referral date"),
        ("move_in_date", "tenancy_end_date", "on or after the move-in date"),
    )
    for earlier, later, words in pairs:
        a, b = values.get(earlier), values.get(later)
        if a and b and b < a and later not in errors:
            errors[later] = f"Must be {words}."
    if values.get("tenancy_end_date") and not values.get("move_in_date"):
        errors["tenancy_end_date"] = "Record the move-in date before the tenancy end."
    if values.get("tenancy_end_date") and values.get("tenancy_end_planned") is None:
        errors["tenancy_end_planned"] = "Say whether the tenancy end was planned."
    if errors:
        raise StepOutInvalid(errors)


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


def find_review(review_id: Any) -> StepOutReview:
    wanted = _uuid(review_id)
    review = None
    if wanted is not None:
        review = db.session.execute(
            sa.select(StepOutReview).where(StepOutReview.id == wanted)
        ).scalar_one_or_none()
    if review is None:
        raise StepOutNotFound()
    find_referral(review.referral_id)  # the viewer must see its client
    return review


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
    referral = StepOutReferral(client_id=client.id, **values)
    _derive_status(referral)
    db.session.add(referral)
    db.session.flush()
    schedule_reviews(referral)
    return referral


def update_referral(referral: StepOutReferral, data: dict[str, Any]) -> StepOutReferral:
    """Change a referral (assessment, ready date, move-in, discharge, delay, tenancy end)."""
    merged = {c: getattr(referral, c) for c in _REFERRAL_FIELDS}
    merged.update(data)
    check_referral_dates(merged)
    for key, value in data.items():
        setattr(referral, key, value)
    if "status" not in data:
        _derive_status(referral)
    db.session.flush()
    schedule_reviews(referral)
    return referral


_REFERRAL_FIELDS = (
    "referred_on", "ward", "referrer", "admission_date", "clinically_ready_date",
    "accommodation_type", "settled_indicator", "needs", "risks", "status", "assessment_date",
    "move_in_date", "discharge_date", "discharge_destination", "delay_reason",
    "delay_attribution", "tenancy_end_date", "tenancy_end_reason", "tenancy_end_planned",
)  # fmt: skip


def _derive_status(referral: StepOutReferral) -> None:
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


def add_action(referral: StepOutReferral, data: dict[str, Any]) -> StepOutAction:
    if data["action_date"] < referral.referred_on:
        raise StepOutInvalid({"action_date": "Must be on or after the referral date."})
    action = StepOutAction(referral_id=referral.id, **data)
    if referral.status in ("referred", "assessed"):
        referral.status = "searching"
    db.session.add(action)
    db.session.flush()
    return action


def add_offer(referral: StepOutReferral, data: dict[str, Any]) -> StepOutOffer:
    if data.get("decision") == "declined" and not data.get("decline_reason"):
        raise StepOutInvalid({"decline_reason": "Say why the offer was declined."})
    offer = StepOutOffer(referral_id=referral.id, **data)
    db.session.add(offer)
    db.session.flush()
    return offer


def complete_review(review: StepOutReview, data: dict[str, Any]) -> StepOutReview:
    review.completed_on = data["completed_on"]
    review.notes = data.get("notes")
    db.session.flush()
    return review


def add_crisis_event(client: Client, data: dict[str, Any], source: str = "manual"):
    if data["occurred_on"] > date.today():
        raise StepOutInvalid({"occurred_on": "Must not be in the future."})
    event = StepOutCrisisEvent(client_id=client.id, source=source, **data)
    db.session.add(event)
    db.session.flush()
    return event


# --------------------------------------------------------------------------- jobs


def mark_reviews_due(as_of: str | None = None, **_: Any) -> dict[str, int]:
    """Daily job: stamp reviews that have fallen due and are not done (safe to run twice)."""
    today = date.fromisoformat(as_of) if as_of else date.today()
    due = db.session.execute(
        sa.select(StepOutReview).where(
            StepOutReview.due_on <= today,
            StepOutReview.completed_on.is_(None),
            StepOutReview.marked_due_at.is_(None),
        )
    ).scalars()
    count = 0
    for review in due:
        review.marked_due_at = utcnow()
        count += 1
    db.session.flush()
    return {"marked_due": count}


CSV_COLUMNS = ("nhs_number", "kind", "date")


def import_crisis_csv(csv_text: str = "", **_: Any) -> dict[str, Any]:
    """Job: crisis contacts and admissions from the trust's record system, by NHS number.

    Columns ``nhs_number,kind,date`` (kind ``crisis_contact`` or ``admission``, ISO date). Rows
    already held (same client, kind, date, imported) are skipped, so a rerun adds nothing.
    """
    from core.plugins.api import job_progress

    reader = csv.DictReader(io.StringIO(csv_text))
    rows = list(reader)
    added, skipped, errors = 0, 0, []
    for number, row in enumerate(rows, start=2):
        nhs = (row.get("nhs_number") or "").replace(" ", "")
        kind = (row.get("kind") or "").strip()
        try:
            when = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            errors.append({"line": number, "detail": "date must be YYYY-MM-DD"})
            continue
        if kind not in ("crisis_contact", "admission"):
            errors.append({"line": number, "detail": "kind must be crisis_contact or admission"})
            continue
        client_id = db.session.execute(
            sa.select(Client.id).where(Client.nhs_number == nhs)
        ).scalar_one_or_none()
        if client_id is None:
            errors.append({"line": number, "detail": "no client with this NHS number"})
            continue
        exists = db.session.execute(
            sa.select(StepOutCrisisEvent.id).where(
                StepOutCrisisEvent.client_id == client_id,
                StepOutCrisisEvent.kind == kind,
                StepOutCrisisEvent.occurred_on == when,
                StepOutCrisisEvent.source == "import",
            )
        ).first()
        if exists:
            skipped += 1
            continue
        db.session.add(
            StepOutCrisisEvent(client_id=client_id, kind=kind, occurred_on=when, source="import")
        )
        added += 1
        job_progress(100 * (number - 1) / max(len(rows), 1), f"row {number - 1} of {len(rows)}")
    db.session.flush()
    return {"added": added, "skipped": skipped, "errors": errors}


# --------------------------------------------------------------------------- record, export


def export_records(client_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Everything Step Out holds about one client, JSON-ready (subject access)."""

    def plain(obj: Any) -> dict[str, Any]:
        out = {}
        for column in obj.__table__.columns:
            value = getattr(obj, column.key)
            if column.key == "tenant_id":
                continue
            out[column.key] = value if isinstance(value, int | bool | type(None)) else str(value)
        return out

    referrals = referrals_of(client_id)
    return {
        "referrals": [plain(r) for r in referrals],
        "actions": [plain(a) for r in referrals for a in children(StepOutAction, r)],
        "offers": [plain(o) for r in referrals for o in children(StepOutOffer, r)],
        "reviews": [plain(v) for r in referrals for v in children(StepOutReview, r)],
        "crisis_events": [plain(e) for e in crisis_events_of(client_id)],
    }


def timeline_events(client_id: uuid.UUID) -> list[tuple[date, str, str]]:
    """(day, kind, summary) for the client's timeline: referral, move-in, discharge, reviews,
    tenancy end and crisis events."""
    events: list[tuple[date, str, str]] = []
    for r in referrals_of(client_id):
        events.append((r.referred_on, "step_out.referral", f"Step Out referral from {r.ward}"))
        if r.move_in_date:
            events.append((r.move_in_date, "step_out.move_in", "Moved into a new home"))
        if r.discharge_date:
            events.append((r.discharge_date, "step_out.discharge", "Discharged from hospital"))
        if r.tenancy_end_date:
            planned = "planned" if r.tenancy_end_planned else "unplanned"
            events.append(
                (r.tenancy_end_date, "step_out.tenancy_end", f"Tenancy ended ({planned})")
            )
        for v in children(StepOutReview, r):
            if v.completed_on:
                events.append(
                    (v.completed_on, "step_out.review", f"{v.months}-month tenancy review done")
                )
    for e in crisis_events_of(client_id):
        label = "Crisis team contact" if e.kind == "crisis_contact" else "Inpatient admission"
        events.append((e.occurred_on, f"step_out.{e.kind}", label))
    events.sort(key=lambda item: item[0], reverse=True)
    return events


# --------------------------------------------------------------------------- demo data

DEMO_PEOPLE = (
    # NHS numbers from the never-issued 999 range (valid modulus 11).
    ("9990000964", "Alex", "Harbour", 300, True),
    ("9990001006", "Bea", "Quay", 240, True),
    ("9990001073", "Cal", "Jetty", 120, True),
    ("9990001111", "Dee", "Slipway", None, False),
)


def load_demo_data() -> list[str]:
    """Synthetic referrals, move-ins and crisis events; running it twice adds nothing."""
    from core.plugins.api import Client as ClientModel

    lines = []
    today = date.today()
    for nhs, given, family, moved_days_ago, housed in DEMO_PEOPLE:
        client = db.session.execute(
            sa.select(ClientModel).where(ClientModel.nhs_number == nhs)
        ).scalar_one_or_none()
        if client is None:
            client = ClientModel(
                nhs_number=nhs, given_name=given, family_name=family, date_of_birth=date(1980, 1, 1)
            )
            db.session.add(client)
            db.session.flush()
        if referrals_of(client.id):
            continue
        move_in = today - timedelta(days=moved_days_ago) if housed and moved_days_ago else None
        ready = (move_in or today) - timedelta(days=20)
        referral = StepOutReferral(
            client_id=client.id,
            referred_on=ready - timedelta(days=30),
            ward="Willow ward",
            referrer="Ward manager",
            admission_date=ready - timedelta(days=40),
            clinically_ready_date=ready,
            accommodation_type="14",
            settled_indicator="N",
            needs="Ground-floor flat near family.",
            status="referred",
            assessment_date=ready - timedelta(days=29),
            move_in_date=move_in,
            discharge_date=move_in,
            discharge_destination="Own tenancy" if move_in else None,
            delay_reason="15" if move_in else None,
            delay_attribution="05" if move_in else None,
        )
        _derive_status(referral)
        db.session.add(referral)
        db.session.flush()
        schedule_reviews(referral)
        if move_in:
            for offset, kind in (
                (-100, "crisis_contact"),
                (-60, "crisis_contact"),
                (-25, "admission"),
                (40, "crisis_contact"),
            ):
                db.session.add(
                    StepOutCrisisEvent(
                        client_id=client.id,
                        kind=kind,
                        occurred_on=move_in + timedelta(days=offset),
                        source="manual",
                    )
                )
        db.session.flush()
        lines.append(f"step_out: referral for {given} {family}")
    return lines or ["step_out: demo data already loaded"]


def find_client_for_seed(client_id: uuid.UUID) -> Client:
    """A client by id without a viewer (test factories, jobs): the tenant context still holds."""
    client = db.session.get(Client, client_id)
    if client is None:
        raise StepOutNotFound()
    return client
