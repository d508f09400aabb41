"""Step Out REST API: referrals, housing actions, offers, reviews, crisis events, outcomes.

Errors are problem+json through core's handlers: unknown or invisible objects 404 (never 403),
bad input 422 with a pointer per field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import abort

from core.plugins.api import requires, tenant_api_blueprint, visible_clients_clause

from . import services
from .models import StepOutAction, StepOutOffer, StepOutReview
from .reports import _as_of, client_outcomes
from .schemas import (
    ActionSchema,
    ClientOutcomeSchema,
    CrisisEventSchema,
    OfferSchema,
    OutcomeQuerySchema,
    ReferralCreateSchema,
    ReferralFieldsSchema,
    ReferralSchema,
    ReviewCompleteSchema,
    ReviewSchema,
)

blp = tenant_api_blueprint(
    "step_out_api",
    __name__,
    url_prefix="/step-out",
    description="Step Out housing: referrals, the housing search, tenancy reviews, crisis use",
)


def domain(view: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the plugin's domain exceptions into core's problem responses."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except services.StepOutNotFound:
            abort(404)
        except services.StepOutInvalid as error:
            abort(422, messages={"json": {k: [v] for k, v in error.field_errors.items()}})

    return wrapper


@blp.route("/referrals")
class Referrals(MethodView):
    @requires("step_out.read")
    @blp.response(200, ReferralSchema(many=True))
    def get(self):
        """Referrals of the clients you may see, newest first."""
        return services.referral_list()

    @requires("step_out.write")
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralSchema)
    @domain
    def post(self, data):
        """Refer a client from a ward (a re-referral is another referral of the same client)."""
        client = services.find_client(data["client_id"])
        return services.create_referral(client, data)


@blp.route("/referrals/<referral_id>")
class ReferralById(MethodView):
    @requires("step_out.read")
    @blp.response(200, ReferralSchema)
    @domain
    def get(self, referral_id: str):
        """One referral, with its delayed days."""
        return services.find_referral(referral_id)

    @requires("step_out.write")
    @blp.arguments(ReferralFieldsSchema)
    @blp.response(200, ReferralSchema)
    @domain
    def patch(self, data, referral_id: str):
        """Record the assessment, ready date, move-in, discharge, delay or tenancy end."""
        return services.update_referral(services.find_referral(referral_id), data)


@blp.route("/referrals/<referral_id>/actions")
class Actions(MethodView):
    @requires("step_out.read")
    @blp.response(200, ActionSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Applications made for this referral."""
        return services.children(StepOutAction, services.find_referral(referral_id))

    @requires("step_out.write")
    @blp.arguments(ActionSchema)
    @blp.response(201, ActionSchema)
    @domain
    def post(self, data, referral_id: str):
        """Record an application (council, housing association, private, supported)."""
        return services.add_action(services.find_referral(referral_id), data)


@blp.route("/referrals/<referral_id>/offers")
class Offers(MethodView):
    @requires("step_out.read")
    @blp.response(200, OfferSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Offers of a property for this referral."""
        return services.children(StepOutOffer, services.find_referral(referral_id))

    @requires("step_out.write")
    @blp.arguments(OfferSchema)
    @blp.response(201, OfferSchema)
    @domain
    def post(self, data, referral_id: str):
        """Record an offer: accepted, declined (with a reason) or pending."""
        return services.add_offer(services.find_referral(referral_id), data)


@blp.route("/referrals/<referral_id>/reviews")
class Reviews(MethodView):
    @requires("step_out.read")
    @blp.response(200, ReviewSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Tenancy reviews due at 1, 3, 6 and 12 months after move-in."""
        return services.children(StepOutReview, services.find_referral(referral_id))


@blp.route("/reviews/<review_id>/complete")
class ReviewComplete(MethodView):
    @requires("step_out.write")
    @blp.arguments(ReviewCompleteSchema)
    @blp.response(200, ReviewSchema)
    @domain
    def post(self, data, review_id: str):
        """Record a tenancy review as done."""
        return services.complete_review(services.find_review(review_id), data)


@blp.route("/clients/<client_id>/crisis-events")
class CrisisEvents(MethodView):
    @requires("step_out.read")
    @blp.response(200, CrisisEventSchema(many=True))
    @domain
    def get(self, client_id: str):
        """The client's crisis contacts and admissions, newest first."""
        return services.crisis_events_of(services.find_client(client_id).id)

    @requires("step_out.write")
    @blp.arguments(CrisisEventSchema)
    @blp.response(201, CrisisEventSchema)
    @domain
    def post(self, data, client_id: str):
        """Record a crisis-team contact or an inpatient admission."""
        return services.add_crisis_event(services.find_client(client_id), data)


@blp.route("/outcomes")
class Outcomes(MethodView):
    @requires("step_out.reports")
    @blp.arguments(OutcomeQuerySchema, location="query")
    @blp.response(200, ClientOutcomeSchema(many=True))
    def get(self, query):
        """Per-client before/after figures (``step-out-crisis/1``) of the clients you may see."""
        return client_outcomes(
            _as_of(as_of=query.get("as_of")), visible_clients_clause(g.membership)
        )
