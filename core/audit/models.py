"""The audit event table. Append-only: PostgreSQL lets the application role INSERT and SELECT it,
never UPDATE or DELETE (grants, plus a trigger that holds even for the owner)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.columns import JSONType, UUIDPrimaryKey, utcnow
from core.extensions import db


class AuditEvent(UUIDPrimaryKey, db.Model):
    """Who did what to which object, when, from where, in which request.

    ``tenant_id`` is empty for platform events (sign-in before a tenant is chosen, tenant sync);
    the RLS policy shows those only outside any tenant. Tenant events are tenant-isolated like
    any other tenant data. It is not a :class:`TenantScoped` model because of those platform rows,
    so its queries filter by tenant explicitly in ``core.audit.service``.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        sa.Index("ix_audit_event_tenant_at", "tenant_id", "at"),
        sa.Index("ix_audit_event_tenant_object", "tenant_id", "object_type", "object_id"),
        sa.Index("ix_audit_event_tenant_actor", "tenant_id", "actor_user_id", "at"),
    )

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("tenant.id"))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    actor_label: Mapped[str | None] = mapped_column(sa.String(320))
    action: Mapped[str] = mapped_column(sa.String(80))
    outcome: Mapped[str] = mapped_column(sa.String(20), default="success")
    object_type: Mapped[str | None] = mapped_column(sa.String(80))
    object_id: Mapped[str | None] = mapped_column(sa.String(80))
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    source_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
