"""Running one JobRun: the function RQ calls, and the same path for inline execution.

``perform(job_run_id, tenant_id)`` takes ids only. It enters the tenant (so the ORM filter and the
PostgreSQL RLS setting follow) before reading anything, claims the run, calls the job kind's
function, and records completion in the same transaction as the job's own writes. It is safe to
deliver twice (RQ is at-least-once): a finished run is a no-op, and a PostgreSQL advisory lock
keeps two deliveries of the same run from working at once.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context

from core.columns import utcnow
from core.extensions import db
from core.jobs.models import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, JobRun
from core.tenancy.context import tenant_context

log = logging.getLogger(__name__)


class JobError(Exception):
    """A permanent failure whose message is written for the person who asked for the job."""


class JobCancelled(Exception):
    """Someone cancelled the job; raised by :func:`progress` so the job stops where it is."""


@dataclass
class JobResult:
    """What a job returns: JSON ``data`` for the JobRun, optionally a file to download.

    ``file`` is a path the job wrote (core moves it into the job results folder).
    """

    data: dict[str, Any] | None = None
    file: Path | None = None
    filename: str | None = None
    content_type: str = "application/octet-stream"
    message: str | None = None


class TransientJobError(Exception):
    """Wraps a failure worth retrying (database or Redis unavailable)."""


def is_transient(error: BaseException) -> bool:
    """Database or Redis unavailable: worth retrying with back-off, not a bug in the job."""
    import psycopg
    import redis

    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return True
    if isinstance(error, sa.exc.TimeoutError):  # pool exhausted
        return True
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    return isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)


# -- reporting progress --------------------------------------------------------------------


def current_job_id() -> uuid.UUID | None:
    return g.get("job_run_id") if has_app_context() else None


def progress(percent: float, message: str | None = None) -> None:
    """Record how far the current job got, in its own short transaction (visible at once).

    Raises :class:`JobCancelled` if someone asked to cancel the job. Outside a job: no-op.
    """
    run_id = current_job_id()
    if run_id is None:
        return
    values: dict[str, Any] = {"progress": max(0, min(100, int(percent)))}
    if message is not None:
        values["message"] = message[:500]
    stmt = (
        sa.update(JobRun)
        .where(JobRun.id == run_id)
        .values(**values)
        .returning(JobRun.cancel_requested)
    )
    if db.engine.dialect.name == "sqlite":  # one writer at a time: stay in the job's transaction
        cancelled = db.session.execute(stmt).scalar()
    else:
        with sa.orm.Session(db.engine) as session, session.begin():
            cancelled = session.execute(stmt).scalar()
    if cancelled:
        raise JobCancelled()


# -- the advisory lock: one delivery at a time ---------------------------------------------

_LOCK_SQL = sa.text("SELECT pg_try_advisory_lock(hashtextextended(:key, 0))")
_UNLOCK_SQL = sa.text("SELECT pg_advisory_unlock(hashtextextended(:key, 0))")


class RunLock:
    """A session-level advisory lock on a run id, on its own connection (not the job's)."""

    def __init__(self, run_id: uuid.UUID) -> None:
        self.key = f"job_run:{run_id}"
        self.connection: sa.Connection | None = None

    def acquire(self) -> bool:
        if db.engine.dialect.name != "postgresql":
            return True
        self.connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if self.connection.execute(_LOCK_SQL, {"key": self.key}).scalar():
            return True
        self.connection.close()
        self.connection = None
        return False

    def release(self) -> None:
        if self.connection is None:
            return
        try:
            self.connection.execute(_UNLOCK_SQL, {"key": self.key})
            self.connection.close()
        except Exception:  # the connection died: the server dropped the lock with it
            self.connection.invalidate()
        self.connection = None


def is_running_somewhere(run_id: uuid.UUID) -> bool:
    """Whether some worker holds the run's lock right now."""
    lock = RunLock(run_id)
    if not lock.acquire():
        return True
    lock.release()
    return False


# -- performing ----------------------------------------------------------------------------

_APP: Flask | None = None


def _app() -> Flask:
    global _APP
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _APP is None:
        from core import create_app

        _APP = create_app()
    return _APP


def perform(job_run_id: str, tenant_id: str) -> str:
    """RQ entry point: run one JobRun of one tenant. Returns what happened, for RQ's log."""
    app = _app()
    _remember_horse_pid()
    with app.app_context():
        return run(uuid.UUID(job_run_id), uuid.UUID(tenant_id))


def _remember_horse_pid() -> None:
    try:
        from rq import get_current_job

        job = get_current_job()
    except Exception:
        return
    if job is not None:
        job.meta["pid"] = os.getpid()
        job.save_meta()


def run(run_id: uuid.UUID, tenant_id: uuid.UUID) -> str:
    """Claim, run and record one JobRun. Transient failures are re-raised (for a retry)."""
    lock = RunLock(run_id)
    if not lock.acquire():
        return "already running elsewhere"
    try:
        claimed = _claim(run_id, tenant_id)
        if isinstance(claimed, str):
            return claimed
        kind, parameters, attempts, max_attempts, requested_by = claimed
        try:
            with tenant_context(tenant_id):
                g.job_run_id = run_id
                _set_actor(requested_by)
                outcome = kind.function(**parameters)
                job_run = db.session.get(JobRun, run_id, populate_existing=True)
                if job_run is None or job_run.cancel_requested:
                    raise JobCancelled()
                _complete(job_run, outcome)
            return SUCCEEDED
        except JobCancelled:
            _finish(run_id, tenant_id, CANCELLED, message="Cancelled.")
            return CANCELLED
        except JobError as error:
            _finish(run_id, tenant_id, FAILED, error=str(error))
            return FAILED
        except Exception as error:
            if is_transient(error):
                if attempts >= max_attempts:
                    _finish(
                        run_id,
                        tenant_id,
                        FAILED,
                        error=f"Gave up after {attempts} attempts: {_describe(error)}",
                    )
                    return FAILED
                _retry_later(run_id, tenant_id, attempts, error)
                raise
            log.exception("job %s (%s) failed", run_id, kind.key)
            _finish(run_id, tenant_id, FAILED, error=_describe(error))
            return FAILED
    finally:
        lock.release()


def _claim(run_id: uuid.UUID, tenant_id: uuid.UUID) -> str | tuple[Any, dict, int, int, Any]:
    from core.jobs.registry import UnknownJobKind, find_kind

    with tenant_context(tenant_id) as tenant:
        job_run = db.session.get(JobRun, run_id, with_for_update=True)
        if job_run is None:  # not this tenant's (RLS hides it), or gone
            return "no such job for this tenant"
        if job_run.is_finished:
            return f"already {job_run.status}"
        now = utcnow()
        if job_run.cancel_requested:
            job_run.status, job_run.finished_at, job_run.message = CANCELLED, now, "Cancelled."
            return CANCELLED
        try:
            owner, kind = find_kind(job_run.kind)
        except UnknownJobKind:
            owner, kind = None, None
        if kind is None or (owner != "core" and owner not in tenant.enabled_plugins):
            job_run.status, job_run.finished_at = FAILED, now
            job_run.error = "This kind of job is not available here (its plugin is switched off)."
            return FAILED
        job_run.status = RUNNING
        job_run.attempts += 1
        job_run.started_at = job_run.started_at or now
        job_run.message = "Started." if job_run.attempts == 1 else f"Attempt {job_run.attempts}."
        job_run.error = None
        return (
            kind,
            dict(job_run.parameters or {}),
            job_run.attempts,
            job_run.max_attempts,
            job_run.requested_by_membership_id,
        )


def _set_actor(membership_id: uuid.UUID | None) -> None:
    """Audit events a job writes name the person who asked for it (or the scheduler)."""
    from core.accounts.models import Membership

    membership = db.session.get(Membership, membership_id) if membership_id else None
    g.job_actor_id = membership.user_id if membership else None
    g.job_actor_label = membership.user.email if membership else "scheduler"
    g.membership = membership


def _complete(job_run: JobRun, outcome: Any) -> None:
    if not isinstance(outcome, JobResult):
        outcome = JobResult(data=outcome if isinstance(outcome, dict) else {"value": outcome})
    if outcome.file is not None:
        target = results_dir(job_run.tenant_id) / f"{job_run.id}-{outcome.filename or 'result'}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(outcome.file), target)
        job_run.result_file = str(target.relative_to(results_root()))
        job_run.result_filename = outcome.filename or target.name
        job_run.result_content_type = outcome.content_type
    job_run.result = outcome.data
    job_run.status, job_run.progress = SUCCEEDED, 100
    job_run.message = outcome.message or "Finished."
    job_run.finished_at = utcnow()


def results_root() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "jobs"


def results_dir(tenant_id: uuid.UUID) -> Path:
    return results_root() / str(tenant_id)


def _describe(error: BaseException) -> str:
    if is_transient(error):
        import redis

        if isinstance(error, redis.exceptions.RedisError):
            return "the job queue (Redis) was unavailable."
        return "the database was unavailable."
    # Exception text can carry data (a client's name in a constraint message): keep it in the log.
    return f"Something went wrong ({type(error).__name__}); the details are in the worker's log."


def _finish(
    run_id: uuid.UUID,
    tenant_id: uuid.UUID,
    status: str,
    *,
    error: str | None = None,
    message: str | None = None,
) -> None:
    with tenant_context(tenant_id):
        job_run = db.session.get(JobRun, run_id, with_for_update=True)
        if job_run is None or job_run.is_finished:
            return
        job_run.status, job_run.finished_at = status, utcnow()
        job_run.error = error
        job_run.message = message or ("Failed." if status == FAILED else job_run.message)


def _retry_later(run_id: uuid.UUID, tenant_id: uuid.UUID, attempts: int, error: Exception) -> None:
    log.warning("job %s: transient failure on attempt %s: %r", run_id, attempts, error)
    try:
        with tenant_context(tenant_id):
            job_run = db.session.get(JobRun, run_id)
            if job_run is not None and not job_run.is_finished:
                job_run.status = QUEUED
                job_run.message = f"Temporary problem ({_describe(error)}); will retry."
    except Exception:  # still unavailable: the retry will claim it from 'running'
        log.warning("job %s: could not record the retry", run_id)


def run_inline(run_id: uuid.UUID, tenant_id: uuid.UUID) -> str:
    """Run without Redis (the embedded default), retrying transient failures with back-off."""
    intervals = retry_intervals()
    attempt = 0
    while True:
        try:
            with current_app.app_context():
                return run(run_id, tenant_id)
        except Exception as error:
            if not is_transient(error):
                raise
            time.sleep(intervals[min(attempt, len(intervals) - 1)])
            attempt += 1


def retry_intervals() -> list[int]:
    raw = str(current_app.config.get("JOBS_RETRY_INTERVALS", "10,60,300"))
    return [int(part) for part in raw.split(",") if part.strip()] or [10]
