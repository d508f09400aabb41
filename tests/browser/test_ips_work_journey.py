"""IPS work journey in a real browser: an employment specialist logs an employer contact about
a client, records the client's job start (first with a date the rules refuse), and sees both on
the client's work page. Every page is checked with axe-core at WCAG 2.2 AA."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.nhs_dates import fill_date
from tests.browser.support import (
    BrowserWorld,
    axe_violations,
    format_violations,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

T = "/tenant-a/ips"
TODAY = date.today()
ACCEPTED = TODAY - timedelta(days=12)


def _accept_referral(bworld: BrowserWorld, client_name: str) -> None:
    """An accepted IPS episode for the client (the referral pages are another slice's)."""
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from plugins.ips.models import IpsReferral

    tenant = bworld.world.a
    with bworld.server.app.app_context(), tenant_context(tenant.tenant_id):
        db.session.add(
            IpsReferral(
                client_id=bworld.clients[client_name],
                source="mental_health_team",
                referred_on=ACCEPTED - timedelta(days=3),
                accepted_on=ACCEPTED,
                status="accepted",
                specialist_id=tenant.memberships["practitioner"],
            )
        )


def _check(page: Any, where: str, failures: list[str]) -> None:
    violations = axe_violations(page)
    if violations:
        failures.append(format_violations(where, violations))


def test_specialist_logs_a_contact_and_records_a_job_start(
    axe_page: Any, bworld: BrowserWorld
) -> None:
    page = axe_page
    _accept_referral(bworld, "Alex Morgan")
    failures: list[str] = []
    sign_in(page, bworld, bworld.world.a.emails["practitioner"])

    # The employers list, then an employer's page.
    page.goto(bworld.url(f"{T}/employers"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Employers")
    _check(page, "employers", failures)
    screenshot(page, "ips-employers")
    page.get_by_role("link", name="Harbour Cafe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Cafe")
    _check(page, "employer", failures)

    # Log a contact about a job for Alex Morgan.
    page.get_by_role("link", name="Log an employer contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log an employer contact")
    fill_date(page, "Date of the contact", (ACCEPTED + timedelta(days=4)).isoformat())
    page.get_by_label("Face to face").check()
    page.get_by_label("About a job for a client").check()
    page.get_by_label("Client it was about").select_option(label="Alex Morgan")
    page.get_by_label("Notes (optional)").fill("Talked about a kitchen role on weekday mornings.")
    _check(page, "log employer contact", failures)
    page.get_by_role("button", name="Save contact").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbour Cafe")
    contacts = page.get_by_role("table").first
    expect(contacts).to_contain_text("Alex Morgan")

    # The client's work page shows rapid job search: 4 days after acceptance.
    contacts.get_by_role("link", name="Alex Morgan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Work, education and in-work support")
    rapid = page.get_by_role("table").first
    expect(rapid).to_contain_text("4")
    expect(rapid).not_to_contain_text("Over 30 days")
    expect(page.locator("main")).to_contain_text("No starts recorded yet.")

    # Record a job start: a start date before acceptance is refused, inline.
    page.get_by_role("link", name=re.compile("^Record a start")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a start")
    page.get_by_label("Paid job (employed or self-employed)").check()
    page.get_by_label("Job title, course or role").fill("Kitchen assistant")
    page.get_by_label("Employer from the list").select_option(label="Harbour Cafe")
    page.get_by_label("Weekly hours (paid jobs only)").select_option(label="16 to 29 hours")
    fill_date(page, "Start date", (ACCEPTED - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save start").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("before the referral was accepted")
    expect(page).to_have_title(re.compile("^Error: "))
    _check(page, "record a start (errors)", failures)
    screenshot(page, "ips-record-start-errors")
    fill_date(page, "Start date", (TODAY - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save start").click()

    # Back on the work page: the job, with its employer and hours.
    expect(page.get_by_role("heading", level=1)).to_have_text("Work, education and in-work support")
    starts = page.get_by_role("table").nth(1)
    expect(starts).to_contain_text("Kitchen assistant")
    expect(starts).to_contain_text("Harbour Cafe")
    expect(starts).to_contain_text("16 to 29 hours")
    expect(starts).to_contain_text("Current")
    _check(page, "client work", failures)
    screenshot(page, "ips-client-work")

    # The weekly employer-contact figures count the contact just logged.
    page.goto(bworld.url(f"{T}/employer-contacts/weekly"))
    row = page.get_by_role("row", name=re.compile("Practitioner of tenant-a"))
    expect(row).to_contain_text("Below 6")
    _check(page, "employer contacts per week", failures)
    screenshot(page, "ips-employer-contacts-weekly")
    assert not failures, "\n\n".join(failures)


def test_every_work_page_is_reached_by_links_from_the_ips_pages(
    axe_page: Any, bworld: BrowserWorld
) -> None:
    """As the team leader, follow links from /tenant-a/ips/ (one page per endpoint): every
    GET page of the work slice is reached, and none has an axe violation."""
    from urllib.parse import urlsplit

    from werkzeug.exceptions import HTTPException

    app = bworld.server.app
    adapter = app.url_map.bind("127.0.0.1")
    wanted = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("ips_work.") and "GET" in (rule.methods or ())
    }
    sign_in(axe_page, bworld, bworld.world.a.emails["admin"])
    start = bworld.url(f"{T}/")
    queue, seen_endpoints, reached = [start], set(), set()
    failures: list[str] = []
    while queue:
        url = queue.pop(0)
        response = axe_page.goto(url)
        assert response is not None and response.status == 200, url
        endpoint = adapter.match(urlsplit(url).path, method="GET")[0]
        if endpoint in wanted:
            reached.add(endpoint)
            _check(axe_page, url, failures)
        for href in axe_page.eval_on_selector_all(
            "main a[href]", "links => links.map((a) => a.href)"
        ):
            parts = urlsplit(href)
            if not parts.path.startswith(f"{T}/"):
                continue
            try:
                endpoint, _args = adapter.match(parts.path, method="GET")
            except HTTPException:
                continue
            if endpoint in seen_endpoints or not endpoint.startswith(("ips.", "ips_work.")):
                continue
            seen_endpoints.add(endpoint)
            queue.append(href)
    assert reached == wanted, f"never reached: {sorted(wanted - reached)}"
    assert not failures, "\n\n".join(failures)
