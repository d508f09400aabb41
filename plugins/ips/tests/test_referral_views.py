"""The referral pages: refer, accept, stage, profile, benefits advice and close through the
forms; rule breaks come back as the NHS error summary with nothing saved."""

from __future__ import annotations

import re

import sqlalchemy as sa

from tests.form_dates import post_form
from tests.security.harness import sign_in


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    return match.group(1) if match else ""


def _post(client, url: str, data: dict):
    token = _csrf(client.get(url).get_data(as_text=True))
    return post_form(client, url, data={"csrf_token": token, **data})


def _referrals(admin_engine, client_id) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM ips_referral WHERE client_id = :c"), {"c": client_id}
        ).scalar_one()


def test_refer_accept_profile_advice_and_close_through_the_pages(world, client):
    sign_in(client, world.a.emails["practitioner"])
    jo = world.a.ids["client"][1]
    refer_url = f"/tenant-a/ips/clients/{jo}/refer"
    assert client.get(refer_url).status_code == 200
    made = _post(client, refer_url, {"source": "self", "referred_on": "2026-03-02",
                                     "employment_status": "02", "specialist_id": ""})  # fmt: skip
    assert made.status_code == 302, made.get_data(as_text=True)
    page_url = made.headers["Location"]
    assert "/tenant-a/ips/referrals/" in page_url
    rid = page_url.rstrip("/").split("/")[-1]
    page = client.get(page_url).get_data(as_text=True)
    assert "Self-referral" in page and "Not assigned yet" in page and "Accept the referral" in page

    specialist = str(world.a.memberships["practitioner"])
    accepted = _post(client, f"/tenant-a/ips/referrals/{rid}/accept",
                     {"accepted_on": "2026-03-05", "specialist_id": specialist})  # fmt: skip
    assert accepted.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "Practitioner of tenant-a" in page and "Move to job search" in page
    moved = post_form(client, f"/tenant-a/ips/referrals/{rid}/status",
                        data={"csrf_token": _csrf(page), "status": "job_search"})  # fmt: skip
    assert moved.status_code == 302

    profile = {"goals": "Work outdoors", "barriers": "Travel", "review_on": "2026-12-01"}
    profiled = _post(client, f"/tenant-a/ips/referrals/{rid}/profile", profile)
    assert profiled.status_code == 302
    advised = _post(client, f"/tenant-a/ips/referrals/{rid}/benefits-advice/new",
                    {"given_on": "2026-03-09", "given_by": "Welfare rights",
                     "better_off_weekly": "60.25", "hours_per_week": "20"})  # fmt: skip
    assert advised.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "Work outdoors" in page and "£60.25" in page and "Job search" in page

    closed = _post(client, f"/tenant-a/ips/referrals/{rid}/close",
                   {"closed_on": "2026-04-01", "close_reason": "no_longer_wants_work"})  # fmt: skip
    assert closed.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "No longer wants work or education" in page and "Refer again" in page


def test_errors_are_shown_in_the_error_summary_and_nothing_is_saved(world, client, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    jo = world.a.ids["client"][1]
    refer_url = f"/tenant-a/ips/clients/{jo}/refer"
    empty = _post(client, refer_url, {"source": "", "referred_on": ""})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 200
    assert "There is a problem" in text and "Choose who referred the person." in text
    assert 'href="#referred_on-day"' in text
    future = _post(client, refer_url, {"source": "gp", "referred_on": "2099-01-01"})
    assert "The date cannot be in the future." in future.get_data(as_text=True)
    assert _referrals(admin_engine, jo) == 0


def test_a_second_open_episode_is_refused_with_a_link_to_it(world, client, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    sam = world.a.ids["client"][0]
    refused = _post(client, f"/tenant-a/ips/clients/{sam}/refer",
                    {"source": "gp", "referred_on": "2026-03-01"})  # fmt: skip
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "already has an open IPS referral" in text
    assert f"/tenant-a/ips/referrals/{world.a.ids['ips_referral'][0]}" in text
    assert _referrals(admin_engine, sam) == 1


def test_closing_needs_a_reason_and_a_date_after_the_referral(world, client):
    sign_in(client, world.a.emails["practitioner"])
    rid = world.a.ids["ips_referral"][0]
    early = _post(client, f"/tenant-a/ips/referrals/{rid}/close",
                  {"closed_on": "2026-01-01", "close_reason": ""})  # fmt: skip
    text = early.get_data(as_text=True)
    assert "Choose why support ended." in text
    early = _post(client, f"/tenant-a/ips/referrals/{rid}/close",
                  {"closed_on": "2026-01-01", "close_reason": "moved_away"})  # fmt: skip
    assert "Must be on or after the referral date." in early.get_data(as_text=True)
    assert "In work" in client.get(f"/tenant-a/ips/referrals/{rid}").get_data(as_text=True)


def test_reassigning_the_specialist_on_the_change_page(world, client):
    sign_in(client, world.a.emails["admin"])
    rid = world.a.ids["ips_referral"][0]
    url = f"/tenant-a/ips/referrals/{rid}/edit"
    form = client.get(url).get_data(as_text=True)
    practitioner = str(world.a.memberships["practitioner"])
    assert re.search(rf'value="{practitioner}"\s+selected', form)  # the current specialist
    assert str(world.a.memberships["partner"]) not in form  # partners cannot carry a caseload
    base = {"source": "job_centre_plus", "referred_on": "2026-01-06", "employment_status": "02"}
    emptied = _post(client, url, {**base, "specialist_id": ""})
    assert "An accepted client needs a specialist." in emptied.get_data(as_text=True)
    moved = _post(client, url, {**base, "specialist_id": str(world.a.memberships["admin"])})
    assert moved.status_code == 302
    page = client.get(f"/tenant-a/ips/referrals/{rid}").get_data(as_text=True)
    assert "Admin of tenant-a" in page
