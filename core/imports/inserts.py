"""Writing an import batch's new clients, with one ``client.create`` audit event each.

On PostgreSQL with the TEMP right the rows go through ``COPY`` into a temporary table and one
``INSERT … SELECT`` (the fast path, ~0.3× raw ``COPY``); elsewhere (the embedded SQLite) through
one multi-row ``INSERT``. Either way the app role writes them, so the RLS ``WITH CHECK`` policy
judges every row.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa
from flask import g

from core.clients.models import Client
from core.clients.schemas import ClientCreateSchema
from core.columns import new_id, utcnow
from core.extensions import db

COLUMNS = tuple(name for name in ClientCreateSchema().fields if name != "confirm_not_duplicate")


def insert_created(new_rows: list[dict[str, Any]], *, copy: bool) -> None:
    """Insert the new clients of a batch and their audit events."""
    if copy:
        _copy_created(new_rows)
    else:
        db.session.execute(sa.insert(Client.__table__), new_rows)
        _audit_created([r["id"] for r in new_rows])


def can_copy() -> bool:
    """Whether batches can go through ``COPY`` into a temporary table (PostgreSQL, TEMP right)."""
    if db.engine.dialect.name != "postgresql":
        return False
    return bool(
        db.session.execute(
            sa.text("SELECT has_database_privilege(current_database(), 'TEMP')")
        ).scalar()
    )


_CLIENT_COLUMNS = (*COLUMNS, "id", "tenant_id", "status", "version", "created_at", "updated_at")
_STAGE = "import_client_batch"


def _copy_created(new_rows: list[dict[str, Any]]) -> None:
    """Insert a batch's new clients and their ``client.create`` events: COPY + INSERT … SELECT.

    The rows are ``COPY``ed into a temporary table that lives until the batch commits, then moved
    into ``client`` by one ``INSERT … SELECT`` as the app role, so the RLS ``WITH CHECK`` policy
    judges every row (``tenant_id`` is the job's tenant, never a value from the file). Each row
    carries the id of its audit event, which one more ``INSERT … SELECT`` writes.
    """
    from core.audit import service

    template = service.build("client.create", object_type="client", details={})
    columns = ", ".join(_CLIENT_COLUMNS)
    conn = db.session.connection()
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_STAGE} (LIKE client, audit_id uuid) ON COMMIT DROP")
    raw = conn.connection.driver_connection
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {_STAGE} ({columns}, audit_id) FROM STDIN") as stream,
    ):
        for record in new_rows:
            stream.write_row([*(record[c] for c in _CLIENT_COLUMNS), new_id()])
    conn.exec_driver_sql(f"INSERT INTO client ({columns}) SELECT {columns} FROM {_STAGE}")
    conn.execute(
        sa.text(
            "INSERT INTO audit_event (id, tenant_id, at, actor_user_id, actor_label, action, "
            "outcome, object_type, object_id, request_id, source_address, details) "
            f"SELECT audit_id, :tenant, :at, :actor, :label, 'client.create', 'success', 'client', "
            f"CAST(id AS text), NULL, NULL, CAST(:details AS jsonb) FROM {_STAGE}"
        ),
        {
            "tenant": template.tenant_id,
            "at": utcnow(),
            "actor": template.actor_user_id,
            "label": template.actor_label,
            "details": json.dumps({"import_job": str(g.get("job_run_id"))}),
        },
    )
    conn.exec_driver_sql(f"DROP TABLE {_STAGE}")


def _audit_created(client_ids: list[uuid.UUID]) -> None:
    """One ``client.create`` event per client, written in the batch's transaction."""
    from core.audit import service

    template = service.build("client.create", object_type="client", details={})
    job = str(g.get("job_run_id"))
    events = [
        {
            "id": new_id(),
            "tenant_id": template.tenant_id,
            "at": utcnow(),
            "actor_user_id": template.actor_user_id,
            "actor_label": template.actor_label,
            "action": "client.create",
            "outcome": "success",
            "object_type": "client",
            "object_id": str(client_id),
            "request_id": None,
            "source_address": None,
            "details": {"import_job": job},
        }
        for client_id in client_ids
    ]
    from core.audit.models import AuditEvent

    db.session.execute(sa.insert(AuditEvent.__table__), events)
