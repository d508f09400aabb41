"""Error messages that say what to do (issue 8): an impossible date is not "Enter the date", a
choice not in the list names the question, closing twice says when it was closed."""

from __future__ import annotations

from tests.form_dates import post_form
from tests.security.harness import sign_in

T = "/tenant-a/ips"
API = "/api/v1/tenant-a/ips"


def _new_referral(world, client) -> str:
    body = {"source": "gp", "referred_on": "2026-03-02", "employment_status": "04"}
    created = post_form(
        client,
        f"{API}/clients/{world.a.ids['client'][1]}/referrals",
        json=body,
        headers=world.a.auth(),
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    return created.json["id"]


def _text(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_impossible_date_asks_for_a_real_one(world, client):
    rid = _new_referral(world, client)
    sign_in(client, world.a.emails["practitioner"])
    url = f"{T}/referrals/{rid}/accept"
    impossible = _text(
        post_form(client, url, data={"accepted_on": "31/02/2026", "specialist_id": ""})
    )
    assert "Enter a real date, for example 15 3 2026." in impossible
    assert "Enter the date accepted." not in impossible
    empty = _text(post_form(client, url, data={"accepted_on": "", "specialist_id": ""}))
    assert "Enter the date accepted." in empty and "Enter a real date" not in empty
    admin = str(world.a.memberships["admin"])
    typed = post_form(client, url, data={"accepted_on": "9/3/2026", "specialist_id": admin})
    assert typed.status_code == 302, typed.get_data(
        as_text=True
    )  # day/month/year as people type it is accepted


def test_a_choice_not_in_the_list_names_the_question(world, client):
    rid = _new_referral(world, client)
    sign_in(client, world.a.emails["practitioner"])
    bad_reason = _text(
        post_form(
            client,
            f"{T}/referrals/{rid}/close",
            data={"closed_on": "2026-04-01", "close_reason": "x"},
        )
    )
    assert "Choose why support ended." in bad_reason and "Not a valid choice" not in bad_reason
    bad_person = _text(
        post_form(
            client,
            f"{T}/referrals/{rid}/accept",
            data={"accepted_on": "2026-03-09", "specialist_id": "x"},
        )
    )
    assert "Choose employment specialist from the list." in bad_person


def test_closing_a_closed_episode_says_when_it_was_closed(world, client):
    rid = _new_referral(world, client)
    sign_in(client, world.a.emails["practitioner"])
    url = f"{T}/referrals/{rid}/close"
    data = {"closed_on": "2026-04-01", "close_reason": "moved_away"}
    assert post_form(client, url, data=data).status_code == 302
    again = _text(post_form(client, url, data=data))
    assert "This referral is already closed (on 1 April 2026)." in again
    assert "cannot become" not in again


def test_an_optional_date_typed_wrong_is_refused_not_dropped(world, client):
    """``Optional`` must not wipe the date input's own message (it reads ``raw_data``)."""
    sign_in(client, world.a.emails["practitioner"])
    url = f"{T}/referrals/{world.a.ids['ips_referral'][0]}/profile"
    typed = {"review_on[day]": "1", "review_on[month]": "13", "review_on[year]": "2026"}
    page = _text(client.post(url, data={"goals": "Work", **typed}))
    assert "Enter a real date, for example 15 3 2026." in page
    assert 'href="#review_on-day"' in page
