"""Audit log API: tenant admins and Caldicott Guardians read it, with filters. Nobody writes it."""

from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields

from core.accounts.permissions import requires
from core.api.pagination import paginate
from core.audit import service
from core.audit.models import AuditEvent
from core.extensions import db
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "audit_api", __name__, url_prefix="/audit-events", description="The tenant's audit log"
)


class AuditEventSchema(Schema):
    id = fields.UUID(dump_only=True)
    at = fields.DateTime(dump_only=True)
    actor_user_id = fields.UUID(dump_only=True, allow_none=True)
    actor_label = fields.String(dump_only=True, allow_none=True)
    action = fields.String(dump_only=True)
    outcome = fields.String(dump_only=True)
    object_type = fields.String(dump_only=True, allow_none=True)
    object_id = fields.String(dump_only=True, allow_none=True)
    request_id = fields.String(dump_only=True, allow_none=True)
    source_address = fields.String(dump_only=True, allow_none=True)
    details = fields.Dict(dump_only=True)


class AuditFilterSchema(Schema):
    action = fields.String()
    actor_user_id = fields.UUID()
    object_type = fields.String()
    object_id = fields.String()
    since = fields.DateTime(metadata={"description": "From this time (inclusive), ISO 8601."})
    until = fields.DateTime(metadata={"description": "Before this time (exclusive), ISO 8601."})


@blp.route("")
class AuditEvents(MethodView):
    @requires("audit.read")
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, AuditEventSchema(many=True))
    @paginate(blp, page_size=50)
    def get(self, filters):
        """Audit events of this tenant, newest first."""
        return service.query(**filters)


@blp.route("/<event_id>")
class AuditEventById(MethodView):
    @requires("audit.read")
    @blp.response(200, AuditEventSchema)
    def get(self, event_id: str):
        """One audit event."""
        try:
            wanted = uuid.UUID(event_id)
        except ValueError:
            abort(404, message="Not found.")
        event = db.session.execute(
            service.query().where(AuditEvent.id == wanted)
        ).scalar_one_or_none()
        if event is None:
            abort(404, message="Not found.")
        return event
