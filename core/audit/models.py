"""The audit event table and its seals. Both append-only: PostgreSQL lets the application role
INSERT and SELECT them, never UPDATE or DELETE (grants, plus a trigger that holds even for the
owner). The seals chain the events with SHA-256 (``core.audit.chain``)."""

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
        sa.Index("ix_audit_event_tenant_seq", "tenant_id", "seq"),
    )

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("tenant.id"))
    #: Insertion order, from an identity column (PostgreSQL; empty on SQLite): the order events
    #: are sealed in. Not commit order: a transaction open for long commits a lower number late.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, sa.Identity(always=True))
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


class AuditSeal(UUIDPrimaryKey, db.Model):
    """One link of a hash chain: the event at ``position`` of its tenant's chain (or of the
    platform chain, ``tenant_id`` empty) and ``chain_hash`` = SHA-256(previous link's hash ||
    the event's canonical serialisation). Written by ``flask audit seal``, never changed.
    """

    __tablename__ = "audit_seal"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "position", postgresql_nulls_not_distinct=True),
        sa.UniqueConstraint("tenant_id", "event_id", postgresql_nulls_not_distinct=True),
    )

    tenant_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid, sa.ForeignKey("tenant.id"))
    position: Mapped[int] = mapped_column(sa.BigInteger)
    #: No foreign key on purpose: a deleted event must leave its link behind to be reported.
    event_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    event_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    chain_hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
