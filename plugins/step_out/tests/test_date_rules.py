"""Dates that record something that happened are not in the future; the journey runs in order;
every broken rule is reported in one answer (API 422 per field, page error summary)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from plugins.step_out.date_rules import referral_errors, uk_day
from tests.form_dates import post_form
from tests.security.harness import sign_in

API = "/api/v1/tenant-a/step-out"
PROBLEM = "application/problem+json"
TOMORROW = date.today() + timedelta(days=1)
HAPPENED = (
    "referred_on", "admission_date", "clinically_ready_date", "assessment_date", "move_in_date",
    "discharge_date", "tenancy_end_date",
)  # fmt: skip


def _problems(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    return {e["pointer"]: e["detail"] for e in response.json["errors"]}


def _count(admin_engine, table: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_rules_collect_every_broken_date():
    later = date(2026, 3, 1)
    errors = referral_errors(
        {"referred_on": date(2026, 2, 1), "admission_date": later, "move_in_date": TOMORROW,
         "tenancy_end_date": date(2026, 1, 1)}
    )  # fmt: skip
    assert errors == {
        "admission_date": "The admission date must be on or before the referral date "
        "(1 February 2026).",
        "move_in_date": "The move-in date must be today or in the past.",
        "tenancy_end_planned": "Say whether the tenancy end was planned.",
    }  # a future move-in is not compared with the tenancy end
    assert uk_day(date(2026, 3, 1)) == "1 March 2026"


def test_a_referral_with_future_dates_is_refused_whole(world, client, admin_engine):
    before = _count(admin_engine, "step_out_referral")
    body = {"client_id": str(world.a.ids["client"][1]), "ward": "", "referrer": "Dr R"}
    body |= {name: TOMORROW.isoformat() for name in HAPPENED}
    body["tenancy_end_planned"] = True
    problems = _problems(post_form(client, f"{API}/referrals", json=body, headers=world.a.auth()))
    # One answer: the field error (ward) and every future date together.
    assert problems["#/ward"]
    for name in HAPPENED:
        assert problems[f"#/{name}"].endswith("must be today or in the past."), name
    assert _count(admin_engine, "step_out_referral") == before


def test_admission_after_the_referral_is_refused(world, client):
    body = {"client_id": str(world.a.ids["client"][1]), "ward": "Oak", "referrer": "Dr R",
            "referred_on": "2026-02-01", "admission_date": "2026-02-02"}  # fmt: skip
    problems = _problems(post_form(client, f"{API}/referrals", json=body, headers=world.a.auth()))
    assert problems == {
        "#/admission_date": "The admission date must be on or before the referral date "
        "(1 February 2026)."
    }


def test_future_dates_in_changes_actions_offers_and_reviews(world, client, admin_engine):
    referral_id = world.a.ids["step_out_referral"][0]
    headers = {**world.a.auth(), "If-Match": "*"}
    future = TOMORROW.isoformat()
    actions, offers = (
        _count(admin_engine, "step_out_action"),
        _count(admin_engine, "step_out_offer"),
    )
    moved = client.patch(
        f"{API}/referrals/{referral_id}",
        json={"move_in_date": future, "discharge_date": future},
        headers=headers,
    )
    assert set(_problems(moved)) == {"#/move_in_date", "#/discharge_date"}
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT move_in_date, status FROM step_out_referral WHERE id = :i"),
            {"i": referral_id},
        ).one()
        due = conn.execute(
            sa.text("SELECT max(due_on) FROM step_out_review WHERE referral_id = :i"),
            {"i": referral_id},
        ).scalar_one()
    assert row.move_in_date == date(2026, 2, 1) and due == date(2027, 2, 1)  # unchanged
    action = post_form(
        client,
        f"{API}/referrals/{referral_id}/actions",
        json={"application_type": "housing_register", "provider": "", "action_date": future},
        headers=world.a.auth(),
    )
    assert set(_problems(action)) == {"#/provider", "#/action_date"}
    action_id = world.a.ids["step_out_action"][0]
    changed = client.patch(f"{API}/actions/{action_id}", json={"action_date": future},
                           headers=headers)  # fmt: skip
    assert _problems(changed) == {
        "#/action_date": "The date of the application must be today or in the past."
    }
    offer = post_form(client,
        f"{API}/referrals/{referral_id}/offers",
        json={"property_description": "Flat", "provider": "P", "tenure": "social_rent",
              "offered_on": future},
        headers=world.a.auth(),
    )  # fmt: skip
    assert set(_problems(offer)) == {"#/offered_on"}
    review_id = world.a.ids["step_out_review"][0]
    done = post_form(client, f"{API}/reviews/{review_id}/complete", json={"completed_on": future},
                       headers=world.a.auth())  # fmt: skip
    assert set(_problems(done)) == {"#/completed_on"}
    assert _count(admin_engine, "step_out_action") == actions
    assert _count(admin_engine, "step_out_offer") == offers


def test_the_move_in_error_names_the_admission_date(world, client):
    referral_id = world.a.ids["step_out_referral"][0]
    headers = {**world.a.auth(), "If-Match": "*"}
    client.patch(f"{API}/referrals/{referral_id}", json={"admission_date": "2025-12-20"},
                 headers=headers)  # fmt: skip
    ended = client.patch(
        f"{API}/referrals/{referral_id}",
        json={"tenancy_end_date": "2026-01-15", "tenancy_end_planned": True},
        headers=headers,
    )
    assert _problems(ended) == {
        "#/tenancy_end_date": "The tenancy end date must be on or after the move-in date "
        "(1 February 2026)."
    }


def test_an_unknown_client_is_a_422_on_client_id(world, client):
    for client_id in (str(world.b.ids["client"][0]), "00000000-0000-0000-0000-000000000000"):
        response = post_form(
            client,
            f"{API}/referrals",
            json={"client_id": client_id, "ward": "Oak", "referrer": "Dr R"},
            headers=world.a.auth(),
        )
        assert _problems(response) == {"#/client_id": "Choose a client you can see."}


def test_the_pages_show_every_broken_rule_at_once(world, client, admin_engine):
    sign_in(client, world.a.emails["admin"])
    client_id = world.a.ids["client"][1]
    before = _count(admin_engine, "step_out_referral")
    page = post_form(client,
        f"/tenant-a/step-out/clients/{client_id}/refer",
        data={"ward": "", "referrer": "Dr R", "referred_on": "2026-02-01",
              "admission_date": "2026-02-05", "clinically_ready_date": TOMORROW.isoformat()},
    ).get_data(as_text=True)  # fmt: skip
    assert "There is a problem" in page and "<title>Error:" in page
    assert "Enter the ward." in page
    assert "The admission date must be on or before the referral date (1 February 2026)." in page
    assert "The clinically ready date must be today or in the past." in page
    assert _count(admin_engine, "step_out_referral") == before
    referral_id = world.a.ids["step_out_referral"][0]
    moved = post_form(
        client,
        f"/tenant-a/step-out/referrals/{referral_id}/move-in",
        data={"move_in_date": TOMORROW.isoformat(), "discharge_date": TOMORROW.isoformat()},
    ).get_data(as_text=True)
    assert "The move-in date must be today or in the past." in moved
    assert "The discharge date must be today or in the past." in moved
    action = post_form(
        client,
        f"/tenant-a/step-out/referrals/{referral_id}/actions/new",
        data={"application_type": "", "provider": "P", "action_date": "2025-12-01"},
    ).get_data(as_text=True)
    assert "Choose the type of application." in action
    assert (
        "The date of the application must be on or after the referral date (5 January 2026)."
        in action
    )


def test_the_date_boxes_say_what_is_wrong_and_the_summary_links_the_day_box(world, client):
    """An optional date typed wrong is refused (not dropped as if blank), a required one left
    blank asks for it, and each summary link goes to the date's day box."""
    sign_in(client, world.a.emails["admin"])
    url = f"/tenant-a/step-out/clients/{world.a.ids['client'][1]}/refer"
    page = client.post(
        url,
        data={"ward": "Oak", "referrer": "Dr R", "admission_date[day]": "31",
              "admission_date[month]": "2", "admission_date[year]": "2026"},
    ).get_data(as_text=True)  # fmt: skip
    assert "Enter the referral date." in page and 'href="#referred_on-day"' in page
    assert "Admission date must be a real date" in page and 'href="#admission_date-day"' in page
    assert 'name="referred_on[day]"' in page and 'name="admission_date[year]"' in page
