"""Edges of the web pages found by a frontline worker's and an admin's QA pass: what a person
sees when a colleague changed the record first, when a form is half wrong, when a download
or a page number does not match what is on the screen. Each test failed before its fix."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from core.clients import codelists
from tests.factories import PASSWORD, TenantData, World


def signed_in(app: Flask, data: TenantData, person: str = "practitioner") -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"email": data.emails[person], "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def clients_url(world: World) -> str:
    return f"/{world.a.slug}/clients"


def sam(world: World) -> str:
    return str(world.a.ids["client"][0])


def summary_links(page: str) -> list[tuple[str, str]]:
    """(href, text) of each error summary item."""
    block = re.search(r"nhsuk-error-summary__list.*?</ul>", page, re.S)
    if block is None:
        return []
    return [
        (href, " ".join(text.split()))
        for href, text in re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', block.group(0), re.S)
    ]


def title(page: str) -> str:
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


def edit_form(world: World, version: str, **changes: str) -> dict[str, str]:
    form = {
        "given_name": "Sam",
        "family_name": "Taylor",
        "date_of_birth[day]": "15",
        "date_of_birth[month]": "6",
        "date_of_birth[year]": "1985",
        "nhs_number": "999 000 0018",
        "local_id": "LOCAL-1",
        "postcode": "SO16 7AB",
        "key_worker_membership_id": str(world.a.memberships["practitioner"]),
        "version": version,
    }
    form.update(changes)
    return form


def version_on_page(page: str) -> str:
    return re.search(r'name="version" value="(\d+)"', page).group(1)


def client_row(admin_engine: sa.Engine, client_id: str) -> dict:
    with admin_engine.connect() as conn:
        return dict(
            conn.execute(
                sa.text("SELECT phone, email, version FROM client WHERE id = :id"),
                {"id": client_id},
            )
            .mappings()
            .one()
        )


# ---------------------------------------------------------------------------------------------
# Changing a record a colleague changed first
# ---------------------------------------------------------------------------------------------


def test_stale_edit_keeps_my_input_and_shows_what_changed(app, world, admin_engine):
    me, colleague = signed_in(app, world.a), signed_in(app, world.a, "admin")
    url = f"{clients_url(world)}/{sam(world)}/edit"
    version = version_on_page(me.get(url).get_data(as_text=True))
    saved = colleague.post(url, data=edit_form(world, version, phone="01632 960 001"))
    assert saved.status_code == 302

    response = me.post(url, data=edit_form(world, version, email="sam@example.com"))

    # Not a redirect that loses what I typed: the page again, with my input and theirs.
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert title(page).startswith("Error: ")
    assert summary_links(page), "the conflict is in the error summary"
    assert 'value="sam@example.com"' in page
    assert "01632 960 001" in page  # what the colleague saved, to check against
    assert client_row(admin_engine, sam(world))["email"] is None  # nothing saved yet

    # Having checked, saving again keeps both changes' outcome as shown on the page.
    again = me.post(
        url,
        data=edit_form(
            world, version_on_page(page), email="sam@example.com", phone="01632 960 001"
        ),
    )
    assert again.status_code == 302
    row = client_row(admin_engine, sam(world))
    assert (row["email"], row["phone"]) == ("sam@example.com", "01632 960 001")


def test_stale_edit_with_mistakes_shows_them_too(app, world):
    me, colleague = signed_in(app, world.a), signed_in(app, world.a, "admin")
    url = f"{clients_url(world)}/{sam(world)}/edit"
    version = version_on_page(me.get(url).get_data(as_text=True))
    colleague.post(url, data=edit_form(world, version, phone="01632 960 001"))

    response = me.post(url, data=edit_form(world, version, postcode="NOT A POSTCODE"))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert ("#postcode", "Enter a real postcode, like SO16 7AB") in summary_links(page)
    assert 'value="NOT A POSTCODE"' in page


def test_emptying_a_required_field_on_edit_says_what_to_enter(app, world):
    me = signed_in(app, world.a)
    url = f"{clients_url(world)}/{sam(world)}/edit"
    version = version_on_page(me.get(url).get_data(as_text=True))

    response = me.post(
        url,
        data=edit_form(
            world,
            version,
            given_name="",
            **{"date_of_birth[day]": "", "date_of_birth[month]": "", "date_of_birth[year]": ""},
        ),
    )

    links = summary_links(response.get_data(as_text=True))
    assert ("#given_name", "Enter the client's given name") in links
    assert ("#date_of_birth-day", "Enter a date of birth") in links
    assert not any("may not be null" in text for _href, text in links)


def test_marshmallow_wording_does_not_reach_the_page(app, world):
    me = signed_in(app, world.a)
    response = me.post(
        f"{clients_url(world)}/new",
        data={
            "given_name": "x" * 101,
            "family_name": "Lee",
            "date_of_birth[day]": "1",
            "date_of_birth[month]": "2",
            "date_of_birth[year]": "1990",
            "email": "not an email",
        },
    )
    links = dict(summary_links(response.get_data(as_text=True)))
    assert links["#given_name"] == "Given name must be 100 characters or fewer"
    assert links["#email"] == (
        "Enter an email address in the correct format, like name@example.com"
    )


# ---------------------------------------------------------------------------------------------
# Adding a client: the likely-duplicate warning
# ---------------------------------------------------------------------------------------------


def test_same_nhs_number_points_at_the_nhs_number_not_a_useless_tick_box(app, world):
    me = signed_in(app, world.a)
    form = {
        "given_name": "Alex",
        "family_name": "Other",
        "date_of_birth[day]": "1",
        "date_of_birth[month]": "2",
        "date_of_birth[year]": "1990",
        "nhs_number": "999 000 0018",
    }

    page = me.post(f"{clients_url(world)}/new", data=form).get_data(as_text=True)

    # Ticking "this is a different person" cannot help: the same NHS number is always refused.
    assert summary_links(page) == [("#nhs_number", "A client with this NHS number already exists")]
    assert 'name="confirm_not_duplicate"' not in page
    assert "Sam</a>" in page or "Sam Taylor</a>" in page  # the existing record, to open


# ---------------------------------------------------------------------------------------------
# Client list and its CSV download
# ---------------------------------------------------------------------------------------------


def csv_rows(response) -> list[str]:
    return response.get_data(as_text=True).strip().splitlines()[1:]


def test_csv_download_is_the_list_on_the_screen(app, world):
    admin = signed_in(app, world.a, "admin")
    closed = str(world.a.ids["client"][1])
    reason = codelists.CLOSURE_REASONS.choices()[0][0]
    closing = admin.post(f"{clients_url(world)}/{closed}/close", data={"reason": reason})
    assert closing.status_code == 302

    page = admin.get(f"{clients_url(world)}/").get_data(as_text=True)
    assert "1 client</p>" in page  # open clients only, by default
    link = re.search(r'href="([^"]*export\.csv[^"]*)"', page).group(1).replace("&amp;", "&")
    rows = csv_rows(admin.get(link))
    assert len(rows) == 1 and closed not in rows[0]

    # Filtered by key worker: the download is filtered the same way.
    page = admin.get(f"{clients_url(world)}/?status=&key_worker=me").get_data(as_text=True)
    assert "0 clients</p>" in page
    assert csv_rows(admin.get(f"{clients_url(world)}/export.csv?status=&key_worker=me")) == []


def test_csv_download_with_a_mangled_address_is_not_a_server_error(app, world):
    admin = signed_in(app, world.a, "admin")
    for query in ("status=bogus", "q=" + "x" * 150, "key_worker=not-a-person"):
        response = admin.get(f"{clients_url(world)}/export.csv?{query}")
        assert response.status_code in (200, 400), (query, response.status_code)


def test_list_filter_problems_are_in_an_error_summary(app, world):
    me = signed_in(app, world.a)
    page = me.get(f"{clients_url(world)}/?q={'x' * 150}").get_data(as_text=True)
    assert title(page).startswith("Error: ")
    assert summary_links(page) == [
        ("#q", "Name, NHS number or local ID must be 100 characters or fewer")
    ]


# ---------------------------------------------------------------------------------------------
# The record and its timeline
# ---------------------------------------------------------------------------------------------


def test_timeline_page_past_the_last_shows_the_last_page(app, world):
    me = signed_in(app, world.a)
    page = me.get(f"{clients_url(world)}/{sam(world)}?page=99").get_data(as_text=True)
    assert "Nothing recorded yet" not in page
    assert "Talked about work goals" in page


def contact(day: str = "1", **extra: str) -> dict[str, str]:
    return {
        "occurred_on[day]": day,
        "occurred_on[month]": "2",
        "occurred_on[year]": "2026",
        "method": "phone",
        **extra,
    }


def contacts_of(admin_engine: sa.Engine, client_id: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM client_contact WHERE client_id = :id"), {"id": client_id}
        ).scalar_one()


def test_contact_duration_that_is_not_a_number_is_refused_not_dropped(app, world, admin_engine):
    me = signed_in(app, world.a)
    url = f"{clients_url(world)}/{sam(world)}/contacts/new"
    before = contacts_of(admin_engine, sam(world))

    response = me.post(url, data=contact(duration_minutes="20 mins"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert summary_links(page) == [
        ("#duration_minutes", "Enter how long the contact took in minutes, like 30")
    ]
    assert 'value="20 mins"' in page
    assert contacts_of(admin_engine, sam(world)) == before


def test_contact_problems_are_all_shown_at_once_in_plain_words(app, world):
    me = signed_in(app, world.a)
    url = f"{clients_url(world)}/{sam(world)}/contacts/new"
    page = me.post(url, data=contact(occurred_time="noonish", duration_minutes="2000")).get_data(
        as_text=True
    )
    assert summary_links(page) == [
        ("#occurred_time", "Enter a time like 14:30"),
        ("#duration_minutes", "Enter how long the contact took, from 0 to 1440 minutes"),
    ]


def test_correcting_a_note_shows_the_note_being_corrected(app, world):
    me = signed_in(app, world.a)
    note = world.a.ids["client_note"][0]
    page = me.get(f"{clients_url(world)}/{sam(world)}/notes/new?corrects={note}").get_data(
        as_text=True
    )
    assert "First meeting went well." in page
    assert title(page).startswith("Correct a note")


def test_correcting_a_note_that_is_not_there_is_404(app, world):
    me = signed_in(app, world.a)
    base = f"{clients_url(world)}/{sam(world)}/notes/new?corrects="
    other_tenant_note = world.b.ids["client_note"][0]
    for wanted in ("00000000-0000-0000-0000-000000000000", "not-an-id", other_tenant_note):
        assert me.get(base + str(wanted)).status_code == 404, wanted
        assert me.post(base + str(wanted), data={"text": "x"}).status_code == 404, wanted


def test_a_note_too_long_says_so(app, world):
    me = signed_in(app, world.a)
    page = me.post(
        f"{clients_url(world)}/{sam(world)}/notes/new", data={"text": "x" * 20001}
    ).get_data(as_text=True)
    assert summary_links(page) == [("#text", "A note must be 20,000 characters or fewer")]


def test_share_page_names_consent_dates_the_nhs_way(app, world):
    me = signed_in(app, world.a)
    page = me.get(f"{clients_url(world)}/{sam(world)}/shares/new").get_data(as_text=True)
    assert "(given 5 January 2026)" in page
    assert "05/01/2026" not in page


# ---------------------------------------------------------------------------------------------
# Admin: the audit log's filters
# ---------------------------------------------------------------------------------------------


def test_audit_log_to_the_last_possible_day_is_not_a_server_error(app, world):
    admin = signed_in(app, world.a, "admin")
    response = admin.get(
        f"/{world.a.slug}/admin/audit?until[day]=31&until[month]=12&until[year]=9999"
    )
    assert response.status_code == 200


def test_audit_log_long_filter_is_explained_in_plain_words(app, world):
    admin = signed_in(app, world.a, "admin")
    page = admin.get(f"/{world.a.slug}/admin/audit?object_id={'x' * 81}").get_data(as_text=True)
    assert summary_links(page) == [("#object_id", "Object ID must be 80 characters or fewer")]


def test_no_results_advice_offers_only_searches_the_box_can_do(app, world):
    me = signed_in(app, world.a)
    page = me.get(f"{clients_url(world)}/?q=Zzyzx").get_data(as_text=True)
    assert "No clients found" in page
    assert "date of birth" not in page.split("No clients found")[1].split("</p>")[0]


def test_stop_sharing_page_names_the_organisation(app, world):
    me = signed_in(app, world.a)
    share = world.a.ids["client_share"][0]
    page = me.get(f"{clients_url(world)}/{sam(world)}/shares/{share}/end").get_data(as_text=True)
    assert "Job Centre Plus" in page.split("<h1")[1]
