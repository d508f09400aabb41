"""Next steps between the IPS pages (issue 8): the referral links to the client's work page and
to recording a start; the work page links back to the referral and the client record; figures
and timeline entries read as plain English."""

from __future__ import annotations

from tests.form_dates import post_form
from tests.security.harness import sign_in

T = "/tenant-a/ips"


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_referral_and_work_pages_link_to_each_other(world, client):
    sign_in(client, world.a.emails["practitioner"])
    client_id, rid = world.a.ids["client"][0], world.a.ids["ips_referral"][0]
    referral = _page(client, f"{T}/referrals/{rid}")
    assert f'href="{T}/clients/{client_id}/work">Work, education and in-work support' in referral
    assert f'href="{T}/clients/{client_id}/outcomes/new">Record a start' in referral
    work = _page(client, f"{T}/clients/{client_id}/work")
    assert f'href="{T}/referrals/{rid}">Open the IPS referral' in work
    assert f'href="/tenant-a/clients/{client_id}">Open the client record' in work


def test_a_start_and_benefits_hours_read_plainly(world, client):
    sign_in(client, world.a.emails["practitioner"])
    client_id, rid = world.a.ids["client"][0], world.a.ids["ips_referral"][0]
    record = _page(client, f"/tenant-a/clients/{client_id}")
    assert "Started a paid job: Barista" in record and "(Paid job (employed" not in record
    added = post_form(client,
        f"{T}/referrals/{rid}/benefits-advice/new",
        data={"given_on": "2026-03-10", "given_by": "Welfare rights",
              "better_off_weekly": "42.50", "hours_per_week": "16", "notes": ""},
    )  # fmt: skip
    assert added.status_code == 302
    referral = _page(client, f"{T}/referrals/{rid}")
    assert ">16</td>" in referral and "16.0" not in referral
