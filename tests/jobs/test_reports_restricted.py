"""Art. 18: a restricted client is in no report figure and behind no drill-down — for the
information governance role too — from the moment of restriction, and counts again once the
restriction is lifted. Every report says restricted clients are left out, with a count that
never goes below "fewer than 8"."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.clients.models import Client
from core.clients.processing import shown_count
from core.extensions import db
from tests.factories import World
from tests.jobs.conftest import inside
from tests.restriction import lift, restrict

WORKER = ("Home Trust", "Practitioner of tenant-a")


def _open_client(app, world: World) -> Client:
    """An open client of the practitioner's (the world's Taylor is one too)."""
    with inside(app, world.a):
        person = Client(
            given_name="Robin",
            family_name="Later-Restricted",
            date_of_birth=date(1985, 5, 5),
            key_worker_membership_id=world.a.memberships["practitioner"],
        )
        db.session.add(person)
        db.session.commit()
        return person.id


def _caseload(client, world: World) -> tuple[dict, list[str]]:
    response = client.get(f"/api/v1/{world.a.slug}/reports/caseload", headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    figures = {(r["organisation"], r["key_worker"]): r["clients"] for r in response.json["rows"]}
    return figures, response.json["notes"]


def _drill(client, world: World) -> set[str]:
    response = client.get(
        f"/api/v1/{world.a.slug}/reports/caseload/drilldown",
        query_string={
            "drill": json.dumps({"key_worker": str(world.a.memberships["practitioner"])})
        },
        headers=world.a.auth(),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {c["id"] for c in response.json}


@pytest.mark.hazard("HAZ-006")
def test_caseload_leaves_out_a_restricted_client_until_lifted(app, world: World, client):
    person = _open_client(app, world)
    figures, _notes = _caseload(client, world)
    counted = figures[WORKER]
    assert str(person) in _drill(client, world)

    restrict(client, world.a, person)
    figures, notes = _caseload(client, world)
    # The admin reading holds the information governance role: restriction is of processing,
    # not of who reads, so the figure drops for them too.
    assert figures[WORKER] == counted - 1
    assert str(person) not in _drill(client, world)
    assert "left out of every figure" in notes[-1]
    assert "fewer than 8" in notes[-1]  # the world's own restricted client and this one

    lift(client, world.a, person)
    figures, _notes = _caseload(client, world)
    assert figures[WORKER] == counted
    assert str(person) in _drill(client, world)


def test_the_report_job_leaves_out_a_restricted_client(app, world: World, client):
    """The background run (``core.reports.run``) counts as the page does."""
    person = _open_client(app, world)

    def run_in_background() -> int:
        started = client.post(
            f"/api/v1/{world.a.slug}/reports/caseload/runs", json={}, headers=world.a.auth()
        )
        assert started.status_code == 202, started.get_data(as_text=True)
        job = client.get(started.headers["Location"], headers=world.a.auth()).json
        assert job["status"] == "succeeded", job
        rows = job["result"]["rows"]
        return next(r["clients"] for r in rows if (r["organisation"], r["key_worker"]) == WORKER)

    counted = run_in_background()
    restrict(client, world.a, person)
    assert run_in_background() == counted - 1
    lift(client, world.a, person)
    assert run_in_background() == counted


@pytest.mark.parametrize(
    ("count", "shown"),
    [(0, "fewer than 8"), (1, "fewer than 8"), (7, "fewer than 8"), (8, "about 10"),
     (12, "about 10"), (13, "about 15"), (101, "about 100")],
)  # fmt: skip
def test_the_restricted_count_is_suppressed_below_8_and_rounded_above(count, shown):
    assert shown_count(count) == shown
