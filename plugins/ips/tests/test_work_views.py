"""The IPS work pages: employers, logging contacts, recording starts, support and retention,
with the NHS error summary on bad input and nothing saved."""

from __future__ import annotations

from datetime import timedelta

from plugins.ips.models import IpsEmployer, IpsOutcome
from plugins.ips.tests.work_builders import (
    TODAY,
    count,
    days_ago,
    episode,
    referral_status,
)
from tests.form_dates import post_form
from tests.security.harness import sign_in

T = "/tenant-a/ips"


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_employers_list_search_add_and_detail(app, world, client):
    sign_in(client, world.a.emails["practitioner"])
    listed = client.get(f"{T}/employers")
    assert listed.status_code == 200 and "Harbour Cafe" in _text(listed)
    assert "Harbour Cafe" not in _text(client.get(f"{T}/employers?q=garden"))
    before = count(app, world.a, IpsEmployer)
    empty = post_form(client, f"{T}/employers/new", data={"name": "", "email": "not-an-email"})
    assert empty.status_code == 200 and "There is a problem" in _text(empty)
    assert "Enter the employer" in _text(empty) and "Enter an email address" in _text(empty)
    assert count(app, world.a, IpsEmployer) == before
    added = post_form(client, f"{T}/employers/new", data={"name": "Greenway Garden Centre"})
    assert added.status_code == 302
    page = client.get(added.headers["Location"])
    assert "<h1>Greenway Garden Centre</h1>" in _text(page)
    assert "Greenway Garden Centre" in _text(client.get(f"{T}/employers?q=garden"))


def test_employer_page_shows_contacts_and_starts_with_links_to_the_client(world, client):
    sign_in(client, world.a.emails["practitioner"])
    page = _text(client.get(f"{T}/employers/{world.a.ids['ips_employer'][0]}"))
    assert "About a job for a client" in page and "Barista" in page
    assert f"/ips/clients/{world.a.ids['client'][0]}/work" in page
    assert "Practitioner of tenant-a" in page


def test_log_a_contact_about_a_client_and_see_it_on_the_work_page(app, world, client):
    episode(app, world.a, accepted=days_ago(20))
    client_id = world.a.ids["client"][1]
    sign_in(client, world.a.emails["practitioner"])
    form = client.get(f"{T}/clients/{client_id}/employer-contacts/new")
    assert form.status_code == 200
    assert 'name="specialist_id"' not in _text(form)  # a specialist logs their own contacts
    missing = post_form(client,
        f"{T}/clients/{client_id}/employer-contacts/new",
        data={"employer_id": "", "contacted_on": str(days_ago(2)), "contact_type": "phone",
              "purpose": "client_specific"},
    )  # fmt: skip
    assert "Choose an employer from the list." in _text(missing)
    saved = post_form(client,
        f"{T}/clients/{client_id}/employer-contacts/new",
        data={"employer_id": str(world.a.ids["ips_employer"][0]),
              "contacted_on": str(days_ago(2)), "contact_type": "phone",
              "purpose": "client_specific"},
    )  # fmt: skip
    assert saved.status_code == 302
    work = _text(client.get(f"{T}/clients/{client_id}/work"))
    assert "Harbour Cafe" in work
    assert "Over 30 days" not in work  # 18 days after acceptance


def test_team_leader_chooses_the_specialist(world, client):
    sign_in(client, world.a.emails["admin"])
    form = _text(client.get(f"{T}/employers/{world.a.ids['ips_employer'][0]}/contacts/new"))
    assert 'name="specialist_id"' in form and "Practitioner of tenant-a" in form


