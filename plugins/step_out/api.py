"""Step Out REST API: referrals, housing actions, offers, reviews, crisis events, outcomes.

Errors are problem+json through core's handlers: unknown or invisible objects 404 (never 403),
bad input 422 with a pointer per field, a second open referral 409 naming the open one; changes
need ``If-Match`` (core's ETag helper: 428 without it, 412 when stale).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from werkzeug.exceptions import Conflict

from core.plugins.api import (
    require_if_match,
    requires,
    tenant_api_blueprint,
    visible_clients_clause,
    with_etag,
)

from . import housing_search, services
from .crisis_counts import as_of_date, client_outcomes
from .crisis_import import max_bytes, start_crisis_import
from .models import StepOutAction, StepOutOffer, StepOutReview
from .schemas import (
    StepOutActionSchema,
    StepOutActionUpdateSchema,
    StepOutClientOutcomeSchema,
    StepOutCrisisEventSchema,
    StepOutImportJobSchema,
    StepOutOfferSchema,
    StepOutOfferUpdateSchema,
    StepOutOutcomeQuerySchema,
    StepOutReferralCreateSchema,
    StepOutReferralFieldsSchema,
    StepOutReferralSchema,
    StepOutReviewCompleteSchema,
    StepOutReviewSchema,
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
        except services.StepOutOpenReferral as error:
            raise Conflict(description=str(error)) from None

    return wrapper


@blp.route("/referrals")
class Referrals(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutReferralSchema(many=True))
    def get(self):
        """Referrals of the clients you may see, newest first."""
        return services.referral_list()

    @requires("step_out.write")
    @blp.arguments(StepOutReferralCreateSchema)
    @blp.response(201, StepOutReferralSchema)
    @domain
    def post(self, data):
        """Refer a client from a ward. Refused (409, naming it) while the client has an open
        referral (any status but ``closed``); a re-referral is another referral of the same
        client once the last one is closed. An unknown or invisible ``client_id`` is a 422."""
        try:
            client = services.find_client(data["client_id"])
        except services.StepOutNotFound:
            raise services.StepOutInvalid({"client_id": "Choose a client you can see."}) from None
        return with_etag(services.create_referral(client, data), 201)


@blp.route("/referrals/<referral_id>")
class ReferralById(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutReferralSchema)
    @domain
    def get(self, referral_id: str):
        """One referral, with its delayed days; its ETag is needed to change it."""
        return with_etag(services.read_referral(referral_id))

    @requires("step_out.write")
    @blp.arguments(StepOutReferralFieldsSchema)
    @blp.response(200, StepOutReferralSchema)
    @domain
    def patch(self, data, referral_id: str):
        """Record the assessment, ready date, move-in, discharge, delay or tenancy end.
        Send ``If-Match`` with the ETag last read (428 without it, 412 when stale)."""
        referral = services.find_referral(referral_id)
        require_if_match(referral)
        return with_etag(services.update_referral(referral, data))


@blp.route("/referrals/<referral_id>/actions")
class Actions(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutActionSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Applications made for this referral."""
        return services.children(StepOutAction, services.read_referral(referral_id, "actions"))

    @requires("step_out.write")
    @blp.arguments(StepOutActionSchema)
    @blp.response(201, StepOutActionSchema)
    @domain
    def post(self, data, referral_id: str):
        """Record an application (council, housing association, private, supported)."""
        return with_etag(housing_search.add_action(services.find_referral(referral_id), data), 201)


