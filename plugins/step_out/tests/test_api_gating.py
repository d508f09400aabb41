"""Gating (tenant C has no Step Out), partner need-to-know, bad input, delayed days."""

from __future__ import annotations

from datetime import date

from core.accounts import tokens
from core.clients.models import Consent, Share
from core.extensions import db
from core.tenancy.context import tenant_context
from tests.factories import make_membership, make_user
from tests.security.harness import sign_in, tenant_routes

PROBLEM = "application/problem+json"


def test_tenant_without_step_out_gets_404_everywhere(app, world, client):
    routes = [r for r in tenant_routes(app) if "/step-out" in r.rule]
    assert routes
    for route in routes:
        values = {slot: str(world.c.ids["client"][0]) for slot in route.id_slots}
        for method in route.methods:
            headers = world.c.auth() if route.is_api else {}
            if not route.is_api:
                sign_in(client, world.c.emails["admin"])
            response = client.open(route.url("tenant-c", values), method=method, headers=headers)
            assert response.status_code == 404, (method, route.rule)
    page = client.get("/tenant-c/clients/" + str(world.c.ids["client"][0]))
    assert "Step Out" not in page.get_data(as_text=True)
    assert "Step Out" not in client.get("/tenant-c/").get_data(as_text=True)


def test_nav_and_panel_for_tenant_with_step_out(app, world, client):
    sign_in(client, world.a.emails["admin"])
    assert "Step Out" in client.get("/tenant-a/").get_data(as_text=True)
    page = client.get("/tenant-a/clients/" + str(world.a.ids["client"][0]))
    assert "Step Out housing" in page.get_data(as_text=True)
    assert client.get("/tenant-a/step-out/").status_code == 200


def test_bad_input_is_422_problem_with_pointers(world, client):
    body = {"client_id": str(world.a.ids["client"][0]), "ward": "", "accommodation_type": "77"}
    response = client.post("/api/v1/tenant-a/step-out/referrals", json=body, headers=world.a.auth())
    assert response.status_code == 422
    assert response.mimetype == PROBLEM
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert {"#/ward", "#/referrer", "#/accommodation_type"} <= pointers
    rule = client.post(
        "/api/v1/tenant-a/step-out/referrals",
        json={**body, "ward": "W", "referrer": "R", "accommodation_type": "12",
              "clinically_ready_date": "2026-03-10", "discharge_date": "2026-03-01"},
        headers=world.a.auth(),
    )  # fmt: skip
    assert rule.status_code == 422 and rule.mimetype == PROBLEM
    assert rule.json["errors"][0]["pointer"] == "#/discharge_date"


def test_delayed_days_through_the_api(world, client):
    body = {
        "client_id": str(world.a.ids["client"][1]), "ward": "Oak", "referrer": "Dr R",
        "clinically_ready_date": "2026-03-01", "discharge_date": "2026-03-15",
    }  # fmt: skip
    created = client.post("/api/v1/tenant-a/step-out/referrals", json=body, headers=world.a.auth())
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.json["delayed_days"] == 14
    referral_id = created.json["id"]
    moved = client.patch(
        f"/api/v1/tenant-a/step-out/referrals/{referral_id}",
        json={"move_in_date": "2026-03-15"},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert moved.status_code == 200 and moved.json["status"] == "housed"
    reviews = client.get(
        f"/api/v1/tenant-a/step-out/referrals/{referral_id}/reviews", headers=world.a.auth()
    )
    assert [(r["months"], r["due_on"]) for r in reviews.json] == [
        (1, "2026-04-15"), (3, "2026-06-15"), (6, "2026-09-15"), (12, "2027-03-15"),
    ]  # fmt: skip


def test_housing_partner_sees_only_shared_clients(app, world, client):
    shared, unshared = world.a.ids["client"]
    with app.app_context():
        user_id = make_user("housing@tenant-a.example", "Housing Partner")
        with tenant_context(world.a.tenant_id):
            from core.accounts.models import Organisation

            org = Organisation(key="homes", name="Homes HA", kind="housing_provider", partner=True)
            db.session.add(org)
            db.session.flush()
            member = make_membership(user_id, org.id, ["housing_provider_partner"])
            consent = Consent(
                client_id=shared, purpose="housing_referral", given_on=date(2026, 1, 5),
                method="verbal", recorded_by_membership_id=world.a.memberships["practitioner"],
            )  # fmt: skip
            db.session.add(consent)
            db.session.flush()
            db.session.add(
                Share(
                    client_id=shared, organisation_id=org.id, consent_id=consent.id,
                    purpose="housing_referral",
                    created_by_membership_id=world.a.memberships["practitioner"],
                )
            )  # fmt: skip
            _token, secret = tokens.issue(member, "housing", 1)
            db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    base = "/api/v1/tenant-a/step-out"
    listed = client.get(f"{base}/referrals", headers=headers)
    assert listed.status_code == 200
    assert {r["client_id"] for r in listed.json} == {str(shared)}
    assert (
        client.get(f"{base}/clients/{unshared}/crisis-events", headers=headers).status_code == 404
    )
    assert client.get(f"{base}/clients/{shared}/crisis-events", headers=headers).status_code == 200
    refused = client.post(
        f"{base}/referrals",
        json={"client_id": str(unshared), "ward": "W", "referrer": "R"},
        headers=headers,
    )
    # Unknown and not shared answer alike: the body's client_id is refused, nothing is told.
    assert refused.status_code == 422
    assert [(e["pointer"], e["detail"]) for e in refused.json["errors"]] == [
        ("#/client_id", "Choose a client you can see.")
    ]
    # Only the Step Out parts: no core client record, no reports.
    assert client.get(f"/api/v1/tenant-a/clients/{shared}", headers=headers).status_code == 403
    assert client.get(f"{base}/outcomes", headers=headers).status_code == 403
