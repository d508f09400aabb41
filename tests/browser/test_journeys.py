"""Whole journeys in a real browser, as the people who use the service make them."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.support import BrowserWorld, screenshot, sign_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

T = "/tenant-a"
TODAY = date.today()
#: Contacts are dated yesterday: a time later today would be "in the future" and refused.
YESTERDAY = TODAY - timedelta(days=1)


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def _open_clients(page: Any) -> None:
    page.get_by_role("navigation", name=re.compile("menu", re.I)).get_by_role(
        "link", name="Clients", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clients")


def _search(page: Any, text: str) -> None:
    page.get_by_label("Name, NHS number or local ID").fill(text)
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("found")


def _client_links(page: Any) -> list[str]:
    return sorted(page.locator("table.nhsuk-table-responsive tbody a").all_inner_texts())


def test_practitioner_shares_a_client_and_the_partner_sees_only_shared_clients(
    page: Any, bworld: BrowserWorld
) -> None:
    a = bworld.world.a
    sign_in(page, bworld, a.emails["practitioner"])
    expect(page).to_have_url(bworld.url(T + "/"))

    # Find Sam Taylor, spelt wrong, and record a contact.
    _open_clients(page)
    _search(page, "Tayler")
    page.get_by_role("link", name="TAYLOR, Sam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Taylor")
    page.get_by_role("button", name="Record a contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a contact")
    page.get_by_label("Day").fill(str(YESTERDAY.day))
    page.get_by_label("Month").fill(str(YESTERDAY.month))
    page.get_by_label("Year").fill(str(YESTERDAY.year))
    page.get_by_label("Time (optional)").fill("14:30")
    page.get_by_label("How did you contact them?").select_option(label="Telephone")
    page.get_by_label("How long, in minutes (optional)").fill("25")
    page.get_by_label("Summary (optional)").fill("Went through the CV workshop dates together.")
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_text("The contact has been recorded.")).to_be_visible()
    timeline = page.locator(".app-timeline")
    expect(timeline).to_contain_text("Went through the CV workshop dates together.")

    # Alex Morgan agrees to sharing with Job Centre Plus: record consent, then share.
    _open_clients(page)
    _search(page, "Morgan")
    page.get_by_role("link", name="MORGAN, Alex").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Morgan")
    expect(page.get_by_text("Not shared with any partner organisation.")).to_be_visible()
    page.get_by_role("link", name="Record consent").click()
    page.get_by_label("What has the client agreed to?").select_option(
        label="Sharing with Job Centre Plus for joint caseload work"
    )
    page.get_by_label("Day").fill(str(TODAY.day))
    page.get_by_label("Month").fill(str(TODAY.month))
    page.get_by_label("Year").fill(str(TODAY.year))
    page.get_by_label("How was it recorded?").select_option(label="Written (signed form)")
    page.get_by_role("button", name="Save consent").click()
    expect(page.get_by_text("Consent has been recorded.")).to_be_visible()
    page.get_by_role("link", name="Share with a partner organisation").click()
    page.get_by_label("Partner organisation").select_option(label="Job Centre Plus")
    page.get_by_label("Under which consent?").select_option(index=1)
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("The record is now shared.")).to_be_visible()
    heading = page.get_by_role("heading", name="Shared with")
    shared = heading.locator("xpath=following-sibling::*[1]")
    expect(shared).to_contain_text("Job Centre Plus")
    _sign_out(page)

    # The Job Centre Plus advisor sees exactly the shared clients, and nobody else.
    sign_in(page, bworld, a.emails["partner"])
    expect(page.get_by_text("2 clients are shared with your organisation.")).to_be_visible()
    _open_clients(page)
    expect(page.get_by_role("status")).to_have_text("2 clients")
    assert _client_links(page) == ["MORGAN, Alex", "TAYLOR, Sam"]
    expect(page.locator("main")).not_to_contain_text("Unshared")
    page.get_by_role("link", name="MORGAN, Alex").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alex Morgan")
    response = page.goto(bworld.url(f"{T}/clients/{bworld.clients['Jo Unshared']}"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Unshared")


def test_a_tenant_without_plugins_shows_no_plugin_pages(page: Any, bworld: BrowserWorld) -> None:
    """Tenant C has no plugins: no "Canary notes" link, page, panel or report; tenant A has."""
    c, a = bworld.world.c, bworld.world.a
    sign_in(page, bworld, c.emails["admin"])
    expect(page).to_have_url(bworld.url("/tenant-c/"))
    expect(page.get_by_role("link", name="Clients", exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="Canary notes")).to_have_count(0)
    expect(page.locator('a[href*="/canary"]')).to_have_count(0)
    response = page.goto(bworld.url("/tenant-c/canary/"))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.goto(bworld.url(f"/tenant-c/clients/{c.ids['client'][0]}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Taylor")
    expect(page.get_by_role("heading", name="Canary", exact=True)).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("A canary sang")
    _sign_out(page)

    sign_in(page, bworld, a.emails["admin"])
    link = page.get_by_role("navigation", name=re.compile("menu", re.I)).get_by_role(
        "link", name="Canary notes"
    )
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(bworld.url("/tenant-a/canary/"))
    page.goto(bworld.url(f"/tenant-a/clients/{bworld.clients['Sam Taylor']}"))
    expect(page.get_by_role("heading", name="Canary", exact=True)).to_be_visible()


def test_bad_input_shows_the_error_summary_and_keeps_what_was_typed(
    page: Any, bworld: BrowserWorld, admin_engine: sa.Engine
) -> None:
    sign_in(page, bworld, bworld.world.a.emails["practitioner"])
    page.goto(bworld.url(T + "/clients/new"))
    page.get_by_label("Given name").fill("Robin")
    page.get_by_label("Family name", exact=True).fill("O'Neill-Smith")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("02")
    page.get_by_label("Year").fill("1990")
    page.get_by_label("NHS number (optional)").fill("1234567890")  # fails the check digit
    page.get_by_label("Postcode (optional)").fill("SO16 7AB")
    page.get_by_role("button", name="Add client").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # NHS.UK frontend moves focus there, for screen readers
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(summary.locator('a[href="#date_of_birth-day"]')).to_have_count(1)
    expect(summary.locator('a[href="#nhs_number"]')).to_have_count(1)
    expect(page.locator(".nhsuk-error-message")).to_have_count(2)
    # What was typed stays, the wrong parts too, so the person can correct them.
    expect(page.get_by_label("Given name")).to_have_value("Robin")
    expect(page.get_by_label("Family name", exact=True)).to_have_value("O'Neill-Smith")
    expect(page.get_by_label("Day")).to_have_value("31")
    expect(page.get_by_label("Month")).to_have_value("02")
    expect(page.get_by_label("Year")).to_have_value("1990")
    expect(page.get_by_label("NHS number (optional)")).to_have_value("1234567890")
    expect(page.get_by_label("Postcode (optional)")).to_have_value("SO16 7AB")
    screenshot(page, "add-client-errors")

    # Each message links to its field.
    summary.locator('a[href="#nhs_number"]').click()
    expect(page.get_by_label("NHS number (optional)")).to_be_focused()
    summary.locator('a[href="#date_of_birth-day"]').click()
    expect(page.get_by_label("Day")).to_be_focused()
    with admin_engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT count(*) FROM client WHERE given_name = 'Robin'")
        ).scalar_one()
    assert count == 0


def _tab_to(page: Any, what: str, predicate: str, limit: int = 60) -> None:
    """Press Tab until the focused element satisfies ``predicate`` (a JS function of it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({predicate}))(document.activeElement)"):
            return
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML")
    pytest.fail(f"Tab never reached {what}; focus is on {focused}")


