"""IPS REST API: fidelity reviews on the IPS-25 scale, their action plans, and the trend.

Reading needs ``ips.read`` or ``ips.fidelity``; recording needs ``ips.fidelity``. Totals, bands
and section subtotals are computed, never sent: a review missing items is ``complete: false``
with no band.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.plugins.api import guarded_update, requires, tenant_api_blueprint, with_etag

from . import FIDELITY, READ
from . import fidelity_services as services
from .common import paginated, problems, requires_any
from .fidelity_schemas import (
    FidelityActionFieldsSchema,
    FidelityActionSchema,
    FidelityReviewCreateSchema,
    FidelityReviewFieldsSchema,
    FidelityReviewSchema,
    FidelityReviewSummarySchema,
)

blp = tenant_api_blueprint(
    "ips_fidelity_api", __name__, url_prefix="/ips", description="IPS fidelity reviews"
)


def summary(item: services.ScoredReview) -> dict[str, Any]:
    result = item.result
    return {
        "id": item.id,
        "reviewed_on": item.reviewed_on,
        "reviewer_type": item.reviewer_type,
        "reviewers": item.reviewers,
        "total": result.total,
        "items_scored": result.scored,
        "complete": result.complete,
        "band": result.band.key if result.band else None,
        "band_label": result.band.label if result.band else None,
    }


def action_out(action: Any) -> dict[str, Any]:
    return {
        **{k: getattr(action, k) for k in ("id", "review_id", *services.ACTION_FIELDS)},
        "overdue": services.is_overdue(action),
    }


def detail(review: Any) -> dict[str, Any]:
    item = services.scored(review)
    return {
        **summary(item),
        "summary": review.summary,
        "missing_items": list(item.result.missing),
        "sections": [
            {"section": name, "subtotal": total, "scored": scored, "items": count}
            for name, (total, scored, count) in item.result.sections.items()
        ],
        "scores": [item.scores[n] for n in sorted(item.scores)],
        "actions": [action_out(a) for a in services.actions_of(review)],
    }


@blp.route("/fidelity-reviews")
class Reviews(MethodView):
    @requires_any(READ, FIDELITY)
    @blp.response(200, FidelityReviewSummarySchema(many=True))
    @paginated(blp, transform=lambda rows: [summary(r) for r in services.with_scores(rows)])
    def get(self):
        """Fidelity reviews, newest first, with total and band (none while incomplete)."""
        return services.reviews_query()

    @requires(FIDELITY)
    @blp.arguments(FidelityReviewCreateSchema)
    @blp.response(201, FidelityReviewSchema)
    @problems
    def post(self, data):
        """Record a review: details and the item scores given so far (1–5 each)."""
        return detail(services.create_review(data))


@blp.route("/fidelity-reviews/<fidelity_review_id>")
class ReviewById(MethodView):
    @requires_any(READ, FIDELITY)
    @blp.response(200, FidelityReviewSchema)
    @problems
    def get(self, fidelity_review_id: str):
        """One review: item scores with evidence, section subtotals, total, band, action plan."""
        review = services.find_review(fidelity_review_id)
        return with_etag(review, body=detail(review))

    @requires(FIDELITY)
    @blp.arguments(FidelityReviewFieldsSchema)
    @blp.response(200, FidelityReviewSchema)
    @problems
    def patch(self, data, fidelity_review_id: str):
        """Change the details, or score items (listed items are set; others keep theirs)."""
        review = services.find_review(fidelity_review_id)
        return guarded_update(review, lambda row: detail(services.update_review(row, data)))


@blp.route("/fidelity-reviews/<fidelity_review_id>/actions")
class Actions(MethodView):
    @requires_any(READ, FIDELITY)
    @blp.response(200, FidelityActionSchema(many=True))
    @problems
    def get(self, fidelity_review_id: str):
        """The review's action plan, soonest due first (``overdue`` when past due, not done)."""
        review = services.find_review(fidelity_review_id)
        return [action_out(a) for a in services.actions_of(review)]

    @requires(FIDELITY)
    @blp.arguments(FidelityActionSchema)
    @blp.response(201, FidelityActionSchema)
    @problems
    def post(self, data, fidelity_review_id: str):
        """Add an action: what, who, by when (optionally which item it answers)."""
        return action_out(services.add_action(services.find_review(fidelity_review_id), data))


@blp.route("/fidelity-actions/<fidelity_action_id>")
class ActionById(MethodView):
    @requires_any(READ, FIDELITY)
    @blp.response(200, FidelityActionSchema)
    @problems
    def get(self, fidelity_action_id: str):
        """One action of a review's plan; its ETag is needed to change it."""
        action = services.find_action(fidelity_action_id)
        return with_etag(action, body=action_out(action))

    @requires(FIDELITY)
    @blp.arguments(FidelityActionFieldsSchema)
    @blp.response(200, FidelityActionSchema)
    @problems
    def patch(self, data, fidelity_action_id: str):
        """Change an action, or record the date it was done."""
        action = services.find_action(fidelity_action_id)
        return guarded_update(action, lambda row: action_out(services.update_action(row, data)))


@blp.route("/fidelity-trend")
class Trend(MethodView):
    @requires_any(READ, FIDELITY)
    @blp.response(200, FidelityReviewSummarySchema(many=True))
    def get(self):
        """Every review, oldest first: the trend of the total (incomplete ones have no band)."""
        return [summary(r) for r in services.trend()]