def test_record_a_job_start_moves_the_episode_to_in_work(app, world, client):
    referral_id = episode(app, world.a, accepted=days_ago(30))
    client_id = world.a.ids["client"][1]
    sign_in(client, world.a.emails["practitioner"])
    data = {"referral_id": str(referral_id), "kind": "paid_job", "title": "Gardener",
            "employer_id": "", "provider_name": "Parks Trust", "self_employed": "no",
            "hours_band": "02", "started_on": str(days_ago(31)), "ended_on": "",
            "end_reason": ""}  # fmt: skip
    early = post_form(client, f"{T}/clients/{client_id}/outcomes/new", data=data)
    assert early.status_code == 200 and "There is a problem" in _text(early)
    assert "before the referral was accepted" in _text(early)
    assert count(app, world.a, IpsOutcome) == 1  # the world's job only
    saved = post_form(
        client,
        f"{T}/clients/{client_id}/outcomes/new",
        data={**data, "started_on": str(days_ago(3))},
    )
    assert saved.status_code == 302
    assert referral_status(app, world.a, referral_id) == "in_work"
    work = _text(client.get(f"{T}/clients/{client_id}/work"))
    assert "Gardener" in work and "16 to 29 hours" in work and "Parks Trust" in work


def test_end_a_job_and_close_a_retention_case_from_the_work_page(app, world, client):
    client_id = world.a.ids["client"][0]
    sign_in(client, world.a.emails["practitioner"])
    work = _text(client.get(f"{T}/clients/{client_id}/work"))
    outcome_id, case_id = world.a.ids["ips_outcome"][0], world.a.ids["ips_retention_case"][0]
    assert f"/ips/outcomes/{outcome_id}/edit" in work
    assert f"/ips/retention-cases/{case_id}/edit" in work
    assert "Many retention cases" in work and "(1 of 1 active clients)" in work
    edit = client.get(f"{T}/outcomes/{outcome_id}/edit")
    assert edit.status_code == 200 and 'value="Barista"' in _text(edit)
    bad = post_form(client,
        f"{T}/retention-cases/{case_id}/edit",
        data={"opened_on": "2026-03-02", "employer_name": "Harbour Cafe", "risk": "",
              "closed_on": "2026-03-01", "result": "retained"},
    )  # fmt: skip
    assert "The closing date must be on or after the opening date." in _text(bad)
    closed = post_form(client,
        f"{T}/retention-cases/{case_id}/edit",
        data={"opened_on": "2026-03-02", "employer_name": "Harbour Cafe", "risk": "",
              "closed_on": str(TODAY - timedelta(days=1)), "result": "retained"},
    )  # fmt: skip
    assert closed.status_code == 302
    after = _text(client.get(f"{T}/clients/{client_id}/work"))
    assert "Retained (" in after and "Many retention cases" not in after


def test_support_form_and_weekly_page(app, world, client):
    client_id = world.a.ids["client"][0]
    sign_in(client, world.a.emails["practitioner"])
    saved = post_form(client,
        f"{T}/clients/{client_id}/support-contacts/new",
        data={"referral_id": str(world.a.ids["ips_referral"][0]),
              "outcome_id": str(world.a.ids["ips_outcome"][0]),
              "contacted_on": str(days_ago(1)), "contact_type": "video",
              "with_employer": "yes", "notes": ""},
    )  # fmt: skip
    assert saved.status_code == 302
    assert "Video call" in _text(client.get(f"{T}/clients/{client_id}/work"))
    weekly = _text(client.get(f"{T}/employer-contacts/weekly"))
    assert "Practitioner of tenant-a" in weekly and "Below 6" in weekly


def test_partner_and_other_tenants_ids(world, client):
    sign_in(client, world.a.emails["partner"])
    shared = world.a.ids["client"][0]
    assert client.get(f"{T}/employers").status_code == 403
    assert client.get(f"{T}/clients/{shared}/work").status_code == 403
    sign_in(client, world.a.emails["admin"])
    assert client.get(f"{T}/clients/{world.b.ids['client'][0]}/work").status_code == 404
    assert client.get(f"{T}/employers/{world.b.ids['ips_employer'][0]}").status_code == 404
    assert client.get(f"{T}/outcomes/{world.b.ids['ips_outcome'][0]}/edit").status_code == 404
