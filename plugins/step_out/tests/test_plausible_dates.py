"""Dates a person could not mean are refused (issue: an API fuzz run stored a review completed in
year 191, which then sat inside every counting window).

Every date a Step Out request can set is 1 January 1900 or later: a 422 naming the field, nothing
saved. The pages and the crisis-use import hold to the same rule."""

from __future__ import annotations

import pytest

from plugins.step_out.date_rules import LABELS
from plugins.step_out.tests.test_crisis_import import _upload
from tests.form_dates import post_form
from tests.plausible_dates import YEAR_111, problem_details, row_counts, send_date, writable_dates
from tests.security.harness import sign_in

API = "/api/v1/tenant-a/step-out"
_JOURNEY = ("referred_on", "admission_date", "clinically_ready_date", "assessment_date",
            "move_in_date", "discharge_date", "tenancy_end_date")  # fmt: skip
#: (method, path, field): every date a Step Out request body can set.
STEP_OUT_DATES = [
    ("PATCH", "/step-out/actions/<action_id>", "action_date"),
    ("POST", "/step-out/clients/<client_id>/crisis-events", "occurred_on"),
    ("PATCH", "/step-out/offers/<offer_id>", "offered_on"),
    *[("POST", "/step-out/referrals", field) for field in _JOURNEY],
    *[("PATCH", "/step-out/referrals/<referral_id>", field) for field in _JOURNEY],
    ("POST", "/step-out/referrals/<referral_id>/actions", "action_date"),
    ("POST", "/step-out/referrals/<referral_id>/offers", "offered_on"),
    ("POST", "/step-out/reviews/<review_id>/complete", "completed_on"),
]


def test_every_date_a_request_can_set_is_listed_here(app):
    """A new date field joins STEP_OUT_DATES (and so these tests); none is a planned date."""
    found = writable_dates(app, "/step-out/")
    assert set(found) == set(STEP_OUT_DATES)
    assert not any(found.values())


@pytest.mark.hazard("HAZ-006")
@pytest.mark.parametrize(
    ("method", "path", "field"), STEP_OUT_DATES, ids=[" ".join(c) for c in STEP_OUT_DATES]
)
def test_year_111_is_422_naming_the_field_and_saves_nothing(
    app, world, client, admin_engine, method, path, field
):
    before = row_counts(admin_engine, "step_out_")
    response = send_date(app, client, world.a, method, path, field, YEAR_111)
    expected = f"The {LABELS[field]} must be 1 January 1900 or later."
    assert problem_details(response)[f"#/{field}"] == expected
    assert row_counts(admin_engine, "step_out_") == before


def test_old_but_plausible_dates_are_still_accepted(world, client):
    client_id = world.a.ids["client"][1]
    referral = client.post(
        f"{API}/referrals",
        json={"client_id": str(client_id), "ward": "Oak", "referrer": "Dr R",
              "referred_on": "1900-01-02", "admission_date": "1900-01-01"},
        headers=world.a.auth(),
    )  # fmt: skip
    assert referral.status_code == 201, referral.get_data(as_text=True)
    crisis = client.post(
        f"{API}/clients/{client_id}/crisis-events",
        json={"kind": "crisis_contact", "occurred_on": "1900-01-01"},
        headers=world.a.auth(),
    )
    assert crisis.status_code == 201, crisis.get_data(as_text=True)


def test_the_page_refuses_year_111_in_the_same_words(world, client, admin_engine):
    sign_in(client, world.a.emails["admin"])
    before = row_counts(admin_engine, "step_out_referral")
    page = post_form(
        client,
        f"/tenant-a/step-out/clients/{world.a.ids['client'][1]}/refer",
        data={"ward": "Oak", "referrer": "Dr R", "referred_on": "1/8/0816",
              "admission_date": "1/7/0816"},
    ).get_data(as_text=True)  # fmt: skip
    assert "There is a problem" in page
    assert "The referral date must be 1 January 1900 or later." in page
    assert "The admission date must be 1 January 1900 or later." in page
    assert row_counts(admin_engine, "step_out_referral") == before


@pytest.mark.hazard("HAZ-008")
def test_the_crisis_import_reports_a_row_dated_year_111(world, client, admin_engine):
    before = row_counts(admin_engine, "step_out_crisis_event")
    body = "nhs_number,kind,date\n9990000018,crisis_contact,0111-10-04\n"
    response = _upload(client, world, body.encode())
    assert response.status_code == 202, response.get_data(as_text=True)
    job_url = response.headers["Location"]
    report = client.get(job_url + "/result", headers=world.a.auth())
    assert report.data.decode().splitlines() == [
        "row,column,problem",
        "2,date,Date must be 1 January 1900 or later.",
    ]
    assert row_counts(admin_engine, "step_out_crisis_event") == before
