"""Asking, once a day per active tenant, for the retention appraisal job (``core.retention.flag``).

Core's own schedule, called by ``flask jobs scheduler`` next to the plugins' schedules
(:func:`core.jobs.schedules.tick`). The idempotency key ``core.retention.flag:<UTC day>`` makes a
second scheduler, or the next tick the same day, a no-op.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from core.extensions import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

log = logging.getLogger(__name__)

KIND = "core.retention.flag"
PENDING = "stepping_stones.jobs.pending"  # as core.jobs.schedules: runs this pass asked for


def tick(now: datetime | None = None) -> list[uuid.UUID]:
    """Ask for today's retention appraisal run of every active tenant; the runs created."""
    from core.jobs.services import enqueue

    now = now or datetime.now(UTC)
    created: list[uuid.UUID] = []
    tenant_ids = db.session.execute(
        sa.select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.slug)
    ).scalars()
    for tenant_id in list(tenant_ids):
        try:
            with tenant_context(tenant_id):
                before = len(db.session.info.get(PENDING, []))
                job_run = enqueue(KIND, {}, idempotency_key=f"{KIND}:{now.date().isoformat()}")
                if len(db.session.info.get(PENDING, [])) > before:
                    created.append(job_run.id)
        except Exception:
            log.exception("retention scheduling for tenant %s failed", tenant_id)
    return created
