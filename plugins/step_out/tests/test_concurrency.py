"""Optimistic concurrency on Step Out's API: ETag on reads, If-Match required on changes."""

from __future__ import annotations

import pytest

API = "/api/v1/tenant-a/step-out"
PROBLEM = "application/problem+json"


def _urls(world) -> list[tuple[str, dict]]:
    return [
        (f"{API}/referrals/{world.a.ids['step_out_referral'][0]}", {"needs": "A ground floor"}),
        (f"{API}/actions/{world.a.ids['step_out_action'][0]}", {"outcome": "Band B"}),
        (f"{API}/offers/{world.a.ids['step_out_offer'][0]}", {"provider": "Quay Homes"}),
    ]


@pytest.mark.hazard("HAZ-005")
@pytest.mark.parametrize("which", [0, 1, 2], ids=["referral", "action", "offer"])
def test_if_match_is_required_and_must_be_current(world, client, which):
    url, change = _urls(world)[which]
    auth = world.a.auth()
    read = client.get(url, headers=auth)
    etag = read.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    missing = client.patch(url, json=change, headers=auth)
    assert missing.status_code == 428 and missing.mimetype == PROBLEM
    assert "If-Match" in missing.json["detail"]
    stale = client.patch(url, json=change, headers={**auth, "If-Match": '"someone-else"'})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert client.get(url, headers=auth).headers["ETag"] == etag  # nothing was written
    mine = client.patch(url, json=change, headers={**auth, "If-Match": etag})
    assert mine.status_code == 200, mine.get_data(as_text=True)
    assert mine.headers["ETag"] != etag
    assert client.get(url, headers=auth).headers["ETag"] == mine.headers["ETag"]
    # A colleague still holding the old ETag cannot overwrite the change.
    late = client.patch(url, json=change, headers={**auth, "If-Match": etag})
    assert late.status_code == 412


def test_creating_answers_the_etag_to_change_it_with(world, client):
    created = client.post(
        f"{API}/referrals",
        json={"client_id": str(world.a.ids["client"][1]), "ward": "Oak", "referrer": "Dr R"},
        headers=world.a.auth(),
    )
    assert created.status_code == 201
    changed = client.patch(
        f"{API}/referrals/{created.json['id']}",
        json={"ward": "Ash"},
        headers={**world.a.auth(), "If-Match": created.headers["ETag"]},
    )
    assert changed.status_code == 200 and changed.json["ward"] == "Ash"


def test_a_missing_or_other_tenants_row_is_404_before_if_match(world, client):
    other = world.b.ids["step_out_referral"][0]
    response = client.patch(f"{API}/referrals/{other}", json={}, headers=world.a.auth())
    assert response.status_code == 404
