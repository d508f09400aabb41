"""Fidelity reviews on the IPS-25 scale: recording a review and its item scores, the computed
total, band and section subtotals, the service's action plan, and the trend across reviews.

Services flush and audit; the request boundary commits (STYLE §5). Reviews are about the
service, not about clients, so no need-to-know clause applies: tenancy alone scopes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import audit, db

from . import codes
from .common import IpsInvalid, find_in
from .fidelity_scale import BY_NUMBER, Result, check_scores, score
from .models import IpsFidelityAction, IpsFidelityReview, IpsFidelityScore

REVIEW_FIELDS = ("reviewed_on", "reviewer_type", "reviewers", "summary")
ACTION_FIELDS = ("item", "description", "owner", "due_on", "done_on")


@dataclass
class ScoredReview:
    """A review with its scores and what they add up to (what pages and the API show)."""

    review: IpsFidelityReview
    scores: dict[int, IpsFidelityScore]
    result: Result

    def __getattr__(self, name: str) -> Any:  # the review's own columns
        if name.startswith("_") or name == "review":
            raise AttributeError(name)
        return getattr(self.review, name)


# --------------------------------------------------------------------------- reading


def reviews_query() -> sa.Select:
    """Every review of the tenant, newest first."""
    return sa.select(IpsFidelityReview).order_by(
        IpsFidelityReview.reviewed_on.desc(), IpsFidelityReview.created_at.desc()
    )


def with_scores(reviews: list[IpsFidelityReview]) -> list[ScoredReview]:
    """Each review with its scores and result (one query for all of them)."""
    by_review: dict[Any, dict[int, IpsFidelityScore]] = {r.id: {} for r in reviews}
    if reviews:
        rows = db.session.execute(
            sa.select(IpsFidelityScore).where(IpsFidelityScore.review_id.in_(list(by_review)))
        ).scalars()
        for row in rows:
            by_review[row.review_id][row.item] = row
    return [
        ScoredReview(r, by_review[r.id], score({n: s.score for n, s in by_review[r.id].items()}))
        for r in reviews
    ]


def find_review(review_id: Any) -> IpsFidelityReview:
    return find_in(sa.select(IpsFidelityReview), IpsFidelityReview.id, review_id)


def scored(review: IpsFidelityReview) -> ScoredReview:
    return with_scores([review])[0]


def trend() -> list[ScoredReview]:
    """Every review, oldest first: how fidelity moved over time."""
    reviews = db.session.execute(
        sa.select(IpsFidelityReview).order_by(
            IpsFidelityReview.reviewed_on, IpsFidelityReview.created_at
        )
    ).scalars()
    return with_scores(list(reviews))


def actions_of(review: IpsFidelityReview) -> list[IpsFidelityAction]:
    return list(
        db.session.execute(
            sa.select(IpsFidelityAction)
            .where(IpsFidelityAction.review_id == review.id)
            .order_by(IpsFidelityAction.due_on, IpsFidelityAction.created_at)
        ).scalars()
    )


def find_action(action_id: Any) -> IpsFidelityAction:
    return find_in(sa.select(IpsFidelityAction), IpsFidelityAction.id, action_id)


def is_overdue(action: IpsFidelityAction, today: date | None = None) -> bool:
    """Not done and its due date has passed."""
    return action.done_on is None and action.due_on < (today or date.today())


# --------------------------------------------------------------------------- rules


def check_review(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    reviewed_on = values.get("reviewed_on")
    if reviewed_on is not None and reviewed_on > date.today():
        errors["reviewed_on"] = "The review date must be today or in the past."
    if values.get("reviewer_type") not in codes.keys(codes.REVIEWER_TYPES):
        errors["reviewer_type"] = "Choose the kind of reviewer."
    if not (values.get("reviewers") or "").strip():
        errors["reviewers"] = "Enter who carried out the review."
    return errors


def check_action(values: dict[str, Any], review: IpsFidelityReview) -> dict[str, str]:
    errors: dict[str, str] = {}
    item = values.get("item")
    if item is not None and item not in BY_NUMBER:
        errors["item"] = f"Item {item} is not on the scale: items are numbered 1 to 25."
    if not (values.get("description") or "").strip():
        errors["description"] = "Enter what will be done."
    if not (values.get("owner") or "").strip():
        errors["owner"] = "Enter who will do it."
    if values.get("due_on") is None:
        errors["due_on"] = "Enter the date it is due."
    done = values.get("done_on")
    if done is not None and done > date.today():
        errors["done_on"] = "The date it was done must be today or in the past."
    elif done is not None and done < review.reviewed_on:
        errors["done_on"] = "The date it was done must be on or after the review date."
    return errors


# --------------------------------------------------------------------------- writing


def _apply_scores(
    review: IpsFidelityReview, entries: list[dict[str, Any]], replace: bool = False
) -> None:
    """Set each listed item's score and evidence; other items keep theirs, or with ``replace``
    lose them (the page's form lists every item, so a cleared one is unscored again)."""
    existing = {s.item: s for s in db.session.execute(
        sa.select(IpsFidelityScore).where(IpsFidelityScore.review_id == review.id)
    ).scalars()}  # fmt: skip
    for entry in entries:
        row = existing.get(entry["item"])
        if row is None:
            row = IpsFidelityScore(review_id=review.id, item=entry["item"], score=entry["score"])
            db.session.add(row)
        row.score = entry["score"]
        row.evidence = entry.get("evidence") or None
    if replace:
        listed = {entry["item"] for entry in entries}
        for item, row in existing.items():
            if item not in listed:
                db.session.delete(row)


def create_review(data: dict[str, Any]) -> IpsFidelityReview:
    """A new review with the scores given so far (the rest can follow: it is incomplete)."""
    entries = list(data.get("scores") or [])
    errors = check_review(data) | check_scores(entries)
    if errors:
        raise IpsInvalid(errors)
    review = IpsFidelityReview(**{k: data.get(k) for k in REVIEW_FIELDS})
    db.session.add(review)
    db.session.flush()
    _apply_scores(review, entries)
    db.session.flush()
    audit(
        "ips.fidelity_review.create",
        object_type="ips_fidelity_review",
        object_id=review.id,
        details={"items_scored": len(entries)},
    )
    return review


def update_review(
    review: IpsFidelityReview, data: dict[str, Any], replace_scores: bool = False
) -> IpsFidelityReview:
    """Change the review's details and set the listed items' scores (``replace_scores``: and
    unscore the items not listed)."""
    merged = {k: getattr(review, k) for k in REVIEW_FIELDS} | {
        k: v for k, v in data.items() if k in REVIEW_FIELDS
    }
    entries = list(data.get("scores") or [])
    errors = check_review(merged) | check_scores(entries)
    if errors:
        raise IpsInvalid(errors)
    for key in REVIEW_FIELDS:
        setattr(review, key, merged[key])
    _apply_scores(review, entries, replace=replace_scores)
    db.session.flush()
    audit(
        "ips.fidelity_review.update",
        object_type="ips_fidelity_review",
        object_id=review.id,
        details={"fields": sorted(k for k in data if k in REVIEW_FIELDS), "items": len(entries)},
    )
    return review


def add_action(review: IpsFidelityReview, data: dict[str, Any]) -> IpsFidelityAction:
    values = {k: data.get(k) for k in ACTION_FIELDS}
    errors = check_action(values, review)
    if errors:
        raise IpsInvalid(errors)
    action = IpsFidelityAction(review_id=review.id, **values)
    db.session.add(action)
    db.session.flush()
    audit(
        "ips.fidelity_action.create",
        object_type="ips_fidelity_action",
        object_id=action.id,
        details={"review_id": str(review.id)},
    )
    return action


def update_action(action: IpsFidelityAction, data: dict[str, Any]) -> IpsFidelityAction:
    """Change an action (most often: record the date it was done)."""
    merged = {k: getattr(action, k) for k in ACTION_FIELDS} | {
        k: v for k, v in data.items() if k in ACTION_FIELDS
    }
    errors = check_action(merged, find_review(action.review_id))
    if errors:
        raise IpsInvalid(errors)
    for key in ACTION_FIELDS:
        setattr(action, key, merged[key])
    db.session.flush()
    audit(
        "ips.fidelity_action.update",
        object_type="ips_fidelity_action",
        object_id=action.id,
        details={"fields": sorted(k for k in data if k in ACTION_FIELDS)},
    )
    return action
