"""Dates a person could not mean are refused (issue: an API fuzz run stored benefits advice given
in year 111 and a referral of 816, which then sat inside every counting window).

Every date an IPS request can set is 1 January 1900 or later, and a planned one (review, due
date, the end of a course) at most 10 years ahead: a 422 naming the field, nothing saved. The
pages hold to the same rule, with the same words."""

from __future__ import annotations

import pytest

from tests.form_dates import post_form
from tests.plausible_dates import (
    FAR_AHEAD,
    YEAR_111,
    problem_details,
    row_counts,
    send_date,
    writable_dates,
)
from tests.security.harness import sign_in

BASE = "/api/v1/tenant-a/ips"

#: (method, path, field, label in messages): every date an IPS request body can set.
IPS_DATES = [
    ("POST", "/ips/clients/<client_id>/outcomes", "started_on", "Start date"),
    ("POST", "/ips/clients/<client_id>/outcomes", "ended_on", "End date"),
    ("POST", "/ips/clients/<client_id>/referrals", "referred_on", "Referral date"),
    ("POST", "/ips/clients/<client_id>/retention-cases", "opened_on", "Date opened"),
    ("POST", "/ips/clients/<client_id>/retention-cases", "closed_on", "Date closed"),
    ("POST", "/ips/clients/<client_id>/support-contacts", "contacted_on", "Date of the support"),
    ("POST", "/ips/clients/<client_id>/surveys", "completed_on", "Date completed"),
    ("PATCH", "/ips/employer-contacts/<employer_contact_id>", "contacted_on",
     "Date of the contact"),
    ("POST", "/ips/employers/<employer_id>/contacts", "contacted_on", "Date of the contact"),
    ("PATCH", "/ips/fidelity-actions/<fidelity_action_id>", "due_on", "Due date"),
    ("PATCH", "/ips/fidelity-actions/<fidelity_action_id>", "done_on", "Date done"),
    ("POST", "/ips/fidelity-reviews", "reviewed_on", "Date of the review"),
    ("PATCH", "/ips/fidelity-reviews/<fidelity_review_id>", "reviewed_on", "Date of the review"),
    ("POST", "/ips/fidelity-reviews/<fidelity_review_id>/actions", "due_on", "Due date"),
    ("POST", "/ips/fidelity-reviews/<fidelity_review_id>/actions", "done_on", "Date done"),
    ("POST", "/ips/job-centres/<organisation_id>/meetings", "held_on", "Date of the meeting"),
    ("POST", "/ips/job-centres/<organisation_id>/meetings", "actions.0.due_on", "Due date"),
    ("POST", "/ips/job-centres/<organisation_id>/meetings", "actions.0.done_on", "Date done"),
    ("PATCH", "/ips/meeting-actions/<meeting_action_id>", "due_on", "Due date"),
    ("PATCH", "/ips/meeting-actions/<meeting_action_id>", "done_on", "Date done"),
    ("PATCH", "/ips/meetings/<meeting_id>", "held_on", "Date of the meeting"),
    ("POST", "/ips/meetings/<meeting_id>/actions", "due_on", "Due date"),
    ("POST", "/ips/meetings/<meeting_id>/actions", "done_on", "Date done"),
    ("PATCH", "/ips/outcomes/<outcome_id>", "started_on", "Start date"),
    ("PATCH", "/ips/outcomes/<outcome_id>", "ended_on", "End date"),
    ("PATCH", "/ips/referrals/<referral_id>", "referred_on", "Referral date"),
    ("POST", "/ips/referrals/<referral_id>/accept", "accepted_on", "Date accepted"),
    ("POST", "/ips/referrals/<referral_id>/benefits-advice", "given_on", "Date of advice"),
    ("POST", "/ips/referrals/<referral_id>/close", "closed_on", "Date closed"),
    ("PUT", "/ips/referrals/<referral_id>/profile", "review_on", "Review date"),
    ("PATCH", "/ips/retention-cases/<retention_case_id>", "opened_on", "Date opened"),
    ("PATCH", "/ips/retention-cases/<retention_case_id>", "closed_on", "Date closed"),
    ("PATCH", "/ips/support-contacts/<support_contact_id>", "contacted_on",
     "Date of the support"),
    ("PATCH", "/ips/surveys/<survey_id>", "completed_on", "Date completed"),
]  # fmt: skip
PLANNED = {("PUT", "/ips/referrals/<referral_id>/profile", "review_on")} | {
    (m, p, f) for m, p, f, _label in IPS_DATES if f.endswith(("due_on", "ended_on"))
}


