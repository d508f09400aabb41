"""Subject access requests through the API: record, extend, answer, list what is due."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from core.clients.access_requests import due_date


@pytest.fixture
def urls(world):
    client_id = world.a.ids["client"][0]
    base = f"/api/v1/{world.a.slug}"
    return {
        "client": f"{base}/clients/{client_id}/subject-access-requests",
        "all": f"{base}/subject-access-requests",
        "export": f"{base}/clients/{client_id}/export",
        "base": base,
    }


def _record(client, world, urls, received: date, **extra):
    response = client.post(
        urls["client"],
        json={"received_on": received.isoformat(), **extra},
        headers=world.a.auth("admin"),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response


def test_recording_a_request_fixes_its_due_date_one_calendar_month_on(client, world, urls):
    received = date.today() - timedelta(days=3)
    response = _record(client, world, urls, received, details="By email from Sam")
    body = response.json
    assert body["due_on"] == due_date(received).isoformat() == body["due"]
    assert body["status"] == "open"
    assert body["days_left"] == (due_date(received) - date.today()).days
    assert body["client_name"] == "Sam Taylor"
    assert response.headers["ETag"]
    listed = client.get(urls["client"], headers=world.a.auth("admin")).json
    assert body["id"] in [r["id"] for r in listed]


def test_an_overdue_request_is_listed_first_and_as_overdue(client, world, urls):
    late = _record(client, world, urls, date.today() - timedelta(days=45)).json
    fresh = _record(client, world, urls, date.today()).json
    assert late["status"] == "overdue" and late["days_left"] < 0
    overdue = client.get(f"{urls['all']}?status=overdue", headers=world.a.auth("admin")).json
    world_own = str(world.a.ids["subject_access_request"][0])  # received March 2026, unanswered
    assert [r["id"] for r in overdue] == [world_own, late["id"]]
    assert fresh["status"] == "open"
    everything = client.get(urls["all"], headers=world.a.auth("admin")).json
    dues = [r["due"] for r in everything]
    assert dues == sorted(dues)  # soonest due first (the world's own request is from March)


def test_an_extension_gives_three_months_from_receipt_within_the_first_month(client, world, urls):
    received = date.today() - timedelta(days=5)
    made = _record(client, world, urls, received)
    url = f"{urls['all']}/{made.json['id']}/extend"
    auth = world.a.auth("admin")
    missing = client.post(url, json={"reason": "Complex: records in three services"}, headers=auth)
    assert missing.status_code == 428
    extended = client.post(
        url,
        json={"reason": "Complex: records in three services"},
        headers={**auth, "If-Match": made.headers["ETag"]},
    )
    assert extended.status_code == 200, extended.json
    assert extended.json["extended_due_on"] == due_date(received, 3).isoformat()
    assert extended.json["due"] == extended.json["extended_due_on"]
    again = client.post(
        url,
        json={"reason": "Still complex"},
        headers={**auth, "If-Match": extended.headers["ETag"]},
    )
    assert again.status_code == 409
    assert "only once" in again.json["detail"]


def test_no_extension_after_the_first_month(client, world, urls):
    made = _record(client, world, urls, date.today() - timedelta(days=45))
    refused = client.post(
        f"{urls['all']}/{made.json['id']}/extend",
        json={"reason": "Complex"},
        headers={**world.a.auth("admin"), "If-Match": made.headers["ETag"]},
    )
    assert refused.status_code == 409
    assert "within the first month" in refused.json["detail"]


def test_recording_the_answer_closes_the_clock(client, world, urls, admin_engine):
    received = date.today() - timedelta(days=10)
    made = _record(client, world, urls, received)
    url = f"{urls['all']}/{made.json['id']}/answer"
    auth = {**world.a.auth("admin"), "If-Match": made.headers["ETag"]}
    too_early = client.post(
        url, json={"completed_on": (received - timedelta(days=1)).isoformat()}, headers=auth
    )
    assert too_early.status_code == 422
    assert "#/completed_on" in {e["pointer"] for e in too_early.json["errors"]}
    answered = client.post(url, json={}, headers=auth)
    assert answered.status_code == 200
    assert answered.json["status"] == "answered"
    assert answered.json["completed_on"] == date.today().isoformat()
    assert answered.json["days_left"] is None
    twice = client.post(url, json={}, headers={**auth, "If-Match": answered.headers["ETag"]})
    assert twice.status_code == 409
    stale = client.post(url, json={}, headers=auth)
    assert stale.status_code == 412
    open_ones = client.get(f"{urls['all']}?status=open", headers=world.a.auth("admin")).json
    assert made.json["id"] not in [r["id"] for r in open_ones]
    with admin_engine.connect() as conn:
        actions = conn.execute(
            sa.text(
                "SELECT action FROM audit_event WHERE tenant_id = :t AND action LIKE :a || '%' AND action NOT LIKE '%requests%'"
            ),
            {"t": world.a.tenant_id, "a": "client.subject_access_request"},
        ).scalars()
        assert sorted(actions) == [
            "client.subject_access_request",
            "client.subject_access_request.answer",
        ]


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({}, "#/received_on"),
        ({"received_on": "2999-01-01"}, "#/received_on"),
        ({"received_on": "2026-02-30"}, "#/received_on"),
        ({"received_on": "2026-02-01", "details": "x" * 2001}, "#/details"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_saves_nothing(
    client, world, urls, admin_engine, body, pointer
):
    response = client.post(urls["client"], json=body, headers=world.a.auth("admin"))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["pointer"] for e in response.json["errors"]] == [pointer]
    with admin_engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT count(*) FROM subject_access_request WHERE tenant_id = :t"),
            {"t": world.a.tenant_id},
        ).scalar_one()
        assert count == 1  # the world's own


def test_who_may_see_requests(client, world, urls):
    assert client.get(urls["all"], headers=world.a.auth("practitioner")).status_code == 403
    assert client.get(urls["all"], headers=world.a.auth("partner")).status_code == 403
    foreign = world.b.ids["subject_access_request"][0]
    missing = client.get(f"{urls['all']}/{foreign}", headers=world.a.auth("admin"))
    assert missing.status_code == 404


def test_the_subject_access_export_includes_the_requests(client, world, urls):
    made = _record(client, world, urls, date.today())
    export = client.get(urls["export"], headers=world.a.auth("admin")).json
    assert made.json["id"] in [r["id"] for r in export["subject_access_requests"]]
