"""Changing actions and deciding offers (API and pages), re-referral, and the audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from tests.security.harness import sign_in

API = "/api/v1/tenant-a/step-out"
PROBLEM = "application/problem+json"


def _row(admin_engine, table: str, row_id) -> dict:
    with admin_engine.connect() as conn:
        return dict(
            conn.execute(sa.text(f"SELECT * FROM {table} WHERE id = :i"), {"i": row_id})
            .mappings()
            .one()
        )


def _audit(admin_engine, tenant_id, action: str) -> list[dict]:
    with admin_engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                sa.text(
                    "SELECT object_type, object_id, details, actor_label FROM audit_event "
                    "WHERE tenant_id = :t AND action = :a ORDER BY at"
                ),
                {"t": tenant_id, "a": action},
            ).mappings()
        ]


def test_change_an_actions_outcome_through_the_api(app, world, client, admin_engine):
    action_id = world.a.ids["step_out_action"][0]
    changed = client.patch(
        f"{API}/actions/{action_id}",
        json={"outcome": "Accepted on to the register, band B"},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    assert changed.json["outcome"] == "Accepted on to the register, band B"
    assert _row(admin_engine, "step_out_action", action_id)["outcome"].endswith("band B")
    events = _audit(admin_engine, world.a.tenant_id, "step_out.action.update")
    assert [(e["object_id"], e["details"]["fields"]) for e in events] == [
        (str(action_id), ["outcome"])
    ]
    assert events[0]["actor_label"] == world.a.emails["admin"]
    # A date before the referral (5 Jan 2026) is refused whole: the outcome sent with it is not
    # written either.
    refused = client.patch(
        f"{API}/actions/{action_id}",
        json={"outcome": "Refused", "action_date": "2025-12-31"},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert refused.json["errors"][0]["pointer"] == "#/action_date"
    assert _row(admin_engine, "step_out_action", action_id)["outcome"].endswith("band B")
    bad = client.patch(
        f"{API}/actions/{action_id}",
        json={"application_type": "castle"},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert bad.status_code == 422
    assert bad.json["errors"][0]["pointer"] == "#/application_type"


def test_deciding_an_offer_needs_a_reason_when_declined(app, world, client, admin_engine):
    offer_id = world.a.ids["step_out_offer"][0]
    url = f"{API}/offers/{offer_id}"
    refused = client.patch(
        url, json={"decision": "declined"}, headers={**world.a.auth(), "If-Match": "*"}
    )
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert [e["pointer"] for e in refused.json["errors"]] == ["#/decline_reason"]
    blank = client.patch(
        url,
        json={"decision": "declined", "decline_reason": "   "},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert blank.status_code == 422
    assert _row(admin_engine, "step_out_offer", offer_id)["decision"] == "accepted"
    declined = client.patch(
        url,
        json={"decision": "declined", "decline_reason": "Too far from family"},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert declined.status_code == 200
    assert (declined.json["decision"], declined.json["decline_reason"]) == (
        "declined",
        "Too far from family",
    )
    # Accepting again drops the old reason: only a declined offer has one.
    accepted = client.patch(
        url, json={"decision": "accepted"}, headers={**world.a.auth(), "If-Match": "*"}
    )
    assert accepted.status_code == 200 and accepted.json["decline_reason"] is None
    row = _row(admin_engine, "step_out_offer", offer_id)
    assert (row["decision"], row["decline_reason"]) == ("accepted", None)
    decisions = [
        e["details"]["decision"]
        for e in _audit(admin_engine, world.a.tenant_id, "step_out.offer.update")
    ]
    assert decisions == ["declined", "accepted"]
    unknown = client.patch(
        url, json={"decision": "maybe"}, headers={**world.a.auth(), "If-Match": "*"}
    )
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["pointer"] == "#/decision"


def test_a_new_offer_declined_without_a_reason_is_not_written(app, world, client, admin_engine):
    referral_id = world.a.ids["step_out_referral"][0]
    body = {
        "property_description": "Studio flat",
        "provider": "Quay Homes",
        "tenure": "private_rent",
        "weekly_rent": 150.5,
        "offered_on": "2026-01-20",
        "decision": "declined",
    }
    refused = client.post(
        f"{API}/referrals/{referral_id}/offers", json=body, headers=world.a.auth()
    )
    assert refused.status_code == 422
    with admin_engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT count(*) FROM step_out_offer WHERE referral_id = :r"),
            {"r": referral_id},
        ).scalar()
    assert count == 1
    created = client.post(
        f"{API}/referrals/{referral_id}/offers",
        json={**body, "decline_reason": "Stairs"},
        headers=world.a.auth(),
    )
    assert created.status_code == 201
    assert [
        e["object_id"] for e in _audit(admin_engine, world.a.tenant_id, "step_out.offer.create")
    ] == [created.json["id"]]


def test_reads_of_one_clients_details_are_audited(app, world, client, admin_engine):
    referral_id = world.a.ids["step_out_referral"][0]
    client_id = world.a.ids["client"][0]
    for path in (
        f"referrals/{referral_id}",
        f"referrals/{referral_id}/actions",
        f"offers/{world.a.ids['step_out_offer'][0]}",
        f"clients/{client_id}/crisis-events",
    ):
        assert client.get(f"{API}/{path}", headers=world.a.auth()).status_code == 200
    reads = _audit(admin_engine, world.a.tenant_id, "step_out.referral.read")
    assert [e["details"]["part"] for e in reads] == ["referral", "actions", "offers"]
    assert {e["details"]["client_id"] for e in reads} == {str(client_id)}
    assert len(_audit(admin_engine, world.a.tenant_id, "step_out.crisis_event.read")) == 1
    # The caseload lists referrals; it is not one client's details.
    client.get(f"{API}/referrals", headers=world.a.auth())
    assert len(_audit(admin_engine, world.a.tenant_id, "step_out.referral.read")) == 3


def test_writes_leave_audit_events(app, world, client, admin_engine):
    client_id = str(world.a.ids["client"][1])
    created = client.post(
        f"{API}/referrals",
        json={
            "client_id": client_id,
            "ward": "Oak",
            "referrer": "Dr R",
            "referred_on": "2026-01-15",
        },
        headers=world.a.auth(),
    )
    referral_id = created.json["id"]
    client.patch(
        f"{API}/referrals/{referral_id}",
        json={"move_in_date": "2026-03-01"},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    client.post(
        f"{API}/referrals/{referral_id}/actions",
        json={
            "application_type": "housing_register",
            "provider": "Council",
            "action_date": "2026-03-01",
        },
        headers=world.a.auth(),
    )
    review = client.get(f"{API}/referrals/{referral_id}/reviews", headers=world.a.auth()).json[0]
    client.post(
        f"{API}/reviews/{review['id']}/complete",
        json={"completed_on": "2026-04-01"},
        headers=world.a.auth(),
    )
    client.post(
        f"{API}/clients/{client_id}/crisis-events",
        json={"kind": "crisis_contact", "occurred_on": "2026-02-02"},
        headers=world.a.auth(),
    )
    for action in (
        "referral.create", "referral.update", "action.create", "review.complete",
        "crisis_event.create",
    ):  # fmt: skip
        events = _audit(admin_engine, world.a.tenant_id, f"step_out.{action}")
        # The test world's own seed wrote client 0's; these are client 1's.
        assert [e["details"]["client_id"] for e in events].count(client_id) == 1, action
    update = _audit(admin_engine, world.a.tenant_id, "step_out.referral.update")[-1]
    assert update["details"]["fields"] == ["move_in_date"]


def test_pages_change_an_action_and_decide_an_offer(app, world, client, admin_engine):
    sign_in(client, world.a.emails["admin"])
    referral_id = world.a.ids["step_out_referral"][0]
    action_id = world.a.ids["step_out_action"][0]
    offer_id = world.a.ids["step_out_offer"][0]
    page = client.get(f"/tenant-a/step-out/referrals/{referral_id}").get_data(as_text=True)
    for href in (
        f"/tenant-a/step-out/actions/{action_id}/edit",
        f"/tenant-a/step-out/offers/{offer_id}/decide",
        f"/tenant-a/step-out/referrals/{referral_id}/actions/new",
        f"/tenant-a/step-out/referrals/{referral_id}/offers/new",
    ):
        assert href in page, href
    assert "Delayed days" in page and "12" in page  # ready 20 Jan, discharged 1 Feb
    form = client.get(f"/tenant-a/step-out/actions/{action_id}/edit").get_data(as_text=True)
    assert 'value="Council"' in form
    saved = client.post(
        f"/tenant-a/step-out/actions/{action_id}/edit",
        data={"application_type": "housing_register", "provider": "Council",
              "action_date": "2026-01-10", "outcome": "Band B"},
    )  # fmt: skip
    assert saved.status_code == 302
    assert _row(admin_engine, "step_out_action", action_id)["outcome"] == "Band B"
    refused = client.post(
        f"/tenant-a/step-out/offers/{offer_id}/decide", data={"decision": "declined"}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "There is a problem" in text and "Say why the offer was declined." in text
    assert 'href="#decline_reason"' in text
    assert _row(admin_engine, "step_out_offer", offer_id)["decision"] == "accepted"
    decided = client.post(
        f"/tenant-a/step-out/offers/{offer_id}/decide",
        data={"decision": "declined", "decline_reason": "No lift"},
    )
    assert decided.status_code == 302
    assert _row(admin_engine, "step_out_offer", offer_id)["decline_reason"] == "No lift"
    new_action = client.post(
        f"/tenant-a/step-out/referrals/{referral_id}/actions/new",
        data={"application_type": "", "provider": "", "action_date": ""},
    ).get_data(as_text=True)
    assert "Choose the type of application." in new_action
    assert "Enter the council or provider." in new_action


def test_a_former_client_can_be_referred_again(app, world, client, admin_engine):
    referral_id = world.a.ids["step_out_referral"][0]
    ended = client.patch(
        f"{API}/referrals/{referral_id}",
        json={"tenancy_end_date": "2026-05-01", "tenancy_end_planned": False,
              "tenancy_end_reason": "Rent arrears", "status": "closed"},
        headers={**world.a.auth(), "If-Match": "*"},
    )  # fmt: skip
    assert ended.status_code == 200 and ended.json["status"] == "closed"
    again = client.post(
        f"{API}/referrals",
        json={"client_id": str(world.a.ids["client"][0]), "ward": "Beech", "referrer": "Dr K",
              "referred_on": "2026-06-01"},
        headers=world.a.auth(),
    )  # fmt: skip
    assert again.status_code == 201 and again.json["status"] == "referred"
    sign_in(client, world.a.emails["admin"])
    # The closed referral no longer offers "Refer again": the new referral is open.
    page = client.get(f"/tenant-a/step-out/referrals/{referral_id}").get_data(as_text=True)
    assert f"/tenant-a/step-out/clients/{world.a.ids['client'][0]}/refer" not in page
