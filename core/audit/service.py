"""Writing and reading audit events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from core.audit.models import AuditEvent
from core.columns import new_id, utcnow
from core.extensions import db
from core.request_ids import request_id
from core.tenancy.context import current_tenant_id


def _actor() -> tuple[uuid.UUID | None, str | None]:
    if not has_request_context():
        return g.get("job_actor_id"), g.get("job_actor_label")
    user = current_user
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.email
    return None, None


def _values(
    action: str,
    *,
    object_type: str | None = None,
    object_id: object | None = None,
    outcome: str = "success",
    details: dict[str, Any] | None = None,
    actor_user_id: uuid.UUID | None = None,
    actor_label: str | None = None,
) -> dict[str, Any]:
    actor_id, label = _actor()
    return {
        "tenant_id": current_tenant_id(),
        "actor_user_id": actor_user_id or actor_id,
        "actor_label": actor_label or label,
        "action": action,
        "outcome": outcome,
        "object_type": object_type,
        "object_id": str(object_id) if object_id is not None else None,
        "request_id": request_id() or None,
        "source_address": request.remote_addr if has_request_context() else None,
        "details": details or {},
    }


def build(action: str, **kw: Any) -> AuditEvent:
    """An unsaved event (for callers that write events their own way, such as bulk imports)."""
    return AuditEvent(**_values(action, **kw))


_INSERT = sa.insert(AuditEvent.__table__)


def record(action: str, **kw: Any) -> uuid.UUID:
    """Write an audit event in the current transaction: it commits, or fails, with the work.

    Written at once with a plain INSERT rather than left to the ORM's flush: every read of a
    client writes one, so the unit of work's bookkeeping would be paid on every request, and a
    failing audit write (F10) stops the request before any answer is built. Returns its id.
    """
    values = _values(action, **kw)
    values.update(id=new_id(), at=utcnow())
    db.session.connection().execute(_INSERT, values)
    return values["id"]


def record_now(action: str, **kw: Any) -> None:
    """Write an audit event in its own transaction: for refusals, whose request rolls back."""
    event = build(action, **kw)
    with Session(db.engine) as session, session.begin():
        session.add(event)


def query(
    *,
    action: str | None = None,
    actor_user_id: uuid.UUID | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> sa.Select[tuple[AuditEvent]]:
    """Events of the current tenant, newest first, with the given filters."""
    stmt = sa.select(AuditEvent).where(AuditEvent.tenant_id == current_tenant_id())
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if actor_user_id:
        stmt = stmt.where(AuditEvent.actor_user_id == actor_user_id)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id)
