"""Optimistic concurrency on every IPS update route: the GET gives an ETag (the row's id and
``updated_at``), an update without ``If-Match`` is 428, one with a stale ETag is 412 and changes
nothing, and a current one saves and answers the new ETag."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
BASE = "/api/v1/tenant-a/ips"

ANSWERS = {
    **dict.fromkeys(["listened", "quick_start", "benefits", "employers", "respect", "in_work"], 4),
    "helpful": 5,
}
#: (method, URL template, id kind in world.a.ids, a harmless change, the field it sets)
ROUTES = [
    ("patch", "referrals/{}", "ips_referral", {"referrer": "Dr Jones"}, "referrer"),
    ("put", "referrals/{}/profile", "ips_referral", {"goals": "Garden work"}, "goals"),
    ("patch", "employers/{}", "ips_employer", {"town": "Winchester"}, "town"),
    ("patch", "employer-contacts/{}", "ips_employer_contact", {"notes": "Rang back"}, "notes"),
    ("patch", "outcomes/{}", "ips_outcome", {"title": "Kitchen porter"}, "title"),
    ("patch", "support-contacts/{}", "ips_support_contact", {"notes": "Met at work"}, "notes"),
    ("patch", "retention-cases/{}", "ips_retention_case", {"risk": "New manager"}, "risk"),
    ("patch", "meetings/{}", "ips_joint_meeting", {"notes": "Agreed next steps"}, "notes"),
    ("patch", "meeting-actions/{}", "ips_joint_meeting_action", {"owner": "Sam"}, "owner"),
    ("patch", "fidelity-reviews/{}", "ips_fidelity_review", {"reviewers": "Ann"}, "reviewers"),
    ("patch", "fidelity-actions/{}", "ips_fidelity_action", {"owner": "Sam"}, "owner"),
    ("patch", "surveys/{}", "ips_survey", {"answers": ANSWERS, "comments": "Kind"}, "comments"),
]
IDS = [f"{method} {template}" for method, template, *_ in ROUTES]


def _url(world, template: str, kind: str) -> str:
    return f"{BASE}/{template.format(world.a.ids[kind][0])}"


@pytest.mark.parametrize(("method", "template", "kind", "change", "field"), ROUTES, ids=IDS)
def test_update_needs_the_current_etag(world, client, method, template, kind, change, field):
    auth = world.a.auth()
    url = _url(world, template, kind)
    send = getattr(client, method)
    read = client.get(url, headers=auth)
    assert read.status_code == 200, read.get_data(as_text=True)
    etag = read.headers["ETag"]
    assert client.get(url, headers=auth).headers["ETag"] == etag  # stable while unchanged

    missing = send(url, json=change, headers=auth)
    assert missing.status_code == 428 and missing.mimetype == PROBLEM
    stale = send(url, json=change, headers={**auth, "If-Match": '"not-the-current-one"'})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert client.get(url, headers=auth).json[field] != change[field]  # nothing saved

    saved = send(url, json=change, headers={**auth, "If-Match": etag})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.json[field] == change[field]
    assert saved.headers["ETag"] != etag
    assert client.get(url, headers=auth).headers["ETag"] == saved.headers["ETag"]

    again = send(url, json=change, headers={**auth, "If-Match": etag})  # the old read is stale
    assert again.status_code == 412


def test_the_first_profile_needs_no_etag(world, client):
    """PUT of a profile that does not exist yet creates it without If-Match."""
    auth = world.a.auth()
    body = {"source": "gp", "referred_on": "2026-03-02", "employment_status": "04"}
    created = client.post(
        f"{BASE}/clients/{world.a.ids['client'][1]}/referrals", json=body, headers=auth
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    url = f"{BASE}/referrals/{created.json['id']}/profile"
    first = client.put(url, json={"goals": "Retail"}, headers=auth)
    assert first.status_code == 200 and first.headers["ETag"]
    assert client.put(url, json={"goals": "Cafe"}, headers=auth).status_code == 428