def _ids(cases):
    return [f"{c[0]} {c[1]} {c[2]}" for c in cases]


def test_every_date_a_request_can_set_is_listed_here(app):
    """A new date field joins IPS_DATES (and so these tests), planned ones marked as such."""
    found = writable_dates(app, "/ips/")
    assert set(found) == {(m, p, f) for m, p, f, _label in IPS_DATES}
    assert {key for key, planned in found.items() if planned} == PLANNED


@pytest.mark.hazard("HAZ-006")
@pytest.mark.parametrize(("method", "path", "field", "label"), IPS_DATES, ids=_ids(IPS_DATES))
def test_year_111_is_422_naming_the_field_and_saves_nothing(
    app, world, client, admin_engine, method, path, field, label
):
    before = row_counts(admin_engine, "ips_")
    response = send_date(app, client, world.a, method, path, field, YEAR_111)
    pointer = "#/" + field.replace(".", "/")
    assert problem_details(response)[pointer] == f"{label} must be 1 January 1900 or later."
    assert row_counts(admin_engine, "ips_") == before


@pytest.mark.parametrize(
    ("method", "path", "field", "label"),
    [c for c in IPS_DATES if c[:3] in PLANNED],
    ids=_ids([c for c in IPS_DATES if c[:3] in PLANNED]),
)
def test_a_planned_date_more_than_10_years_ahead_is_422(
    app, world, client, admin_engine, method, path, field, label
):
    before = row_counts(admin_engine, "ips_")
    response = send_date(app, client, world.a, method, path, field, FAR_AHEAD)
    detail = problem_details(response)["#/" + field.replace(".", "/")]
    assert detail.startswith(f"{label} must be ") and "(within 10 years)" in detail, detail
    assert row_counts(admin_engine, "ips_") == before


def test_old_but_plausible_dates_are_still_accepted(world, client):
    auth = world.a.auth()
    referral = client.post(
        f"{BASE}/clients/{world.a.ids['client'][1]}/referrals",
        json={"source": "gp", "referred_on": "1900-01-01"},
        headers=auth,
    )
    assert referral.status_code == 201, referral.get_data(as_text=True)
    advice = client.post(
        f"{BASE}/referrals/{referral.json['id']}/benefits-advice",
        json={"given_on": "1900-01-01", "given_by": "Welfare rights"},
        headers=auth,
    )
    assert advice.status_code == 201, advice.get_data(as_text=True)
    assert advice.json["given_on"] == "1900-01-01"


def test_the_page_refuses_year_111_in_the_same_words(world, client, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    rid = world.a.ids["ips_referral"][0]
    before = row_counts(admin_engine, "ips_benefits_advice")
    page = post_form(
        client,
        f"/tenant-a/ips/referrals/{rid}/benefits-advice/new",
        data={"given_on": "4/10/0111", "given_by": "Welfare rights", "better_off_weekly": "",
              "hours_per_week": "", "notes": ""},
    )  # fmt: skip
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "There is a problem" in text
    assert "Date of advice must be 1 January 1900 or later." in text
    assert row_counts(admin_engine, "ips_benefits_advice") == before


def test_a_review_date_typed_two_centuries_ahead_is_refused_on_the_page(world, client):
    sign_in(client, world.a.emails["practitioner"])
    rid = world.a.ids["ips_referral"][0]
    page = post_form(client, f"/tenant-a/ips/referrals/{rid}/profile",
                     data={"review_on": "1/3/2206"})  # fmt: skip
    text = page.get_data(as_text=True)
    assert "Review date must be " in text and "(within 10 years)" in text, text
