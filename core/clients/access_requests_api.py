"""API for subject access requests: record one, extend it, record the answer, list what is due."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from core import audit
from core.accounts.permissions import requires
from core.api.etag import guarded_update, with_etag
from core.api.pagination import paginate
from core.clients import access_requests
from core.clients.api import load_client, parse_id
from core.clients.fields import PastDate, Text
from core.errors import NotFound
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "subject_access_api",
    __name__,
    description="Subject access requests (UK GDPR Art. 15) and their one-month clock. The "
    "export itself is GET /clients/<id>/export.",
)

PERMISSION = "clients.subject_access"


class RequestInputSchema(Schema):
    received_on = PastDate(
        required=True,
        metadata={"description": "The day the request (with any proof of identity) arrived."},
    )
    details = Text(
        multiline=True,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "How it came and from whom."},
    )


class ExtendSchema(Schema):
    reason = Text(
        multiline=True,
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Why it is complex (and that the person has been told)."},
    )


class AnswerSchema(Schema):
    completed_on = PastDate(metadata={"description": "The day the answer was sent; default today."})


class ListQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(["open", "overdue", "answered"]))


class RequestSchema(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    client_name = fields.Method("_client_name")
    received_on = fields.Date()
    details = fields.String()
    due_on = fields.Date(metadata={"description": "One calendar month from receipt."})
    extended_due_on = fields.Date(allow_none=True)
    extension_reason = fields.String(allow_none=True)
    due = fields.Method("_due", metadata={"description": "The due date now in force."})
    days_left = fields.Method("_days_left", metadata={"description": "Negative when overdue."})
    status = fields.Method("_status", metadata={"description": "open, overdue or answered"})
    completed_on = fields.Date(allow_none=True)
    recorded_by_membership_id = fields.UUID()
    created_at = fields.DateTime()

    def _client_name(self, request: Any) -> str:
        return f"{request.client.given_name} {request.client.family_name}"

    def _due(self, request: Any) -> str:
        return access_requests.current_due(request).isoformat()

    def _days_left(self, request: Any) -> int | None:
        if request.completed_on is not None:
            return None
        return (access_requests.current_due(request) - date.today()).days

    def _status(self, request: Any) -> str:
        return access_requests.status_of(request)


def _load(request_id: str) -> Any:
    found = access_requests.find(parse_id(request_id))
    if found is None:
        raise NotFound("No such subject access request.")
    return found


@blp.route("/clients/<client_id>/subject-access-requests")
class ClientRequests(MethodView):
    @requires(PERMISSION)
    @blp.response(200, RequestSchema(many=True))
    def get(self, client_id: str):
        """The client's requests, newest first."""
        client = load_client(client_id, audit_read=False)
        audit.record(
            "client.subject_access_requests.read", object_type="client", object_id=client.id
        )
        return access_requests.requests_of(client)

    @requires(PERMISSION)
    @blp.arguments(RequestInputSchema)
    @blp.response(201, RequestSchema)
    def post(self, data, client_id: str):
        """Record a request; the answer's due date is worked out and fixed now."""
        client = load_client(client_id, audit_read=False)
        return with_etag(access_requests.record(client, **data), 201)


@blp.route("/subject-access-requests")
class Requests(MethodView):
    @requires(PERMISSION)
    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, RequestSchema(many=True))
    @paginate(blp)
    def get(self, query):
        """Every request of clients you may see, soonest due first (``status`` filters)."""
        audit.record("client.subject_access_requests.list", details=dict(query))
        return access_requests.listing(query.get("status"))


@blp.route("/subject-access-requests/<request_id>")
class RequestById(MethodView):
    @requires(PERMISSION)
    @blp.response(200, RequestSchema)
    def get(self, request_id: str):
        """One request; its ETag is needed to extend it or record the answer."""
        found = _load(request_id)
        audit.record(
            "client.subject_access_requests.read",
            object_type="client",
            object_id=found.client_id,
            details={"request_id": str(found.id)},
        )
        return with_etag(found)


@blp.route("/subject-access-requests/<request_id>/extend")
class Extend(MethodView):
    @requires(PERMISSION)
    @blp.arguments(ExtendSchema)
    @blp.response(200, RequestSchema)
    def post(self, data, request_id: str):
        """Extend by two months (complex, or one of several requests). Only within the first
        month, once, before the answer (409 otherwise). Needs ``If-Match``."""
        found = _load(request_id)
        return guarded_update(found, lambda r: access_requests.extend(r, reason=data["reason"]))


@blp.route("/subject-access-requests/<request_id>/answer")
class Answer(MethodView):
    @requires(PERMISSION)
    @blp.arguments(AnswerSchema)
    @blp.response(200, RequestSchema)
    def post(self, data, request_id: str):
        """Record the day the answer was sent (409 if already recorded). Needs ``If-Match``."""
        found = _load(request_id)
        return guarded_update(
            found, lambda r: access_requests.complete(r, completed_on=data.get("completed_on"))
        )
