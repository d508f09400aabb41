"""A client has at most one open Step Out referral (every status but ``closed`` is open)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from plugins.step_out.schemas import STATUSES
from plugins.step_out.services import OPEN_STATUSES
from tests.form_dates import post_form
from tests.security.harness import sign_in

API = "/api/v1/tenant-a/step-out"


def _referrals_of(admin_engine, client_id) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM step_out_referral WHERE client_id = :c"),
            {"c": client_id},
        ).scalar_one()


def test_open_means_not_closed():
    assert set(OPEN_STATUSES) == set(STATUSES) - {"closed"}


@pytest.mark.hazard("HAZ-010")
def test_a_second_open_referral_is_a_409_naming_the_open_one(world, client, admin_engine):
    client_id = world.a.ids["client"][1]
    body = {"client_id": str(client_id), "ward": "Oak", "referrer": "Dr R"}
    first = post_form(client, f"{API}/referrals", json=body, headers=world.a.auth())
    assert first.status_code == 201
    second = post_form(client, f"{API}/referrals", json=body, headers=world.a.auth())
    assert second.status_code == 409
    assert second.mimetype == "application/problem+json"
    assert first.json["id"] in second.json["detail"]
    assert "open Step Out referral" in second.json["detail"]
    assert _referrals_of(admin_engine, client_id) == 1
    listed = client.get(f"{API}/referrals", headers=world.a.auth()).json
    assert [r["client_id"] for r in listed].count(str(client_id)) == 1


@pytest.mark.hazard("HAZ-010")
def test_reopening_a_closed_referral_while_another_is_open_is_refused(world, client):
    referral_id = world.a.ids["step_out_referral"][0]
    headers = {**world.a.auth(), "If-Match": "*"}
    closed = client.patch(
        f"{API}/referrals/{referral_id}", json={"status": "closed"}, headers=headers
    )
    assert closed.status_code == 200
    again = post_form(
        client,
        f"{API}/referrals",
        json={"client_id": str(world.a.ids["client"][0]), "ward": "Oak", "referrer": "Dr R"},
        headers=world.a.auth(),
    )
    assert again.status_code == 201
    reopened = client.patch(
        f"{API}/referrals/{referral_id}", json={"status": "housed"}, headers=headers
    )
    assert reopened.status_code == 409 and again.json["id"] in reopened.json["detail"]


def test_the_pages_offer_refer_again_only_once_closed(world, client, admin_engine):
    sign_in(client, world.a.emails["admin"])
    client_id = world.a.ids["client"][0]
    referral_id = world.a.ids["step_out_referral"][0]
    refer_link = f"/tenant-a/step-out/clients/{client_id}/refer"
    page = client.get(f"/tenant-a/step-out/referrals/{referral_id}").get_data(as_text=True)
    assert refer_link not in page
    assert f"/tenant-a/step-out/referrals/{referral_id}/close" in page
    record = client.get(f"/tenant-a/clients/{client_id}").get_data(as_text=True)
    assert refer_link not in record and "Open Step Out referral" in record
    # Sent anyway: the error summary links to the open referral, nothing is saved.
    refused = post_form(
        client, refer_link, data={"ward": "Oak", "referrer": "Dr R", "referred_on": "2026-06-01"}
    ).get_data(as_text=True)
    assert "There is a problem" in refused
    assert "This client already has an open Step Out referral (referred 5 January 2026)" in refused
    assert f'href="/tenant-a/step-out/referrals/{referral_id}"' in refused
    assert _referrals_of(admin_engine, client_id) == 1
    # Close it (the tenancy ended, unplanned): now "Refer again" is offered.
    needs_answer = post_form(
        client,
        f"/tenant-a/step-out/referrals/{referral_id}/close",
        data={"tenancy_end_date": "2026-05-01"},
    ).get_data(as_text=True)
    assert "Say whether the tenancy end was planned." in needs_answer
    closed = post_form(client,
        f"/tenant-a/step-out/referrals/{referral_id}/close",
        data={"tenancy_end_date": "2026-05-01", "tenancy_end_planned": "no",
              "tenancy_end_reason": "Rent arrears"},
    )  # fmt: skip
    assert closed.status_code == 302
    page = client.get(f"/tenant-a/step-out/referrals/{referral_id}").get_data(as_text=True)
    assert refer_link in page and "(unplanned)" in page
    again = post_form(client,
        refer_link,
        data={"ward": "Oak", "referrer": "Dr R", "referred_on": "2026-06-01",
              "accommodation_type": "", "settled_indicator": ""},
    )  # fmt: skip
    assert again.status_code == 302, again.get_data(as_text=True)
    assert _referrals_of(admin_engine, client_id) == 2
