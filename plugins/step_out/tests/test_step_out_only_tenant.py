"""A tenant running only Step Out: the journey end to end, nothing of any other plugin, and the
housing provider partner's need-to-know."""

from __future__ import annotations

import pytest

from plugins.step_out.tests.housing_tenant import build_housing_tenant
from tests.security.harness import sign_in, tenant_routes

#: What other plugins would put on a page (nav labels, panel titles, report keys).
OTHER_PLUGINS = ("IPS", "Canary", "ips-", "canary")


@pytest.fixture
def harbour(app, world):
    """Built next to the factories' world, whose tenants A and B run other plugins too."""
    return build_housing_tenant(app)


def _other_plugin_routes(app) -> list:
    """Tenant routes whose view belongs to a plugin other than Step Out."""
    routes = []
    for route in tenant_routes(app):
        blueprint = route.endpoint.split(".")[0]
        module = app.blueprints[blueprint].import_name if blueprint in app.blueprints else ""
        if module.startswith(("plugins.", "tests.plugins.")) and not module.startswith(
            "plugins.step_out"
        ):
            routes.append(route)
    return routes


def test_every_route_of_another_plugin_is_404_there(app, client, harbour):
    routes = _other_plugin_routes(app)
    assert any("/ips" in r.rule for r in routes) and any("canary" in r.rule for r in routes)
    sign_in(client, harbour.emails["leader"])
    for route in routes:
        values = {slot: harbour.clients["Sam Tide"] for slot in route.id_slots}
        for method in route.methods:
            headers = harbour.auth("leader") if route.is_api else {}
            response = client.open(route.url(harbour.slug, values), method=method, headers=headers)
            assert response.status_code == 404, (method, route.rule)


def test_pages_show_step_out_and_nothing_of_other_plugins(app, client, harbour):
    sign_in(client, harbour.emails["leader"])
    home = client.get(f"/{harbour.slug}/").get_data(as_text=True)
    assert "Step Out" in home
    record = client.get(f"/{harbour.slug}/clients/{harbour.clients['Sam Tide']}")
    assert record.status_code == 200
    assert "Step Out housing" in record.get_data(as_text=True)
    reports = client.get(f"/{harbour.slug}/reports/").get_data(as_text=True)
    assert "step-out-crisis" in reports
    listed = client.get(f"/api/v1/{harbour.slug}/reports", headers=harbour.auth("leader"))
    keys = {r["key"] for r in listed.json}
    assert "step-out-crisis" in keys and not any(k.startswith(("ips", "canary")) for k in keys)
    for text in (home, record.get_data(as_text=True), reports):
        for word in OTHER_PLUGINS:
            assert word not in text, word


def test_the_journey_end_to_end_through_the_api(app, client, harbour):
    api = f"/api/v1/{harbour.slug}/step-out"
    auth = harbour.auth("worker")
    sam = harbour.clients["Sam Tide"]
    referral = client.post(
        f"{api}/referrals",
        json={"client_id": sam, "ward": "Willow ward", "referrer": "Dr Ade",
              "referred_on": "2026-01-05", "admission_date": "2025-12-20",
              "clinically_ready_date": "2026-01-20", "accommodation_type": "14",
              "needs": "Ground floor", "risks": "None known"},
        headers=auth,
    )  # fmt: skip
    assert referral.status_code == 201, referral.get_data(as_text=True)
    rid = referral.json["id"]
    action = client.post(
        f"{api}/referrals/{rid}/actions",
        json={"application_type": "housing_association", "provider": "Quay Homes",
              "action_date": "2026-01-08"},
        headers=auth,
    )  # fmt: skip
    assert action.status_code == 201
    assert client.get(f"{api}/referrals/{rid}", headers=auth).json["status"] == "searching"
    offer = client.post(
        f"{api}/referrals/{rid}/offers",
        json={"property_description": "One-bed flat", "provider": "Quay Homes",
              "tenure": "social_rent", "weekly_rent": 98.4, "offered_on": "2026-01-25"},
        headers=auth,
    )  # fmt: skip
    assert offer.status_code == 201 and offer.json["decision"] == "pending"
    decided = client.patch(
        f"/api/v1/{harbour.slug}/step-out/offers/{offer.json['id']}",
        json={"decision": "accepted"},
        headers={**auth, "If-Match": "*"},
    )
    assert decided.json["decision"] == "accepted"
    moved = client.patch(
        f"{api}/referrals/{rid}",
        json={"move_in_date": "2026-02-03", "discharge_date": "2026-02-03"},
        headers={**auth, "If-Match": "*"},
    )
    assert (moved.json["status"], moved.json["delayed_days"]) == ("housed", 14)
    reviews = client.get(f"{api}/referrals/{rid}/reviews", headers=auth).json
    assert [(r["months"], r["due_on"]) for r in reviews] == [
        (1, "2026-03-03"), (3, "2026-05-03"), (6, "2026-08-03"), (12, "2027-02-03"),
    ]  # fmt: skip


def test_the_provider_sees_only_the_shared_clients_step_out_parts(app, client, harbour):
    api = f"/api/v1/{harbour.slug}/step-out"
    for name in ("Sam Tide", "Jo Shore"):
        created = client.post(
            f"{api}/referrals",
            json={"client_id": harbour.clients[name], "ward": "Oak", "referrer": "Dr R",
                  "referred_on": "2026-01-05"},
            headers=harbour.auth("worker"),
        )  # fmt: skip
        assert created.status_code == 201
    provider = harbour.auth("provider")
    listed = client.get(f"{api}/referrals", headers=provider).json
    assert [r["client_id"] for r in listed] == [harbour.clients["Sam Tide"]]
    hidden = client.get(f"{api}/referrals", headers=harbour.auth("worker")).json
    jo_referral = next(r["id"] for r in hidden if r["client_id"] == harbour.clients["Jo Shore"])
    assert client.get(f"{api}/referrals/{jo_referral}", headers=provider).status_code == 404
    assert client.get(f"{api}/referrals/{jo_referral}/offers", headers=provider).status_code == 404
    sam = harbour.clients["Sam Tide"]
    assert client.get(f"/api/v1/{harbour.slug}/clients/{sam}", headers=provider).status_code == 403
    # The pages: the caseload and the shared referral, without a link to the core record.
    sign_in(client, harbour.emails["provider"])
    caseload = client.get(f"/{harbour.slug}/step-out/").get_data(as_text=True)
    assert "Sam Tide" in caseload and "Jo Shore" not in caseload
    assert "crisis-imports" not in caseload
    sam_referral = listed[0]["id"]
    page = client.get(f"/{harbour.slug}/step-out/referrals/{sam_referral}")
    assert page.status_code == 200
    assert f'/{harbour.slug}/clients/{sam}"' not in page.get_data(as_text=True)
    assert client.get(f"/{harbour.slug}/step-out/referrals/{jo_referral}").status_code == 404
    assert client.get(f"/{harbour.slug}/step-out/crisis-imports/new").status_code == 403
