"""API for decisions on a client's erasure and restriction requests (information governance)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core import audit
from core.accounts.permissions import requires
from core.clients import rights
from core.clients.api import load_client
from core.clients.fields import PastDate, Text
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "client_rights_api",
    __name__,
    url_prefix="/clients/<client_id>/rights-decisions",
    description="Erasure and restriction decisions (UK GDPR Art. 17(3)(c) and 18). Information "
    "governance only; a restricted client is hidden from every other role.",
)


class RightsDecisionInputSchema(Schema):
    request = fields.String(
        required=True,
        validate=validate.OneOf(list(rights.REQUESTS)),
        metadata={"description": "What the person asked for."},
    )
    action = fields.String(
        required=True,
        validate=validate.OneOf(list(rights.ACTIONS)),
        metadata={"description": "The decision. Refusing an erasure request restricts."},
    )
    received_on = PastDate(required=True, metadata={"description": "When the request came in."})
    reason = Text(multiline=True, required=True, validate=validate.Length(min=1, max=2000))

    @validates_schema
    def _allowed(self, data, **_kwargs):
        message = rights.check_combination(data.get("request"), data.get("action"))
        if message:
            raise ValidationError(message, "action")


class RightsDecisionSchema(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    request = fields.String()
    received_on = fields.Date()
    action = fields.String()
    reason = fields.String()
    decided_by_membership_id = fields.UUID()
    decided_at = fields.DateTime()


@blp.route("")
class RightsDecisions(MethodView):
    @requires("clients.rights.decide")
    @blp.response(200, RightsDecisionSchema(many=True))
    def get(self, client_id: str):
        """The client's decisions, newest first (history: nothing is ever changed)."""
        client = load_client(client_id, audit_read=False)
        audit.record("client.rights_decisions.read", object_type="client", object_id=client.id)
        return rights.decisions_of(client)

    @requires("clients.rights.decide")
    @blp.arguments(RightsDecisionInputSchema)
    @blp.response(201, RightsDecisionSchema)
    def post(self, data, client_id: str):
        """Record a decision. 409 to restrict a restricted record or lift an unrestricted one."""
        client = load_client(client_id, audit_read=False)
        return rights.record_decision(client, **data)
