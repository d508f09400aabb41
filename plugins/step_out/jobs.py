"""The daily tenancy-review reminder job (``step_out.review_reminders``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import db, may_process_client, utcnow

from .models import StepOutReferral, StepOutReview


def mark_reviews_due(as_of: str | None = None, **_: Any) -> dict[str, int]:
    """Daily job: stamp reviews that have fallen due and are not done (safe to run twice).

    Reviews of clients whose processing is restricted (UK GDPR Art. 18) are left alone; the
    first run after the restriction is lifted marks them."""
    today = date.fromisoformat(as_of) if as_of else date.today()
    processable = sa.select(StepOutReferral.id).where(may_process_client(StepOutReferral.client_id))
    due = db.session.execute(
        sa.select(StepOutReview).where(
            StepOutReview.referral_id.in_(processable),
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
