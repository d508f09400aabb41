"""The JobRun: one row per background job, which is also the outbox entry that enqueues it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.columns import JSONType, utcnow
from core.extensions import db
from core.tenancy.models import TenantScoped, tenant_foreign_key

#: Statuses, in the order a job normally passes through them.
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued",
    "running",
    "succeeded",
    "failed",
    "cancelled",
)
STATUSES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = frozenset({SUCCEEDED, FAILED, CANCELLED})


class JobRun(TenantScoped, db.Model):
    """A background job of one tenant: what to run, how far it got, and what came of it.

    Written in the transaction that asks for the job (the outbox): the relay hands it to RQ with
    ``job_id = str(id)`` afterwards and stamps ``enqueued_at``. ``idempotency_key`` is unique per
    tenant, so a scheduled period or a repeated request creates one run, however often asked.
    """

    __tablename__ = "job_run"
    __table_args__ = TenantScoped.tenant_table_args(
        sa.UniqueConstraint("tenant_id", "idempotency_key"),
        tenant_foreign_key("requested_by_membership_id", "membership"),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="progress_range"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name="status_known",
        ),
        sa.Index("ix_job_run_tenant_created", "tenant_id", "created_at"),
        sa.Index("ix_job_run_tenant_status", "tenant_id", "status"),
    )

    kind: Mapped[str] = mapped_column(sa.String(100))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default=QUEUED)
    progress: Mapped[int] = mapped_column(sa.Integer, default=0)
    message: Mapped[str | None] = mapped_column(sa.String(500))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    #: A downloadable result: a file name under ``INSTANCE_DIR/jobs/`` and how to serve it.
    result_file: Mapped[str | None] = mapped_column(sa.String(255))
    result_filename: Mapped[str | None] = mapped_column(sa.String(255))
    result_content_type: Mapped[str | None] = mapped_column(sa.String(100))
    #: A readable reason for a failure (never a stack trace: those go to the worker's log).
    error: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(sa.Integer, default=4)
    cancel_requested: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def has_download(self) -> bool:
        return self.status == SUCCEEDED and bool(self.result_file)
