"""API for retention (SECURITY.md P3): records due for appraisal, decisions, a client's dates."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core import audit
from core.accounts.permissions import requires
from core.api.pagination import paginate
from core.clients.api import load_client, parse_id
from core.clients.fields import PastDate, Text
from core.errors import NotFound
from core.retention import services
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "retention_api",
    __name__,
    description="Retention of client records (Records Management Code of Practice 2021): "
    "records past their minimum retention period, flagged nightly for appraisal, and the "
    "information governance lead's decisions. Nothing is ever deleted here.",
)

PERMISSION = "clients.rights.decide"


class ListQuerySchema(Schema):
    status = fields.String(
        load_default="due",
        validate=validate.OneOf(["due", "decided", "all"]),
        metadata={"description": "due (no decision yet; default), decided or all"},
    )


class DecisionInputSchema(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf([services.KEEP, services.DESTROY]),
        metadata={"description": "keep (with review_on) or destroy (recorded only)."},
    )
    reason = Text(multiline=True, required=True, validate=validate.Length(min=1, max=2000))
    review_on = fields.Date(
        allow_none=True,
        metadata={"description": "For keep: when to appraise again (a future date)."},
    )

    @validates_schema(skip_on_field_errors=False)
    def _review_date(self, data, **_kwargs):
        decision, review_on = data.get("decision"), data.get("review_on")
        if decision == services.KEEP and review_on is None:
            raise ValidationError("Enter the date to review the record again", "review_on")
        if decision == services.DESTROY and review_on is not None:
            raise ValidationError("A review date is only for a decision to keep", "review_on")


class DeathInputSchema(Schema):
    died_on = PastDate(
        required=True,
        allow_none=True,
        metadata={"description": "The date of death; null clears a date recorded in error."},
    )


class AppraisalSchema(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    client_name = fields.Method("_client_name")
    record_class = fields.String()
    last_contact_on = fields.Date()
    died_on = fields.Date(allow_none=True)
    due_since = fields.Date(metadata={"description": "The first day it could be appraised."})
    flagged_at = fields.DateTime()
    decision = fields.String(allow_none=True)
    review_on = fields.Date(allow_none=True)
    reason = fields.String(allow_none=True)
    decided_by_membership_id = fields.UUID(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    destruction = fields.Method("_destruction")

    def _client_name(self, appraisal: Any) -> str:
        return f"{appraisal.client.given_name} {appraisal.client.family_name}"

    def _destruction(self, appraisal: Any) -> str | None:
        if appraisal.decision != services.DESTROY:
            return None
        return (
            "Destruction is carried out by the trust's records team, outside Stepping Stones; "
            "this decision is kept as the record of it."
        )


class RetentionSchema(Schema):
    record_class = fields.String()
    years_after_last_contact = fields.Integer()
    years_after_death = fields.Integer(allow_none=True)
    open = fields.Boolean(metadata={"description": "An open record is never due."})
    last_contact_on = fields.Date()
    died_on = fields.Date(allow_none=True)
    retain_until = fields.Date(metadata={"description": "The last day it must be kept."})
    due_on = fields.Date(metadata={"description": "The first day it may be appraised."})


def _load(appraisal_id: str) -> Any:
    found = services.find(parse_id(appraisal_id))
    if found is None:
        raise NotFound("No such retention appraisal.")
    return found


@blp.route("/retention/appraisals")
class Appraisals(MethodView):
    @requires(PERMISSION)
    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, AppraisalSchema(many=True))
    @paginate(blp)
    def get(self, query):
        """Records flagged for appraisal: undecided ones oldest due first (``status`` filters)."""
        audit.record("retention.appraisals.list", details=dict(query))
        return services.listing(query["status"])


@blp.route("/retention/appraisals/<appraisal_id>")
class AppraisalById(MethodView):
    @requires(PERMISSION)
    @blp.response(200, AppraisalSchema)
    def get(self, appraisal_id: str):
        """One appraisal."""
        found = _load(appraisal_id)
        audit.record(
            "retention.appraisal.read",
            object_type="client",
            object_id=found.client_id,
            details={"appraisal_id": str(found.id)},
        )
        return found


@blp.route("/retention/appraisals/<appraisal_id>/decision")
class Decision(MethodView):
    @requires(PERMISSION)
    @blp.arguments(DecisionInputSchema)
    @blp.response(200, AppraisalSchema)
    def post(self, data, appraisal_id: str):
        """Record the decision, once (409 afterwards). ``keep`` needs a future ``review_on``;
        ``destroy`` only records the decision — the records team destroys, nothing is deleted."""
        found = _load(appraisal_id)
        return services.decide(found, **data)


@blp.route("/clients/<client_id>/retention")
class ClientRetention(MethodView):
    @requires(PERMISSION)
    @blp.response(200, RetentionSchema)
    def get(self, client_id: str):
        """The client's retention dates as worked out today."""
        client = load_client(client_id, audit_read=False)
        audit.record("client.retention.read", object_type="client", object_id=client.id)
        return services.retention_of(client)


@blp.route("/clients/<client_id>/death")
class ClientDeath(MethodView):
    @requires(PERMISSION)
    @blp.arguments(DeathInputSchema)
    @blp.response(200, RetentionSchema)
    def put(self, data, client_id: str):
        """Record the client's date of death (null clears it); answers the new dates."""
        client = load_client(client_id, audit_read=False)
        services.record_death(client, data["died_on"])
        return services.retention_of(client)
