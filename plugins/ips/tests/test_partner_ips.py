"""Job Centre Plus need-to-know: an advisor of the organisation a client is shared with sees the
IPS summary only (status, source, dates, specialist, starts); a client not shared is 404; the
profile, barriers, wellness plan, benefits advice and notes never reach them; ending the share
ends access at once."""

from __future__ import annotations

from datetime import UTC, datetime

from core.accounts import tokens
from core.clients.models import Share
from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.referral_schemas import PARTNER_FIELDS
from tests.factories import make_membership, make_user
from tests.security.harness import sign_in

BASE = "/api/v1/tenant-a/ips"
#: Words of the world's vocational profile and benefits advice (tests/factories.py::_add_ips).
SECRETS = ("Anxiety in crowds", "Work in a cafe", "Welfare rights adviser", "85.50", "barriers")


def _summary(client, world, which: int = 0):
    client_id = world.a.ids["client"][which]
    return client.get(f"{BASE}/clients/{client_id}/summary", headers=world.a.auth("partner"))


def test_advisor_sees_the_summary_of_a_shared_client(world, client):
    response = _summary(client, world)
    assert response.status_code == 200, response.get_data(as_text=True)
    [episode] = response.json
    assert set(episode) == set(PARTNER_FIELDS)
    assert episode["status"] == "in_work" and episode["source"] == "job_centre_plus"
    assert episode["specialist_name"] == "Practitioner of tenant-a"
    assert episode["starts"] == [
        {"kind": "paid_job", "started_on": "2026-02-02", "ended_on": None, "hours_band": "02"}
    ]
    body = response.get_data(as_text=True)
    assert not [s for s in SECRETS if s in body]


def test_not_shared_is_404_and_staff_endpoints_are_closed(world, client):
    assert _summary(client, world, which=1).status_code == 404
    partner = world.a.auth("partner")
    referral = world.a.ids["ips_referral"][0]
    for url in (f"{BASE}/referrals", f"{BASE}/referrals/{referral}",
                f"{BASE}/referrals/{referral}/profile", f"{BASE}/caseloads",
                f"{BASE}/referrals/{referral}/benefits-advice"):  # fmt: skip
        assert client.get(url, headers=partner).status_code == 403, url


def test_partner_with_a_staff_role_still_gets_only_the_allowlist(app, world, client):
    """Even a misconfigured partner holding ips.read sees only the summary fields."""
    with app.app_context():
        user_id = make_user("coach@tenant-a.example", "Work Coach")
        with tenant_context(world.a.tenant_id):
            member = make_membership(
                user_id, world.a.ids["organisation"][1], ["jcp_advisor", "employment_specialist"]
            )
            _token, secret = tokens.issue(member, "coach", 1)
            db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    listed = client.get(f"{BASE}/referrals", headers=headers)
    assert listed.status_code == 200
    assert [set(r) <= set(PARTNER_FIELDS) for r in listed.json] == [True]
    assert "employment_status" not in listed.json[0] and "referrer" not in listed.json[0]


def test_summary_page_and_navigation_for_the_advisor(world, client):
    sign_in(client, world.a.emails["partner"])
    home = client.get("/tenant-a/").get_data(as_text=True)
    assert 'href="/tenant-a/ips/shared-clients"' in home
    listed = client.get("/tenant-a/ips/shared-clients").get_data(as_text=True)
    assert "Sam Taylor" in listed and "Jo Unshared" not in listed
    page = client.get(f"/tenant-a/ips/clients/{world.a.ids['client'][0]}/summary")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Practitioner of tenant-a" in text and "Paid job" in text
    assert not [s for s in SECRETS if s in text]
    assert (
        client.get(f"/tenant-a/ips/clients/{world.a.ids['client'][1]}/summary").status_code == 404
    )
    assert client.get("/tenant-a/ips/").status_code == 403
    referral = world.a.ids["ips_referral"][0]
    assert client.get(f"/tenant-a/ips/referrals/{referral}").status_code == 403


def test_ending_the_share_ends_access_at_once(app, world, client):
    assert _summary(client, world).status_code == 200
    sign_in(client, world.a.emails["partner"])
    page_url = f"/tenant-a/ips/clients/{world.a.ids['client'][0]}/summary"
    assert client.get(page_url).status_code == 200
    with app.app_context(), tenant_context(world.a.tenant_id):
        share = db.session.get(Share, world.a.ids["client_share"][0])
        share.ended_at = datetime.now(UTC)
        db.session.commit()
    assert _summary(client, world).status_code == 404
    assert client.get(page_url).status_code == 404
    assert "Sam Taylor" not in client.get("/tenant-a/ips/shared-clients").get_data(as_text=True)
