"""IPS REST API: referrals, vocational profile, benefits advice, caseloads, and the Job Centre
Plus summary.

Errors are problem+json through core's handlers: unknown or invisible objects 404 (never 403),
bad input 422 with a pointer per field, a second open episode 409 naming the open one.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort as flask_abort
from flask.views import MethodView
from werkzeug.exceptions import Conflict

from core.plugins.api import guarded_update, requires, tenant_api_blueprint, with_etag

from . import referral_caseload as caseload
from . import referral_profile as profiles
from . import referral_services as services
from .common import find_visible_client, paginated, problems
from .partner_view import read_summary, requires_summary_access
from .referral_schemas import (
    AcceptSchema,
    BenefitsAdviceSchema,
    CaseloadsSchema,
    CloseSchema,
    PartnerSummarySchema,
    ProfileSchema,
    ReferralCreateSchema,
    ReferralFieldsSchema,
    ReferralListQuerySchema,
    ReferralSchema,
    StatusSchema,
)

blp = tenant_api_blueprint(
    "ips_api", __name__, url_prefix="/ips", description="IPS referrals, profiles and caseloads"
)
READ, WRITE = "ips.read", "ips.write"


def domain(view: Callable[..., Any]) -> Callable[..., Any]:
    """Core's problem responses for the domain errors; a second open episode is a 409."""

    @problems
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except services.IpsOpenEpisode as error:
            raise Conflict(description=str(error)) from None

    return wrapper


@blp.route("/referrals")
class Referrals(MethodView):
    @requires(READ)
    @blp.arguments(ReferralListQuerySchema, location="query")
    @blp.response(200, ReferralSchema(many=True))
    @paginated(blp)
    def get(self, query):
        """Episodes of the clients you may see, newest first (filter by status), a page at a
        time (``page``, ``page_size``; the ``X-Pagination`` header gives the totals)."""
        return services.referrals_query(query.get("status"))


@blp.route("/clients/<client_id>/referrals")
class ClientReferrals(MethodView):
    @requires(READ)
    @blp.response(200, ReferralSchema(many=True))
    @domain
    def get(self, client_id: str):
        """The client's IPS episodes, newest first."""
        return services.read_referrals_of(client_id)

    @requires(WRITE)
    @blp.arguments(ReferralCreateSchema)
    @blp.response(201, ReferralSchema)
    @domain
    def post(self, data, client_id: str):
        """Refer the client. Refused (409) while they have an open episode; a former client's
        new episode is linked to their last one."""
        return services.create_referral(find_visible_client(client_id), data)


@blp.route("/referrals/<referral_id>")
class ReferralById(MethodView):
    @requires(READ)
    @blp.response(200, ReferralSchema)
    @domain
    def get(self, referral_id: str):
        """One episode; its ETag is needed to change it."""
        return with_etag(services.read_referral(referral_id))

    @requires(WRITE)
    @blp.arguments(ReferralFieldsSchema)
    @blp.response(200, ReferralSchema)
    @domain
    def patch(self, data, referral_id: str):
        """Correct the referral's details or reassign the specialist. Needs ``If-Match``."""
        referral = services.find_referral(referral_id)
        return guarded_update(referral, lambda row: services.update_referral(row, data))


@blp.route("/referrals/<referral_id>/accept")
class Accept(MethodView):
    @requires(WRITE)
    @blp.arguments(AcceptSchema)
    @blp.response(200, ReferralSchema)
    @domain
    def post(self, data, referral_id: str):
        """Accept onto a specialist's caseload (IPS turns no one away)."""
        return services.accept(services.find_referral(referral_id), data)


@blp.route("/referrals/<referral_id>/status")
class Status(MethodView):
    @requires(WRITE)
    @blp.arguments(StatusSchema)
    @blp.response(200, ReferralSchema)
    @domain
    def post(self, data, referral_id: str):
        """Move an accepted episode to job search or in work."""
        return services.move_to(services.find_referral(referral_id), data["status"])


@blp.route("/referrals/<referral_id>/close")
class Close(MethodView):
    @requires(WRITE)
    @blp.arguments(CloseSchema)
    @blp.response(200, ReferralSchema)
    @domain
    def post(self, data, referral_id: str):
        """Close the episode with a reason (support has no time limit, so none is forced)."""
        return services.close(services.find_referral(referral_id), data)


@blp.route("/referrals/<referral_id>/profile")
class Profile(MethodView):
    @requires(READ)
    @blp.response(200, ProfileSchema)
    @domain
    def get(self, referral_id: str):
        """The vocational profile and plan (404 until one is written)."""
        profile = profiles.profile_of(services.read_referral(referral_id, part="profile"))
        if profile is None:
            flask_abort(404)
        return with_etag(profile)

    @requires(WRITE)
    @blp.arguments(ProfileSchema)
    @blp.response(200, ProfileSchema)
    @domain
    def put(self, data, referral_id: str):
        """Write the vocational profile and plan. Replacing an existing one needs ``If-Match``
        (the ETag of its GET); the first one needs none."""
        referral = services.find_referral(referral_id)
        existing = profiles.profile_of(referral)
        if existing is None:
            return with_etag(profiles.save_profile(referral, data))
        return guarded_update(existing, lambda _row: profiles.save_profile(referral, data))


@blp.route("/referrals/<referral_id>/benefits-advice")
class BenefitsAdvice(MethodView):
    @requires(READ)
    @blp.response(200, BenefitsAdviceSchema(many=True))
    @domain
    def get(self, referral_id: str):
        """Benefits advice given, newest first."""
        return profiles.advice_of(services.read_referral(referral_id, part="benefits_advice"))

    @requires(WRITE)
    @blp.arguments(BenefitsAdviceSchema)
    @blp.response(201, BenefitsAdviceSchema)
    @domain
    def post(self, data, referral_id: str):
        """Record benefits advice and the better-off calculation's result."""
        return profiles.add_advice(services.find_referral(referral_id), data)


@blp.route("/caseloads")
class Caseloads(MethodView):
    @requires(READ)
    @blp.response(200, CaseloadsSchema)
    def get(self):
        """Each specialist's active clients against the tenant's cap, and referrals waiting."""
        return {
            "cap": caseload.caseload_cap(),
            "caseloads": caseload.caseloads(),
            "waiting": caseload.waiting(),
        }


@blp.route("/clients/<client_id>/summary")
class ClientSummary(MethodView):
    @requires_summary_access
    @blp.response(200, PartnerSummarySchema(many=True))
    @domain
    def get(self, client_id: str):
        """The IPS summary of one client: status, source, dates, specialist and starts — what
        Job Centre Plus may see of a client shared with them."""
        return read_summary(client_id)[1]
