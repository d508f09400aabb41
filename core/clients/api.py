"""Client records API: create, read, update, close, list, search, export, subject access."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, g, stream_with_context
from flask.views import MethodView

from core import access_limits, audit
from core.accounts.permissions import requires
from core.api.etag import require_if_match, with_etag
from core.api.pagination import paginate
from core.clients import export, services
from core.clients.access import is_partner_viewer
from core.clients.schemas import (
    PARTNER_FIELDS,
    ClientCloseSchema,
    ClientCreateSchema,
    ClientListQuerySchema,
    ClientSchema,
    ClientUpdateSchema,
    DuplicateQuerySchema,
)
from core.clients.search import search_statement
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "clients_api",
    __name__,
    url_prefix="/clients",
    description="Client records. Partner staff see only clients shared with their organisation.",
)

FULL_FIELDS = tuple(ClientSchema().fields)
#: Filters that look a person up (counted against the search limit); status and key worker
#: only narrow one's own caseload.
SEARCH_FILTERS = frozenset({"q", "nhs_number", "date_of_birth", "local_id"})


def parse_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def dump_client(client: Any) -> Any:
    """The record as returned; ClientSchema itself trims it to the allowlist for partners."""
    return client


def load_client(client_id: str, *, audit_read: bool = True):
    return services.find_client(parse_id(client_id), audit_read=audit_read)


@blp.route("")
class Clients(MethodView):
    @requires("clients.read")
    @blp.arguments(ClientListQuerySchema, location="query")
    @blp.response(200, ClientSchema(many=True))
    @paginate(blp, transform=lambda c: dump_client(c))
    def get(self, filters):
        """Clients you may see, with filters; ``q`` searches names (typo-tolerant)."""
        if filters.keys() & SEARCH_FILTERS:
            access_limits.check("search")
        audit.record(
            "client.search" if filters else "client.list",
            object_type="client",
            details={k: str(v) for k, v in filters.items()},
        )
        return search_statement(**filters)

    @requires("clients.write")
    @blp.arguments(ClientCreateSchema)
    @blp.response(201, ClientSchema)
    def post(self, data):
        """Create a client. Likely duplicates are answered with 409 and listed first."""
        client = services.create_client(data)
        return with_etag(client, 201, body=dump_client(client))


@blp.route("/duplicates")
class Duplicates(MethodView):
    @requires("clients.write")
    @blp.arguments(DuplicateQuerySchema, location="query")
    @blp.response(200, ClientSchema(many=True))
    def get(self, query):
        """Likely duplicates of a person about to be added (same NHS number, or name and DOB)."""
        found, _restricted = services.shown_duplicates(services.likely_duplicates(**query))
        audit.record(
            "client.duplicate_check",
            object_type="client",
            details={"matches": len(found), "client_ids": [str(c.id) for c in found]},
        )
        return [dump_client(c) for c in found]


@blp.route("/export.csv")
class ClientExport(MethodView):
    @requires("clients.export")
    @blp.arguments(ClientListQuerySchema, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, filters):
        """The visible client list as CSV, streamed (same filters as the list)."""
        access_limits.check("export")
        fields = PARTNER_FIELDS if is_partner_viewer() else FULL_FIELDS
        audit.record(
            "client.export", object_type="client", details={k: str(v) for k, v in filters.items()}
        )
        from core.extensions import db

        db.session.commit()  # the audit event is written before the first row leaves
        rows = export.stream_clients(search_statement(**filters), fields)
        return Response(
            stream_with_context(rows),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{g.tenant.slug}-clients.csv"'},
        )


@blp.route("/<client_id>")
class ClientById(MethodView):
    @requires("clients.read")
    @blp.response(200, ClientSchema)
    def get(self, client_id: str):
        """One client record; its ETag is needed to change it."""
        client = load_client(client_id)
        return with_etag(client, body=dump_client(client))

    @requires("clients.write")
    @blp.arguments(ClientUpdateSchema(partial=True))
    @blp.response(200, ClientSchema)
    def patch(self, data, client_id: str):
        """Change fields of the record. Needs ``If-Match`` (412 if someone changed it first)."""
        client = load_client(client_id, audit_read=False)
        require_if_match(client)
        client = services.update_client(client, data)
        return with_etag(client, body=dump_client(client))


@blp.route("/<client_id>/close")
class ClientClose(MethodView):
    @requires("clients.write")
    @blp.arguments(ClientCloseSchema)
    @blp.response(200, ClientSchema)
    def post(self, data, client_id: str):
        """Close the record with a reason (it stays readable; it can be reopened)."""
        client = load_client(client_id, audit_read=False)
        require_if_match(client)
        client = services.close_client(client, data["reason"], data.get("closed_on"))
        return with_etag(client, body=dump_client(client))


@blp.route("/<client_id>/reopen")
class ClientReopen(MethodView):
    @requires("clients.write")
    @blp.response(200, ClientSchema)
    def post(self, client_id: str):
        """Reopen a closed record."""
        client = load_client(client_id, audit_read=False)
        require_if_match(client)
        client = services.reopen_client(client)
        return with_etag(client, body=dump_client(client))


@blp.route("/<client_id>/export")
class SubjectAccess(MethodView):
    @requires("clients.subject_access")
    @blp.response(200)
    def get(self, client_id: str):
        """Everything held about the client (subject access request), plugins' data included."""
        access_limits.check("export")
        client = load_client(client_id, audit_read=False)
        audit.record("client.subject_access_export", object_type="client", object_id=client.id)
        return export.subject_access(client)
