"""Periodic jobs: plugins' schedules, turned into one JobRun per tenant, schedule and period.

The scheduler process calls :func:`tick` every minute or so. Each due (tenant, schedule, period)
becomes a JobRun whose idempotency key is ``"<name>:<period>"``; the per-tenant unique constraint
on that key makes a second tick, or a second scheduler started by mistake, a no-op.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from core.extensions import db
from core.plugins.manager import tenant_hooks
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

log = logging.getLogger(__name__)

PERIODS = ("daily", "weekly", "monthly")


def period_key(every: str, now: datetime) -> str:
    """The period ``now`` falls in: ``2026-11-23``, ``2026-W48`` or ``2026-11``."""
    day = now.astimezone(UTC).date()
    if every == "daily":
        return day.isoformat()
    if every == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if every == "monthly":
        return f"{day.year}-{day.month:02d}"
    raise ValueError(f"Unknown schedule period {every!r}; use one of {PERIODS}.")


def previous_period(every: str, now: datetime) -> tuple[date, date]:
    """First and last day of the last complete period before ``now`` (what a report covers)."""
    day = now.astimezone(UTC).date()
    if every == "daily":
        last = day - timedelta(days=1)
        return last, last
    if every == "weekly":
        start_this = day - timedelta(days=day.weekday())
        return start_this - timedelta(days=7), start_this - timedelta(days=1)
    first_this = day.replace(day=1)
    last = first_this - timedelta(days=1)
    return last.replace(day=1), last


def tick(now: datetime | None = None) -> list[uuid.UUID]:
    """Ask for every due scheduled run of every active tenant. Returns the runs created."""
    from core.jobs.services import enqueue

    now = now or datetime.now(UTC)
    created: list[uuid.UUID] = []
    tenant_ids = db.session.execute(
        sa.select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.slug)
    ).scalars()
    for tenant_id in list(tenant_ids):
        try:
            with tenant_context(tenant_id) as tenant:
                for batch in tenant_hooks(tenant).register_schedules(tenant=tenant):
                    for schedule in batch:
                        period = period_key(schedule.every, now)
                        parameters = dict(schedule.parameters)
                        if schedule.period_parameters:
                            start, end = previous_period(schedule.every, now)
                            parameters.update(
                                period_start=start.isoformat(), period_end=end.isoformat()
                            )
                        key = f"{schedule.name or schedule.job_kind}:{period}"
                        existing = db.session.info.get("stepping_stones.jobs.pending", [])
                        before = len(existing)
                        job_run = enqueue(schedule.job_kind, parameters, idempotency_key=key)
                        after = db.session.info.get("stepping_stones.jobs.pending", [])
                        if len(after) > before:
                            created.append(job_run.id)
        except Exception:
            log.exception("scheduling for tenant %s failed", tenant_id)
    return created