def _text_is(text: str) -> str:
    return f"(el) => el && el.textContent.trim() === {text!r}"


def _id_is(element_id: str) -> str:
    return f"(el) => el && el.id === {element_id!r}"


def test_keyboard_only_sign_in_find_a_client_and_record_a_contact(
    page: Any, bworld: BrowserWorld
) -> None:
    """No mouse: Tab, typing and Enter only. Focus must reach every control in turn."""
    a = bworld.world.a
    page.goto(bworld.url("/sign-in"))
    _tab_to(page, "the skip link", _text_is("Skip to main content"), limit=1)
    _tab_to(page, "the email box", _id_is("email"))
    page.keyboard.type(a.emails["practitioner"])
    _tab_to(page, "the password box", _id_is("password"), limit=1)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(bworld.url(T + "/"))

    _tab_to(page, "the Clients link", _text_is("Clients"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    _tab_to(page, "the search box", _id_is("q"))
    page.keyboard.type("Tayler")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("found")

    _tab_to(page, "Sam Taylor's link", _text_is("TAYLOR, Sam"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Taylor")
    _tab_to(page, "the Record a contact button", _text_is("Record a contact"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a contact")

    for part, value in (("day", YESTERDAY.day), ("month", YESTERDAY.month)):
        _tab_to(page, f"the {part} box", _id_is(f"occurred_on-{part}"))
        page.keyboard.press("Control+A")
        page.keyboard.type(str(value))
    _tab_to(page, "the year box", _id_is("occurred_on-year"), limit=1)
    page.keyboard.press("Control+A")
    page.keyboard.type(str(YESTERDAY.year))
    _tab_to(page, "the time box", _id_is("occurred_time"), limit=1)
    page.keyboard.type("09:30")
    _tab_to(page, "the method list", _id_is("method"), limit=1)
    page.keyboard.press("ArrowDown")  # Face to face -> Telephone
    expect(page.get_by_label("How did you contact them?")).to_have_value("phone")
    _tab_to(page, "the summary box", _id_is("summary"))
    page.keyboard.type("Keyboard only: agreed the next appointment.")
    _tab_to(page, "the Save contact button", _text_is("Save contact"))
    page.keyboard.press("Enter")

    expect(page.get_by_text("The contact has been recorded.")).to_be_visible()
    expect(page.locator(".app-timeline")).to_contain_text(
        "Keyboard only: agreed the next appointment."
    )


def test_screenshots_of_the_main_pages(page: Any, bworld: BrowserWorld) -> None:
    """docs/screenshots/*.png, linked from the README: what the service looks like."""
    a = bworld.world.a
    page.goto(bworld.url("/sign-in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    screenshot(page, "sign-in")
    sign_in(page, bworld, a.emails["practitioner"])
    expect(page.get_by_role("heading", name="My caseload")).to_be_visible()
    screenshot(page, "tenant-home")
    _open_clients(page)
    screenshot(page, "clients-list")
    page.get_by_role("link", name="TAYLOR, Sam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Taylor")
    screenshot(page, "client-record")
    _sign_out(page)
    sign_in(page, bworld, a.emails["partner"])
    _open_clients(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clients shared with")
    screenshot(page, "partner-clients-list")
