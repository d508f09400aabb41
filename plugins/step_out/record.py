"""What Step Out adds to a client's record: timeline entries, the subject-access export, and
erasure (the ``on_client_erasure`` hook).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import audit, db

from .models import StepOutAction, StepOutCrisisEvent, StepOutOffer, StepOutReferral, StepOutReview
from .services import children, crisis_events_of, referrals_of


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


def erase_client(client_id: uuid.UUID, decision: dict[str, Any]) -> dict[str, int]:
    """Carry out a recorded erasure decision for Step Out's rows about one client.

    ``erase`` deletes every Step Out row about the client (children first, so the composite
    keys hold); ``restrict`` keeps them: core's restriction flag hides the client, and Step Out
    keeps no copies of its own (no cache, no search index) to hide as well. Anything else is
    refused by raising, which rolls the whole erasure back.
    """
    action = decision.get("action")
    if action not in ("erase", "restrict", "lift"):  # lift: rows were kept, nothing to do
        raise ValueError(f"Unknown erasure action {action!r}; expected 'erase' or 'restrict'.")
    counts: dict[str, int] = {}
    if action == "erase":
        referral_ids = sa.select(StepOutReferral.id).where(StepOutReferral.client_id == client_id)
        for model in (StepOutReview, StepOutOffer, StepOutAction):
            result = db.session.execute(
                sa.delete(model).where(model.referral_id.in_(referral_ids)),
                execution_options={"synchronize_session": False},
            )
            counts[model.__tablename__] = result.rowcount
        for model in (StepOutReferral, StepOutCrisisEvent):
            result = db.session.execute(
                sa.delete(model).where(model.client_id == client_id),
                execution_options={"synchronize_session": False},
            )
            counts[model.__tablename__] = result.rowcount
    audit(
        f"step_out.client.{action}",
        object_type="client",
        object_id=client_id,
        details={"client_id": str(client_id), "deleted": counts},
    )
    return counts
