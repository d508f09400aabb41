"""The relay: from the PostgreSQL outbox (queued JobRuns) to RQ, and back when Redis lost one.

Redis is transport, never the record: a run is sent with ``job_id = JobRun.id`` and
``unique=True``, so sending twice (a relay crash between enqueue and stamping ``enqueued_at``, two
relays at once) raises DuplicateJobError instead of queueing a second copy. Runs whose RQ job
vanished (Redis restarted without its data, a worker killed after its retries) are sent again;
the JobRun's status, its advisory lock and its attempts count decide, never Redis.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from core.columns import utcnow
from core.extensions import db
from core.jobs.models import QUEUED, RUNNING, JobRun
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

log = logging.getLogger(__name__)

QUEUE_NAME = "stepping-stones"


def redis_connection():
    from redis import Redis

    return Redis.from_url(
        current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=10
    )


def queue(connection=None):
    from rq import Queue

    return Queue(QUEUE_NAME, connection=connection or redis_connection())


def _send(q, job_run: JobRun) -> None:
    """Put one run on the queue (idempotent: a run already there is left alone)."""
    from rq import Retry
    from rq.exceptions import DuplicateJobError

    from core.jobs.registry import find_kind
    from core.jobs.runner import retry_intervals

    try:
        _owner, kind = find_kind(job_run.kind)
        retries, timeout = kind.retries, kind.timeout
    except LookupError:
        retries, timeout = 0, 60  # the worker records the readable failure
    left = max(0, job_run.max_attempts - max(job_run.attempts, 0) - 1) if retries else 0
    with contextlib.suppress(DuplicateJobError):
        q.enqueue(
            "core.jobs.runner.perform",
            str(job_run.id),
            str(job_run.tenant_id),
            job_id=str(job_run.id),
            unique=True,
            retry=Retry(max=left, interval=retry_intervals()) if left else None,
            job_timeout=timeout,
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
            description=f"{job_run.kind} for tenant {job_run.tenant_id}",
        )


def send_committed(run_id: uuid.UUID, tenant_id: uuid.UUID) -> None:
    """Send one run just committed by a request, and stamp it sent."""
    q = queue()
    with tenant_context(tenant_id):
        job_run = db.session.get(JobRun, run_id, with_for_update=True)
        if job_run is None or job_run.status != QUEUED or job_run.enqueued_at is not None:
            return
        _send(q, job_run)
        job_run.enqueued_at = utcnow()


def _active_tenants() -> list[uuid.UUID]:
    return list(db.session.execute(sa.select(Tenant.id).where(Tenant.status == "active")).scalars())


def relay(limit: int = 500) -> int:
    """Send every queued run not yet sent, tenant by tenant. Returns how many were sent.

    ``FOR UPDATE SKIP LOCKED`` lets two relays run side by side without sending a run twice.
    """
    q = queue()
    sent = 0
    for tenant_id in _active_tenants():
        with tenant_context(tenant_id):
            runs = db.session.execute(
                sa.select(JobRun)
                .where(JobRun.status == QUEUED, JobRun.enqueued_at.is_(None))
                .order_by(JobRun.created_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            ).scalars()
            for job_run in runs:
                _send(q, job_run)
                job_run.enqueued_at = utcnow()
                sent += 1
    return sent


def recover(grace_seconds: int | None = None) -> int:
    """Send again the unfinished runs whose RQ job is gone or given up, and nobody is running.

    A run killed after its last retry (or lost with Redis) would otherwise wait forever.
    """
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    from core.jobs.runner import is_running_somewhere

    grace = grace_seconds
    if grace is None:
        grace = int(current_app.config.get("JOBS_LOST_AFTER_SECONDS") or 300)
    connection = redis_connection()
    q = queue(connection)
    cutoff = utcnow() - timedelta(seconds=grace)
    resent = 0
    for tenant_id in _active_tenants():
        with tenant_context(tenant_id):
            runs = db.session.execute(
                sa.select(JobRun)
                .where(
                    JobRun.status.in_([QUEUED, RUNNING]),
                    JobRun.enqueued_at.is_not(None),
                    JobRun.updated_at < cutoff,
                )
                .with_for_update(skip_locked=True)
            ).scalars()
            for job_run in runs:
                try:
                    status = Job.fetch(str(job_run.id), connection=connection).get_status()
                except NoSuchJobError:
                    status = None
                if status in (
                    JobStatus.QUEUED,
                    JobStatus.STARTED,
                    JobStatus.SCHEDULED,
                    JobStatus.DEFERRED,
                ):
                    continue
                if is_running_somewhere(job_run.id):
                    continue
                if job_run.attempts >= job_run.max_attempts:
                    job_run.status, job_run.finished_at = "failed", utcnow()
                    job_run.error = (
                        f"The job stopped {job_run.attempts} times before finishing "
                        "(the worker running it was stopped); it was not retried again."
                    )
                    continue
                if status is not None:
                    Job.fetch(str(job_run.id), connection=connection).delete()
                _send(q, job_run)
                job_run.enqueued_at = utcnow()
                job_run.message = "Sent to the queue again."
                resent += 1
    return resent