@blp.route("/referrals/<referral_id>/offers")
class Offers(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutOfferSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Offers of a property for this referral."""
        return services.children(StepOutOffer, services.read_referral(referral_id, "offers"))

    @requires("step_out.write")
    @blp.arguments(StepOutOfferSchema)
    @blp.response(201, StepOutOfferSchema)
    @domain
    def post(self, data, referral_id: str):
        """Record an offer: accepted, declined (with a reason) or pending."""
        return with_etag(housing_search.add_offer(services.find_referral(referral_id), data), 201)


@blp.route("/actions/<action_id>")
class ActionById(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutActionSchema)
    @domain
    def get(self, action_id: str):
        """One application."""
        action = services.find_child(StepOutAction, action_id)
        services.read_referral(action.referral_id, "actions")
        return with_etag(action)

    @requires("step_out.write")
    @blp.arguments(StepOutActionUpdateSchema)
    @blp.response(200, StepOutActionSchema)
    @domain
    def patch(self, data, action_id: str):
        """Change an application, usually its outcome once the provider has answered. Send
        ``If-Match`` with the ETag last read (428 without it, 412 when stale)."""
        action = services.find_child(StepOutAction, action_id)
        require_if_match(action)
        return with_etag(housing_search.update_action(action, data))


@blp.route("/offers/<offer_id>")
class OfferById(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutOfferSchema)
    @domain
    def get(self, offer_id: str):
        """One offer."""
        offer = services.find_child(StepOutOffer, offer_id)
        services.read_referral(offer.referral_id, "offers")
        return with_etag(offer)

    @requires("step_out.write")
    @blp.arguments(StepOutOfferUpdateSchema)
    @blp.response(200, StepOutOfferSchema)
    @domain
    def patch(self, data, offer_id: str):
        """Decide an offer: ``accepted``, or ``declined`` with a ``decline_reason`` (required).
        Send ``If-Match`` with the ETag last read (428 without it, 412 when stale)."""
        offer = services.find_child(StepOutOffer, offer_id)
        require_if_match(offer)
        return with_etag(housing_search.update_offer(offer, data))


@blp.route("/referrals/<referral_id>/reviews")
class Reviews(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutReviewSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Tenancy reviews due at 1, 3, 6 and 12 months after move-in."""
        return services.children(StepOutReview, services.read_referral(referral_id, "reviews"))


@blp.route("/reviews/<review_id>/complete")
class ReviewComplete(MethodView):
    @requires("step_out.write")
    @blp.arguments(StepOutReviewCompleteSchema)
    @blp.response(200, StepOutReviewSchema)
    @domain
    def post(self, data, review_id: str):
        """Record a tenancy review as done."""
        return services.complete_review(services.find_review(review_id), data)


@blp.route("/clients/<client_id>/crisis-events")
class CrisisEvents(MethodView):
    @requires("step_out.read")
    @blp.response(200, StepOutCrisisEventSchema(many=True))
    @domain
    def get(self, client_id: str):
        """The client's crisis contacts and admissions, newest first."""
        return services.read_crisis_events(client_id)

    @requires("step_out.write")
    @blp.arguments(StepOutCrisisEventSchema)
    @blp.response(201, StepOutCrisisEventSchema)
    @domain
    def post(self, data, client_id: str):
        """Record a crisis-team contact or an inpatient admission."""
        return services.add_crisis_event(services.find_client(client_id), data)


_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@blp.route("/crisis-imports")
class CrisisImports(MethodView):
    @requires("step_out.import")
    @blp.doc(**_UPLOAD_DOC)
    @blp.response(202, StepOutImportJobSchema)
    @domain
    def post(self):
        """Upload the trust's crisis contacts and admissions (CSV) to import in the background.

        Columns: ``nhs_number``, ``kind`` (``crisis_contact`` or ``admission``), ``date``
        (YYYY-MM-DD) and optionally ``notes``. Follow the job at ``Location``; its result file
        lists each problem by row and column. Rows already held are skipped, so a re-import adds
        nothing. Send ``Idempotency-Key`` to make a retried upload start one job.
        """
        request.max_content_length = max_bytes()
        job_run = start_crisis_import(
            request.files.get("file"), request.headers.get("Idempotency-Key")
        )
        return job_run, 202, {"Location": url_for("jobs_api.JobById", job_id=job_run.id)}


@blp.route("/outcomes")
class Outcomes(MethodView):
    @requires("step_out.reports")
    @blp.arguments(StepOutOutcomeQuerySchema, location="query")
    @blp.response(200, StepOutClientOutcomeSchema(many=True))
    def get(self, query):
        """Per-client before/after figures (``step-out-crisis/3``) of the clients you may see."""
        return client_outcomes(
            as_of_date(as_of=query.get("as_of")), visible_clients_clause(g.membership)
        )
