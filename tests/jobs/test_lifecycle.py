"""Jobs without Redis (inline, the embedded default): lifecycle, idempotency, gating, API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.jobs import enqueue
from core.jobs.models import JobRun
from core.jobs.runner import run
from core.jobs.services import JobKindUnavailable
from tests.factories import World
from tests.jobs.conftest import count_notes, inside, job_row, new_key


def _enqueue(app, tenant, kind, parameters=None, **kw):
    with inside(app, tenant):
        job_run = enqueue(kind, parameters or {}, **kw)
        run_id = job_run.id
    return run_id


def test_job_runs_inline_after_commit_with_progress(app, world: World, admin_engine):
    label = new_key()
    from core.tenancy.context import tenant_context

    with app.app_context():
        with tenant_context(world.a.tenant_id):
            run_id = enqueue("canary.slow", {"label": label, "steps": 3, "pause": 0}).id
        assert job_row(admin_engine, run_id)["status"] == "queued"  # committed, not yet run
    # Leaving the app context dispatched it (no REDIS_URL: inline).
    row = job_row(admin_engine, run_id)
    assert row["status"] == "succeeded"
    assert row["progress"] == 100
    assert row["attempts"] == 1
    assert row["result"] == {"notes": 3}
    assert row["started_at"] and row["finished_at"]
    assert count_notes(admin_engine, label) == 3


def test_second_delivery_of_a_finished_job_is_a_no_op(app, world: World, admin_engine):
    label = new_key()
    run_id = _enqueue(app, world.a, "canary.slow", {"label": label, "steps": 2, "pause": 0})
    with app.app_context():
        assert run(run_id, world.a.tenant_id) == "already succeeded"
    assert count_notes(admin_engine, label) == 2
    assert job_row(admin_engine, run_id)["attempts"] == 1


def test_job_for_the_wrong_tenant_finds_nothing(app, world: World, admin_engine):
    with app.app_context():
        with inside(app, world.a):
            run_id = enqueue("canary.count").id
            db.session.info.pop("stepping_stones.jobs.pending")  # not dispatched
        assert run(run_id, world.b.tenant_id) == "no such job for this tenant"
    assert job_row(admin_engine, run_id)["status"] == "queued"


def test_idempotency_key_gives_one_run(app, world: World, admin_engine):
    first = _enqueue(app, world.a, "canary.count", idempotency_key="monthly:2026-11")
    second = _enqueue(app, world.a, "canary.count", idempotency_key="monthly:2026-11")
    other_tenant = _enqueue(app, world.b, "canary.count", idempotency_key="monthly:2026-11")
    assert first == second != other_tenant
    with admin_engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM job_run WHERE kind = 'canary.count'")
            ).scalar_one()
            == 2
        )


def test_plugin_job_refused_where_the_plugin_is_off(app, world: World):
    with pytest.raises(JobKindUnavailable):
        _enqueue(app, world.c, "canary.count")
    with pytest.raises(JobKindUnavailable):
        _enqueue(app, world.a, "no.such.kind")


def test_permanent_failure_is_recorded_readably(app, world: World, admin_engine):
    run_id = _enqueue(app, world.a, "canary.poison")
    row = job_row(admin_engine, run_id)
    assert row["status"] == "failed"
    assert row["attempts"] == 1  # a bug is not retried
    assert "ValueError" in row["error"] and "worker's log" in row["error"]
    assert "secret detail" not in row["error"]


def test_cancel_a_queued_job(app, world: World, admin_engine, client):
    with app.app_context(), inside(app, world.a) as _tenant:
        job_run = enqueue("canary.slow", {"label": "never", "steps": 1})
        job_run.requested_by_membership_id = world.a.memberships["admin"]
        run_id = job_run.id
        db.session.info.pop("stepping_stones.jobs.pending")
    response = client.post(f"/api/v1/{world.a.slug}/jobs/{run_id}/cancel", headers=world.a.auth())
    assert response.status_code == 202, response.json
    assert response.json["status"] == "cancelled"
    with app.app_context():
        assert run(run_id, world.a.tenant_id) == "already cancelled"
    assert count_notes(admin_engine, "never") == 0
    again = client.post(f"/api/v1/{world.a.slug}/jobs/{run_id}/cancel", headers=world.a.auth())
    assert again.status_code == 409


def test_cancel_a_running_job_stops_it_at_its_next_progress_report(app, world, admin_engine):
    from core.jobs.runner import JobCancelled  # noqa: F401 - documents what stops it

    with app.app_context():
        with inside(app, world.a):
            run_id = enqueue("canary.slow", {"label": "stopped", "steps": 3, "pause": 0}).id
            db.session.info.pop("stepping_stones.jobs.pending")
        with admin_engine.begin() as conn:  # someone pressed cancel while it ran
            conn.execute(
                sa.text(
                    "UPDATE job_run SET cancel_requested = true, status = 'running' WHERE id = :i"
                ),
                {"i": run_id},
            )
        assert run(run_id, world.a.tenant_id) in ("cancelled",)
    assert job_row(admin_engine, run_id)["status"] == "cancelled"
    assert count_notes(admin_engine, "stopped") == 0  # rolled back with the job


def test_job_api_lists_reads_and_isolates(app, world: World, client, admin_engine):
    response = client.post(
        f"/api/v1/{world.a.slug}/reports/caseload/runs", json={}, headers=world.a.auth()
    )
    assert response.status_code == 202, response.json
    run_id = response.json["id"]
    listed = client.get(f"/api/v1/{world.a.slug}/jobs", headers=world.a.auth())
    assert listed.status_code == 200
    seeded = {str(i) for i in world.a.ids["job_run"]}  # the world's own finished report run
    assert [j["id"] for j in listed.json if j["id"] not in seeded] == [run_id]
    assert "X-Pagination" in listed.headers
    one = client.get(f"/api/v1/{world.a.slug}/jobs/{run_id}", headers=world.a.auth())
    assert one.json["status"] == "succeeded" and one.json["has_download"] is True
    download = client.get(f"/api/v1/{world.a.slug}/jobs/{run_id}/result", headers=world.a.auth())
    assert download.status_code == 200
    assert download.data[:2] == b"PK"  # an .xlsx workbook
    # Another tenant's job id is simply not found, on every job route.
    for path in ("", "/result"):
        other = client.get(f"/api/v1/{world.b.slug}/jobs/{run_id}{path}", headers=world.b.auth())
        assert other.status_code == 404
    cancel = client.post(f"/api/v1/{world.b.slug}/jobs/{run_id}/cancel", headers=world.b.auth())
    assert cancel.status_code == 404
    # A practitioner sees only their own jobs; the admin's run is not theirs.
    mine = client.get(f"/api/v1/{world.a.slug}/jobs", headers=world.a.auth("practitioner"))
    assert mine.json == []
    theirs = client.get(
        f"/api/v1/{world.a.slug}/jobs/{run_id}", headers=world.a.auth("practitioner")
    )
    assert theirs.status_code == 404


def test_jobs_page_and_progress_json(app, world: World, client):
    from tests.factories import PASSWORD

    run_id = _enqueue(app, world.a, "canary.count")
    with app.app_context(), inside(app, world.a):
        db.session.get(JobRun, run_id).requested_by_membership_id = world.a.memberships["admin"]
    client.post("/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD})
    page = client.get(f"/{world.a.slug}/jobs/")
    assert page.status_code == 200
    assert b"data-job-progress" in page.data and b"jobs.js" in page.data
    assert b"<script>" not in page.data  # no inline script (CSP)
    status = client.get(f"/{world.a.slug}/jobs/{run_id}/status.json")
    assert status.json["status"] == "succeeded" and status.json["progress"] == 100
    assert client.get(f"/{world.b.slug}/jobs/{run_id}/status.json").status_code == 404


def test_duplicate_schedule_ticks_run_once_per_period(app, world: World, admin_engine):
    from core.jobs.schedules import tick

    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    with app.app_context():
        first = tick(now)
        second = tick(now)  # a second scheduler started by mistake, or the next minute
    assert len(first) == 2 and second == []  # tenants A and B have the canary; C does not
    with app.app_context():
        later = tick(datetime(2026, 12, 1, 0, 5, tzinfo=UTC))
    assert len(later) == 2
    with admin_engine.connect() as conn:
        keys = conn.execute(
            sa.text(
                "SELECT idempotency_key, status FROM job_run WHERE kind = 'canary.count' "
                "ORDER BY idempotency_key"
            )
        ).all()
    assert [k for k, _ in keys] == ["canary.count:2026-11"] * 2 + ["canary.count:2026-12"] * 2
    assert {s for _, s in keys} == {"succeeded"}
