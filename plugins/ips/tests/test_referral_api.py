"""The referral journey through the API: refer, accept, job search, in work, close, refer again;
one open episode per client; 422 per field with nothing saved; profile and benefits advice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from plugins.ips.tests.etags import fresh

PROBLEM = "application/problem+json"
BASE = "/api/v1/tenant-a/ips"


def _count(admin_engine, table: str, tenant_id) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
            {"t": tenant_id},
        ).scalar_one()


def _refer(client, world, **extra):
    body = {
        "source": "gp",
        "referrer": "Dr Patel",
        "referred_on": "2026-03-02",
        "employment_status": "04",
        **extra,
    }
    url = f"{BASE}/clients/{world.a.ids['client'][1]}/referrals"
    return client.post(url, json=body, headers=world.a.auth())


def _pointers(response) -> set[str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return {e["pointer"] for e in response.json["errors"]}


def test_the_whole_journey_and_a_re_referral(world, client):
    auth = world.a.auth()
    specialist = str(world.a.memberships["practitioner"])
    created = _refer(client, world)
    assert created.status_code == 201, created.get_data(as_text=True)
    first = created.json
    assert first["status"] == "referred" and first["previous_referral_id"] is None
    assert first["accepted_on"] is None and first["closed_on"] is None  # no end date forced
    rid = first["id"]

    accepted = client.post(
        f"{BASE}/referrals/{rid}/accept",
        json={"accepted_on": "2026-03-04", "specialist_id": specialist},
        headers=auth,
    )
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    assert accepted.json["status"] == "accepted"
    assert accepted.json["specialist_id"] == specialist
    for stage in ("job_search", "in_work", "job_search"):
        moved = client.post(f"{BASE}/referrals/{rid}/status", json={"status": stage}, headers=auth)
        assert moved.status_code == 200 and moved.json["status"] == stage
    closed = client.post(
        f"{BASE}/referrals/{rid}/close",
        json={"closed_on": "2026-06-30", "close_reason": "moved_away"},
        headers=auth,
    )
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["close_reason"] == "moved_away"

    again = _refer(client, world, referred_on="2026-09-01", source="self")
    assert again.status_code == 201
    assert again.json["previous_referral_id"] == rid
    assert again.json["status"] == "referred"
    episodes = client.get(f"{BASE}/clients/{world.a.ids['client'][1]}/referrals", headers=auth)
    assert [e["id"] for e in episodes.json] == [again.json["id"], rid]


@pytest.mark.hazard("HAZ-010")
def test_a_second_open_episode_is_refused_and_points_at_the_open_one(world, client, admin_engine):
    first = _refer(client, world)
    assert first.status_code == 201
    before = _count(admin_engine, "ips_referral", world.a.tenant_id)
    second = _refer(client, world, referred_on="2026-03-05")
    assert second.status_code == 409
    assert second.mimetype == PROBLEM
    assert first.json["id"] in second.json["detail"]
    assert _count(admin_engine, "ips_referral", world.a.tenant_id) == before
    # The world's client already has an open (in work) episode.
    seeded = client.post(
        f"{BASE}/clients/{world.a.ids['client'][0]}/referrals",
        json={"source": "gp", "referred_on": "2026-03-01"},
        headers=world.a.auth(),
    )
    assert seeded.status_code == 409
    assert str(world.a.ids["ips_referral"][0]) in seeded.json["detail"]


def test_bad_input_is_422_per_field_and_nothing_is_saved(world, client, admin_engine):
    before = _count(admin_engine, "ips_referral", world.a.tenant_id)
    shape = client.post(
        f"{BASE}/clients/{world.a.ids['client'][1]}/referrals",
        json={"source": "nonsense", "employment_status": "77"},
        headers=world.a.auth(),
    )
    assert _pointers(shape) == {"#/source", "#/employment_status", "#/referred_on"}
    future = (date.today() + timedelta(days=3)).isoformat()
    rules = _refer(
        client, world, referred_on=future, specialist_id=str(world.a.memberships["partner"])
    )
    assert _pointers(rules) == {"#/referred_on", "#/specialist_id"}
    assert _count(admin_engine, "ips_referral", world.a.tenant_id) == before


def test_transitions_and_dates_are_checked(world, client):
    auth = world.a.auth()
    rid = _refer(client, world).json["id"]
    early = client.post(
        f"{BASE}/referrals/{rid}/accept", json={"accepted_on": "2026-03-01"}, headers=auth
    )
    assert _pointers(early) == {"#/accepted_on", "#/specialist_id"}
    not_yet = client.post(
        f"{BASE}/referrals/{rid}/status", json={"status": "in_work"}, headers=auth
    )
    assert _pointers(not_yet) == {"#/status"}
    no_reason = client.post(
        f"{BASE}/referrals/{rid}/close", json={"closed_on": "2026-02-01"}, headers=auth
    )
    assert _pointers(no_reason) == {"#/close_reason"}
    too_early = client.post(
        f"{BASE}/referrals/{rid}/close",
        json={"closed_on": "2026-02-01", "close_reason": "client_chose_to_stop"},
        headers=auth,
    )
    assert _pointers(too_early) == {"#/closed_on"}
    unchanged = client.get(f"{BASE}/referrals/{rid}", headers=auth).json
    assert unchanged["status"] == "referred" and unchanged["closed_on"] is None
    # There is no "rejected" or "not ready" status to move to.
    rejected = client.post(
        f"{BASE}/referrals/{rid}/status", json={"status": "rejected"}, headers=auth
    )
    assert _pointers(rejected) == {"#/status"}


def test_reassigning_the_specialist(world, client):
    auth = world.a.auth()
    seeded = world.a.ids["ips_referral"][0]
    admin = str(world.a.memberships["admin"])
    partner = str(world.a.memberships["partner"])
    url = f"{BASE}/referrals/{seeded}"
    refused = client.patch(url, json={"specialist_id": partner}, headers=fresh(client, url, auth))
    assert _pointers(refused) == {"#/specialist_id"}  # not an employment specialist
    moved = client.patch(url, json={"specialist_id": admin}, headers=fresh(client, url, auth))
    assert moved.status_code == 200 and moved.json["specialist_id"] == admin
    removed = client.patch(url, json={"specialist_id": None}, headers=fresh(client, url, auth))
    assert _pointers(removed) == {"#/specialist_id"}
    later = client.patch(url, json={"referred_on": "2026-01-09"}, headers=fresh(client, url, auth))
    assert _pointers(later) == {"#/accepted_on"}  # accepted 8 January, before the new date


def test_profile_and_benefits_advice(world, client):
    auth = world.a.auth()
    rid = _refer(client, world).json["id"]
    assert client.get(f"{BASE}/referrals/{rid}/profile", headers=auth).status_code == 404
    saved = client.put(
        f"{BASE}/referrals/{rid}/profile",
        json={"goals": "Gardening work", "barriers": "Early mornings", "review_on": "2026-05-01"},
        headers=auth,
    )
    assert saved.status_code == 200, saved.get_data(as_text=True)
    read = client.get(f"{BASE}/referrals/{rid}/profile", headers=auth).json
    assert read["goals"] == "Gardening work" and read["review_on"] == "2026-05-01"
    advice = client.post(
        f"{BASE}/referrals/{rid}/benefits-advice",
        json={"given_on": "2026-03-10", "given_by": "Welfare rights", "better_off_weekly": "42.5",
              "hours_per_week": 16},
        headers=auth,
    )  # fmt: skip
    assert advice.status_code == 201, advice.get_data(as_text=True)
    listed = client.get(f"{BASE}/referrals/{rid}/benefits-advice", headers=auth).json
    assert [(a["better_off_weekly"], a["hours_per_week"]) for a in listed] == [("42.50", "16.0")]
    bad = client.post(
        f"{BASE}/referrals/{rid}/benefits-advice",
        json={"given_on": "2026-03-10", "given_by": "", "hours_per_week": 200},
        headers=auth,
    )
    assert _pointers(bad) == {"#/given_by", "#/hours_per_week"}


def test_writes_and_reads_of_one_client_are_audited(world, client, admin_engine):
    rid = _refer(client, world).json["id"]
    client.get(f"{BASE}/referrals/{rid}", headers=world.a.auth())
    client.put(f"{BASE}/referrals/{rid}/profile", json={"goals": "x"}, headers=world.a.auth())
    with admin_engine.connect() as conn:
        actions = set(
            conn.execute(
                sa.text("SELECT action FROM audit_event WHERE object_id = :id"), {"id": rid}
            ).scalars()
        )
    assert {"ips.referral.create", "ips.referral.read"} <= actions
    with admin_engine.connect() as conn:
        profile_actions = set(
            conn.execute(
                sa.text(
                    "SELECT action FROM audit_event WHERE object_type = 'ips_vocational_profile'"
                    " AND tenant_id = :t"
                ),
                {"t": world.a.tenant_id},
            ).scalars()
        )
    assert "ips.profile.create" in profile_actions
