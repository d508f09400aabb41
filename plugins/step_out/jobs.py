"""The daily tenancy-review reminder job (``step_out.review_reminders``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import db, utcnow

from .models import StepOutReview


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
