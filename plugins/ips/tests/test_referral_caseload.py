"""Caseload counting (accepted, job search and in work count; waiting and closed do not), the
tenant's cap with its warning on the page and in the API, and the team leader's view."""

from __future__ import annotations

from core.extensions import db
from core.tenancy.models import Tenant
from tests.security.harness import sign_in

BASE = "/api/v1/tenant-a/ips"


def _set_cap(app, world, cap: int) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, world.a.tenant_id)
        tenant.plugins = {**tenant.plugins, "ips": {"caseload_cap": cap}}
        db.session.commit()


def _loads(client, world) -> dict[str, dict]:
    response = client.get(f"{BASE}/caseloads", headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    return {c["specialist_id"]: c for c in response.json["caseloads"]} | {
        "_cap": response.json["cap"], "_waiting": response.json["waiting"]
    }  # fmt: skip


def _refer_jo(client, world) -> str:
    url = f"{BASE}/clients/{world.a.ids['client'][1]}/referrals"
    body = {"source": "gp", "referred_on": "2026-03-02"}
    created = client.post(url, json=body, headers=world.a.auth())
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.json["id"]


def _accept(client, world, rid: str, specialist: str) -> None:
    accepted = client.post(
        f"{BASE}/referrals/{rid}/accept",
        json={"accepted_on": "2026-03-03", "specialist_id": specialist},
        headers=world.a.auth(),
    )
    assert accepted.status_code == 200, accepted.get_data(as_text=True)


def test_counting_active_clients(world, client):
    specialist = str(world.a.memberships["practitioner"])
    loads = _loads(client, world)
    assert loads["_cap"] == 20  # the default when the tenant sets none
    assert loads[specialist]["active"] == 1  # the world's client, in work
    assert loads[str(world.a.memberships["admin"])]["active"] == 0  # team leaders count too
    assert str(world.a.memberships["partner"]) not in loads
    rid = _refer_jo(client, world)
    waiting = _loads(client, world)
    assert waiting[specialist]["active"] == 1  # referred, not yet accepted: not counted
    assert [r["id"] for r in waiting["_waiting"]] == [rid]
    _accept(client, world, rid, specialist)
    client.post(f"{BASE}/referrals/{rid}/status", json={"status": "job_search"},
                headers=world.a.auth())  # fmt: skip
    assert _loads(client, world)[specialist]["active"] == 2
    client.post(f"{BASE}/referrals/{rid}/close",
                json={"closed_on": "2026-04-01", "close_reason": "client_chose_to_stop"},
                headers=world.a.auth())  # fmt: skip
    assert _loads(client, world)[specialist]["active"] == 1


def test_cap_warning_in_the_api_and_on_the_pages(app, world, client):
    specialist = str(world.a.memberships["practitioner"])
    sign_in(client, world.a.emails["admin"])
    page = client.get("/tenant-a/ips/").get_data(as_text=True)
    assert "Team caseloads" in page and "over the caseload cap" not in page
    _set_cap(app, world, 1)
    rid = _refer_jo(client, world)
    _accept(client, world, rid, specialist)
    loads = _loads(client, world)
    assert loads["_cap"] == 1
    assert loads[specialist]["active"] == 2 and loads[specialist]["over_cap"] is True
    assert loads[str(world.a.memberships["admin"])]["over_cap"] is False
    leader = client.get("/tenant-a/ips/").get_data(as_text=True)
    assert "1 specialist is over the caseload cap" in leader
    assert "nhsuk-card--warning" in leader
    opened = client.get(f"/tenant-a/ips/specialists/{specialist}")
    assert opened.status_code == 200
    assert "Sam Taylor" in opened.get_data(as_text=True)
    assert "Jo Unshared" in opened.get_data(as_text=True)
    specialist_browser = app.test_client()
    sign_in(specialist_browser, world.a.emails["practitioner"])
    own = specialist_browser.get("/tenant-a/ips/").get_data(as_text=True)
    assert "Your caseload is over the cap" in own
    assert "Team caseloads" not in own


def test_profiles_due_for_review_are_listed(world, client):
    sign_in(client, world.a.emails["practitioner"])
    page = client.get("/tenant-a/ips/").get_data(as_text=True)
    # The world's profile was due for review on 1 April 2026.
    assert "review was due 1 April 2026" in page
