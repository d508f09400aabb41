"""Jobs on real RQ and Redis, with faults injected (SECURITY.md §9: F1, F2, F3, F8, F9)."""

from __future__ import annotations

import os
import signal

import pytest
import sqlalchemy as sa

from core.jobs import enqueue
from core.jobs.services import dispatch
from core.tenancy.context import tenant_context
from tests.jobs.conftest import count_notes, job_row, new_key, wait_until, worker_process


def _ask(app, tenant, kind, parameters=None):
    """Enqueue through the outbox and hand over to RQ, as a request would."""
    with app.app_context():
        with tenant_context(tenant.tenant_id):
            run_id = enqueue(kind, parameters or {}).id
        dispatch()
    return run_id


def _burst(app):
    from rq import SimpleWorker

    from core.jobs.relay import queue, redis_connection

    with app.app_context():
        connection = redis_connection()
        SimpleWorker([queue(connection)], connection=connection).work(burst=True)


@pytest.mark.hazard("HAZ-002")
def test_each_job_runs_as_its_own_tenant_on_one_worker(rq_app, world, admin_engine):
    runs = [
        (world.a, _ask(rq_app, world.a, "canary.whoami")),
        (world.b, _ask(rq_app, world.b, "canary.whoami")),
        (world.a, _ask(rq_app, world.a, "canary.whoami")),
    ]
    assert job_row(admin_engine, runs[0][1])["enqueued_at"] is not None
    _burst(rq_app)
    for tenant, run_id in runs:
        row = job_row(admin_engine, run_id)
        assert row["status"] == "succeeded", row
        assert row["result"]["setting"] == str(tenant.tenant_id)
        assert row["result"]["notes"] == 1 and row["result"]["raw_notes"] == 1


@pytest.mark.hazard("HAZ-009")
def test_redis_down_at_enqueue_the_outbox_keeps_the_job(rq_app, world, own_redis, admin_engine):
    from core.jobs.relay import relay

    own_redis.stop()
    try:
        client = rq_app.test_client()
        response = client.post(
            f"/api/v1/{world.a.slug}/reports/caseload/runs", json={}, headers=world.a.auth()
        )
        assert response.status_code == 202  # the save succeeded; the job waits in PostgreSQL
        run_id = response.json["id"]
        row = job_row(admin_engine, run_id)
        assert row["status"] == "queued" and row["enqueued_at"] is None
    finally:
        own_redis.start()
    with rq_app.app_context():
        assert relay() == 1
        assert relay() == 0  # sent once
    _burst(rq_app)
    assert job_row(admin_engine, run_id)["status"] == "succeeded"


@pytest.mark.hazard("HAZ-009")
def test_sending_twice_queues_one_job(rq_app, world, admin_engine):
    """F8: the relay crashed after enqueueing, before stamping the row: sent again, run once."""
    from core.jobs.relay import queue, relay

    label = new_key()
    run_id = _ask(rq_app, world.a, "canary.slow", {"label": label, "steps": 2, "pause": 0})
    with admin_engine.begin() as conn:
        conn.execute(sa.text("UPDATE job_run SET enqueued_at = NULL WHERE id = :i"), {"i": run_id})
    with rq_app.app_context():
        assert relay() == 1
        assert queue().count == 1
    _burst(rq_app)
    assert count_notes(admin_engine, label) == 2


def _running(admin_engine, run_id):
    row = job_row(admin_engine, run_id)
    return row["status"] == "running" and row["progress"] > 0


def _finished(admin_engine, run_id):
    return job_row(admin_engine, run_id)["status"] in ("succeeded", "failed", "cancelled")


@pytest.mark.hazard("HAZ-009")
@pytest.mark.slow
def test_work_horse_killed_mid_job_is_retried_without_duplicates(
    rq_app, world, own_redis, database_urls, admin_engine, tmp_path
):
    from rq.job import Job

    from core.jobs.relay import redis_connection

    label = new_key()
    with worker_process(database_urls, own_redis.url, tmp_path):
        run_id = _ask(rq_app, world.a, "canary.slow", {"label": label, "steps": 8, "pause": 0.3})
        wait_until(lambda: _running(admin_engine, run_id))
        with rq_app.app_context():
            pid = Job.fetch(str(run_id), connection=redis_connection()).meta["pid"]
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: _finished(admin_engine, run_id), timeout=60)
    row = job_row(admin_engine, run_id)
    assert row["status"] == "succeeded", row
    assert row["attempts"] == 2
    assert count_notes(admin_engine, label) == 8


@pytest.mark.slow
def test_database_connection_terminated_mid_job_is_retried(
    rq_app, world, own_redis, database_urls, admin_engine, tmp_path
):
    label = new_key()
    with worker_process(database_urls, own_redis.url, tmp_path):
        run_id = _ask(rq_app, world.a, "canary.slow", {"label": label, "steps": 8, "pause": 0.3})
        wait_until(lambda: _running(admin_engine, run_id))
        with admin_engine.connect() as conn:
            killed = conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE usename = :role AND state = 'idle in transaction'"
                ),
                {"role": database_urls["app_role"]},
            ).all()
        assert killed, "the job's connection was not found"
        wait_until(lambda: _finished(admin_engine, run_id), timeout=60)
    row = job_row(admin_engine, run_id)
    assert row["status"] == "succeeded", row
    assert row["attempts"] == 2
    assert count_notes(admin_engine, label) == 8


@pytest.mark.slow
def test_redis_stopped_mid_run_and_restarted_completes_once(
    rq_app, world, own_redis, database_urls, admin_engine, tmp_path
):
    from core.jobs.relay import recover

    label = new_key()
    worker = worker_process(database_urls, own_redis.url, tmp_path)
    worker.__enter__()
    try:
        run_id = _ask(rq_app, world.a, "canary.slow", {"label": label, "steps": 8, "pause": 0.3})
        wait_until(lambda: _running(admin_engine, run_id))
        own_redis.stop()  # kill -9: Redis loses what it had not written to its AOF
        wait_until(lambda: _finished(admin_engine, run_id), timeout=30)
        own_redis.start()
    finally:
        worker.__exit__(None, None, None)
    # Whatever Redis kept or lost, the run finished once in PostgreSQL; recovery leaves it.
    with rq_app.app_context():
        assert recover(grace_seconds=0) == 0
    row = job_row(admin_engine, run_id)
    assert row["status"] == "succeeded", row
    assert count_notes(admin_engine, label) == 8


@pytest.mark.slow
def test_run_lost_with_redis_is_recovered_and_finishes_once(
    rq_app, world, own_redis, database_urls, admin_engine, tmp_path
):
    """Redis restarted empty while a run was queued: the recovery pass sends it again."""
    import redis

    from core.jobs.relay import recover

    label = new_key()
    run_id = _ask(rq_app, world.a, "canary.slow", {"label": label, "steps": 2, "pause": 0})
    redis.Redis.from_url(own_redis.url).flushdb()  # the queued job is gone
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE job_run SET updated_at = now() - interval '1 hour' WHERE id = :i"),
            {"i": run_id},
        )
    with rq_app.app_context():
        assert recover(grace_seconds=60) == 1
        assert recover(grace_seconds=60) == 0
    _burst(rq_app)
    assert job_row(admin_engine, run_id)["status"] == "succeeded"
    assert count_notes(admin_engine, label) == 2
