"""Every broken rule at once: when a form's own checks fail, the service's rules still run on the
fields that parsed, so nobody fixes one round of errors only to meet a second (issue 8)."""

from __future__ import annotations

from plugins.ips.models import IpsOutcome, IpsSupportContact
from plugins.ips.tests.work_builders import count, days_ago, episode
from tests.form_dates import post_form
from tests.security.harness import sign_in

T = "/tenant-a/ips"


def _summary(response) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in text
    return text


def test_a_start_without_kind_or_title_and_ending_before_it_began(app, world, client):
    referral_id = episode(app, world.a, accepted=days_ago(30))
    client_id = world.a.ids["client"][1]
    sign_in(client, world.a.emails["practitioner"])
    before = count(app, world.a, IpsOutcome)
    data = {"referral_id": str(referral_id), "kind": "", "title": "", "employer_id": "",
            "provider_name": "", "self_employed": "no", "hours_band": "",
            "started_on": str(days_ago(3)), "ended_on": str(days_ago(5)),
            "end_reason": "left"}  # fmt: skip
    text = _summary(post_form(client, f"{T}/clients/{client_id}/outcomes/new", data=data))
    assert "Choose what kind of start" in text or "Choose the kind" in text, text
    assert "on or after the start" in text
    assert count(app, world.a, IpsOutcome) == before


def test_support_dated_in_the_future_without_a_contact_type(app, world, client):
    client_id = world.a.ids["client"][0]
    sign_in(client, world.a.emails["practitioner"])
    before = count(app, world.a, IpsSupportContact)
    data = {"referral_id": str(world.a.ids["ips_referral"][0]), "outcome_id": "",
            "contacted_on": "2099-01-01", "contact_type": "", "with_employer": "no",
            "notes": ""}  # fmt: skip
    text = _summary(post_form(client, f"{T}/clients/{client_id}/support-contacts/new", data=data))
    assert "Choose how the support was given." in text
    assert "in the future" in text, text
    assert count(app, world.a, IpsSupportContact) == before


def test_closing_without_a_reason_before_the_referral(world, client):
    sign_in(client, world.a.emails["practitioner"])
    rid = world.a.ids["ips_referral"][0]
    page = post_form(
        client, f"{T}/referrals/{rid}/close", data={"closed_on": "2026-01-01", "close_reason": ""}
    )
    text = _summary(page)
    assert "Choose why support ended." in text
    assert "Must be on or after the referral date." in text
    assert "In work" in client.get(f"{T}/referrals/{rid}").get_data(as_text=True)
