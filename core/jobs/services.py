"""Asking for jobs (the outbox write), cancelling them, and finding the ones a person may see."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import sqlalchemy as sa
from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.accounts.permissions import CORE, has_permission
from core.columns import utcnow
from core.errors import Conflict, DomainError, NotFound
from core.extensions import db
from core.jobs.models import CANCELLED, QUEUED, JobRun
from core.tenancy.context import current_tenant

log = logging.getLogger(__name__)

_PENDING = "stepping_stones.jobs.pending"


class JobKindUnavailable(DomainError):
    """The job kind is unknown, or belongs to a plugin the tenant has not switched on."""

    status = 422


def enqueue(
    kind: str,
    parameters: dict[str, Any] | None = None,
    *,
    idempotency_key: str | None = None,
    requested_by: uuid.UUID | None = None,
) -> JobRun:
    """Ask for a job in the current tenant, in the current transaction (the outbox).

    Nothing reaches Redis until the transaction commits; then :func:`dispatch` hands it over
    (or runs it inline without Redis). With an ``idempotency_key`` the same key gives back the
    run already asked for, however often and however concurrently it is asked.
    """
    from core.jobs.registry import UnknownJobKind, find_kind

    tenant = current_tenant()
    if tenant is None:
        raise RuntimeError("Jobs are asked for inside a tenant.")
    try:
        owner, job_kind = find_kind(kind)
    except UnknownJobKind:
        raise JobKindUnavailable(f"There is no job called {kind!r}.") from None
    if owner != CORE and owner not in tenant.enabled_plugins:
        raise JobKindUnavailable(f"There is no job called {kind!r}.")
    if idempotency_key:
        existing = _by_key(idempotency_key)
        if existing is not None:
            return existing
    if requested_by is None and g.get("membership") is not None:
        requested_by = g.membership.id
    job_run = JobRun(
        kind=kind,
        parameters=dict(parameters or {}),
        status=QUEUED,
        progress=0,
        message="Waiting to start.",
        idempotency_key=idempotency_key,
        requested_by_membership_id=requested_by,
        attempts=0,
        max_attempts=job_kind.retries + 1,
        cancel_requested=False,
    )
    try:
        with db.session.begin_nested():
            db.session.add(job_run)
            db.session.flush()
    except sa.exc.IntegrityError:
        # Another transaction (a second scheduler, a repeated request) won the race.
        existing = _by_key(idempotency_key) if idempotency_key else None
        if existing is None:
            raise
        return existing
    db.session.info.setdefault(_PENDING, []).append((job_run.id, tenant.id))
    return job_run


def _by_key(key: str) -> JobRun | None:
    return db.session.execute(
        sa.select(JobRun).where(JobRun.idempotency_key == key)
    ).scalar_one_or_none()


# -- after commit: hand over to RQ, or run inline ------------------------------------------


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        g.setdefault("jobs_committed", []).extend(pending)


def _after_rollback(session: Session, previous: Any) -> None:
    if not previous.nested:  # a savepoint rolling back leaves the outer transaction's jobs
        session.info.pop(_PENDING, None)


_installed = False


def install() -> None:
    """Listen for commits once per process (the list of runs to hand over lives on ``g``)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_rollback)
    _installed = True


def dispatch() -> list[uuid.UUID]:
    """Hand over the runs committed in this app context: to RQ, or run them now, inline.

    Called when the request's app context ends (after its commit) and by CLI commands. A run
    that cannot reach Redis stays queued in PostgreSQL; the relay sends it later.
    """
    if not has_app_context():
        return []
    committed = g.pop("jobs_committed", [])
    if not committed:
        return []
    if current_app.config.get("REDIS_URL"):
        from core.jobs.relay import send_committed

        for run_id, tenant_id in committed:
            try:
                send_committed(run_id, tenant_id)
            except Exception:
                log.warning("job %s stays in the outbox: the queue is unavailable", run_id)
    else:
        from core.jobs.runner import run_inline

        for run_id, tenant_id in committed:
            try:
                run_inline(run_id, tenant_id)
            except Exception:
                log.exception("inline job %s failed", run_id)
    return [run_id for run_id, _ in committed]


# -- reading and cancelling ----------------------------------------------------------------


def visible_runs() -> sa.Select[tuple[JobRun]]:
    """Runs the viewer may see: their own, or every run for people who manage jobs."""
    stmt = sa.select(JobRun)
    if not has_permission("jobs.manage"):
        membership = g.get("membership")
        stmt = stmt.where(
            JobRun.requested_by_membership_id == (membership.id if membership else None)
        )
    return stmt.order_by(JobRun.created_at.desc(), JobRun.id)


def find_run(run_id: Any) -> JobRun:
    from core.tenancy.scoping import tenant_uuid

    wanted = tenant_uuid(run_id)
    found = None
    if wanted is not None:
        found = db.session.execute(visible_runs().where(JobRun.id == wanted)).scalar_one_or_none()
    if found is None:
        raise NotFound("No such job.")
    return found


def cancel(job_run: JobRun) -> JobRun:
    """Cancel a queued run at once; ask a running one to stop at its next progress report."""
    if job_run.is_finished:
        raise Conflict(f"This job has already {_past(job_run.status)}.")
    job_run.cancel_requested = True
    if job_run.status == QUEUED:
        job_run.status, job_run.finished_at, job_run.message = CANCELLED, utcnow(), "Cancelled."
    else:
        job_run.message = "Cancelling…"
    db.session.flush()
    from core import audit

    audit.record("job.cancel", object_type="job_run", object_id=job_run.id)
    return job_run


def _past(status: str) -> str:
    return {"succeeded": "finished", "failed": "failed", "cancelled": "been cancelled"}[status]
