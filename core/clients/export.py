"""Exports: the visible client list as streaming CSV, and one client's subject access export.

CSV cells that a spreadsheet would treat as a formula (starting ``= + - @``, tab, carriage
return or NUL) are prefixed with ``'`` (formula injection, ASVS 1.2.10).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import g

from core.audit.models import AuditEvent
from core.clients.models import (
    Client,
    Consent,
    Contact,
    Note,
    RetentionAppraisal,
    RightsDecision,
    Share,
    SubjectAccessRequest,
)
from core.extensions import db
from core.plugins.manager import tenant_hooks

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")


def safe_cell(value: Any) -> str:
    """A CSV/Excel cell that can never run as a formula."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Stream CSV text a line at a time (the whole list is never held in memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


def stream_clients(stmt: sa.Select[tuple[Client]], fields: tuple[str, ...]) -> Iterator[str]:
    """Rows of ``stmt`` as CSV, fetched from the database in batches.

    A generator, so the query runs only when the response body is read: after the request's
    ``after_request`` commit, which would otherwise close the server-side cursor under it.
    """
    from core.clients.search import apply_search_settings

    apply_search_settings()  # a new transaction: the request's settings lapsed at its commit
    result = db.session.execute(stmt.execution_options(yield_per=500)).scalars()
    yield from csv_rows(list(fields), ([getattr(c, f) for f in fields] for c in result))


def _rows(model: type, client_id: Any) -> list[dict[str, Any]]:
    records = db.session.execute(sa.select(model).where(model.client_id == client_id)).scalars()
    return [_as_dict(r) for r in records]


def _as_dict(obj: Any) -> dict[str, Any]:
    out = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        out[column.key] = (
            value.isoformat()
            if isinstance(value, date | datetime)
            else (
                str(value)
                if value is not None and not isinstance(value, int | float | bool | str)
                else value
            )
        )
    return out


def subject_access(client: Client) -> dict[str, Any]:
    """Everything held about one client in this tenant, including what plugins hold."""
    accesses = db.session.execute(
        sa.select(AuditEvent.at, AuditEvent.action, AuditEvent.actor_label)
        .where(
            AuditEvent.tenant_id == client.tenant_id,
            AuditEvent.object_type == "client",
            AuditEvent.object_id == str(client.id),
        )
        .order_by(AuditEvent.at)
    ).all()
    sections = []
    for batch in tenant_hooks(g.tenant).register_client_export(
        tenant=g.tenant, client_id=client.id
    ):
        for section in batch:
            sections.append(
                {"title": section.title, "source": section.source, "records": section.records}
            )
    return {
        "tenant": {"slug": g.tenant.slug, "name": g.tenant.name},
        "client": _as_dict(client),
        "consents": _rows(Consent, client.id),
        "shares": _rows(Share, client.id),
        "contacts": _rows(Contact, client.id),
        "notes": _rows(Note, client.id),
        "rights_decisions": _rows(RightsDecision, client.id),
        "subject_access_requests": _rows(SubjectAccessRequest, client.id),
        "retention_appraisals": _rows(RetentionAppraisal, client.id),
        "access_log": [
            {"at": at.isoformat(), "action": action, "by": actor} for at, action, actor in accesses
        ],
        "plugins": sections,
    }
