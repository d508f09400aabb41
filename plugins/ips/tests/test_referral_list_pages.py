"""The referrals list comes a page at a time, like every other IPS list (issue: an API fuzz run
found it returned every referral of the caseload in one answer, growing without bound)."""

from __future__ import annotations

import json

BASE = "/api/v1/tenant-a/ips"


def _list(client, world, **query):
    response = client.get(f"{BASE}/referrals", query_string=query, headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json, json.loads(response.headers["X-Pagination"])


def _second_referral(client, world) -> str:
    created = client.post(
        f"{BASE}/clients/{world.a.ids['client'][1]}/referrals",
        json={"source": "gp", "referred_on": "2026-03-02"},
        headers=world.a.auth(),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.json["id"]


def test_referrals_come_a_page_at_a_time_with_the_totals(world, client):
    _second_referral(client, world)
    everything, whole = _list(client, world, page_size=100)
    assert whole["total"] == len(everything) >= 2
    first, header = _list(client, world, page_size=1)
    assert len(first) == 1 and header["total"] == len(everything) and header["page"] == 1
    second, _header = _list(client, world, page_size=1, page=2)
    assert [r["id"] for r in first + second] == [r["id"] for r in everything[:2]]


def test_the_default_page_is_25_and_the_status_filter_still_applies(world, client):
    new_id = _second_referral(client, world)
    default, header = _list(client, world)
    assert len(default) <= 25 and "page" in header
    referred, header = _list(client, world, status="referred", page_size=1)
    assert header["total"] >= 1 and all(r["status"] == "referred" for r in referred)
    everything, _whole = _list(client, world, page_size=100, status="referred")
    assert new_id in {r["id"] for r in everything}
    assert header["total"] == len(everything)


def test_a_page_past_the_last_possible_is_422(world, client):
    response = client.get(
        f"{BASE}/referrals",
        query_string={"page": "4840937250812019712", "page_size": 100},
        headers=world.a.auth(),
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/page"]
