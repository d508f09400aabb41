"""IPS referrals in a real browser.

An employment specialist refers a client from their record (the error summary first), accepts
the referral onto their own caseload, writes the vocational profile and plan, and sees their
caseload over the tenant's cap; the team leader sees the cap warning and opens the specialist's
caseload; the Job Centre Plus advisor sees only the IPS summary of the client shared with them.
axe-core checks every page at WCAG 2.2 AA; screenshots go to docs/screenshots/ips-referral-*.png.
"""

from __future__ import annotations

import re
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

T = "/tenant-a"
NAV = re.compile("menu", re.I)


class Checker:
    """Runs axe on each page it is shown and keeps the failures for one assertion at the end."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.failures: list[str] = []

    def __call__(self, name: str, shot: bool = False) -> None:
        if violations := axe_violations(self.page):
            self.failures.append(format_violations(f"{name} ({self.page.url})", violations))
        if shot:
            screenshot(self.page, f"ips-referral-{name}")


def _set_cap(bworld: BrowserWorld, cap: int) -> None:
    from core.extensions import db
    from core.tenancy.models import Tenant

    with bworld.server.app.app_context():
        tenant = db.session.get(Tenant, bworld.world.a.tenant_id)
        tenant.plugins = {**tenant.plugins, "ips": {"caseload_cap": cap}}
        db.session.commit()


def _open_ips(page: Any) -> None:
    page.get_by_role("navigation", name=NAV).get_by_role("link", name="IPS", exact=True).click()


def _heading(page: Any, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in$"))


def test_specialist_refers_accepts_and_profiles_then_leader_and_jcp_look(
    page: Any, bworld: BrowserWorld
) -> None:
    a = bworld.world.a
    check = Checker(page)
    _set_cap(bworld, 1)

    # The specialist's caseload: the world's client, in work.
    sign_in(page, bworld, a.emails["practitioner"])
    _open_ips(page)
    _heading(page, "IPS caseload")
    expect(page.get_by_role("table").first.get_by_role("link", name="Sam Taylor")).to_be_visible()
    check("caseload-before")

    # Refer Alex Morgan from the client record; the empty form first.
    page.goto(bworld.url(f"{T}/clients/{bworld.clients['Alex Morgan']}"))
    expect(page.locator("main").get_by_text("Not referred to IPS.")).to_be_visible()
    page.get_by_role("link", name="Refer to IPS").click()
    _heading(page, "Refer to IPS")
    fill_date(page, "Referral date", "")
    page.get_by_role("button", name="Save referral").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose who referred the person.")
    check("refer-errors", shot=True)
    page.get_by_label("Who referred").select_option(label="GP")
    page.get_by_label("Referrer's name or team").fill("Dr Okafor")
    fill_date(page, "Referral date", "2026-03-02")
    page.get_by_label("Employment status at referral (MHSDS)").select_option(
        label="Long-term sick or disabled"
    )
    page.get_by_role("button", name="Save referral").click()
    _heading(page, "Alex Morgan")
    expect(page.locator("main").get_by_text("Not assigned yet")).to_be_visible()

    # Accept onto my own caseload.
    page.get_by_role("link", name="Accept the referral").click()
    _heading(page, "Accept the referral")
    check("accept")
    fill_date(page, "Date accepted", "2026-03-04")
    page.get_by_label("Employment specialist").select_option(label="Practitioner of tenant-a")
    page.get_by_role("button", name="Accept").click()
    _heading(page, "Alex Morgan")
    expect(page.locator("main").get_by_text("Practitioner of tenant-a")).to_be_visible()

    # The vocational profile and plan.
    page.get_by_role("link", name="Write the vocational profile and plan").click()
    _heading(page, "Vocational profile and plan")
    page.get_by_label("Goals: the work or study they want").fill("Warehouse work, days only")
    page.get_by_label("Strengths and skills").fill("Reliable, forklift licence")
    page.get_by_label("Barriers and how to overcome them").fill("Gaps in work history")
    fill_date(page, "Review date", "2026-06-01")
    check("profile")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator("main").get_by_text("Warehouse work, days only")).to_be_visible()
    check("referral", shot=True)

    # Two active clients against a cap of one.
    _open_ips(page)
    expect(page.get_by_role("table").first.get_by_role("link", name="Alex Morgan")).to_be_visible()
    expect(page.locator("main").get_by_text("Your caseload is over the cap")).to_be_visible()
    check("caseload-specialist", shot=True)
    _sign_out(page)

    # The team leader sees every specialist's size and the warning, and opens a caseload.
    sign_in(page, bworld, a.emails["admin"])
    _open_ips(page)
    expect(
        page.locator("main").get_by_text("1 specialist is over the caseload cap")
    ).to_be_visible()
    check("caseload-team-leader", shot=True)
    page.locator("main").get_by_role("link", name="Practitioner of tenant-a").click()
    _heading(page, "Practitioner of tenant-a")
    expect(page.get_by_role("table").first.get_by_role("link", name="Alex Morgan")).to_be_visible()
    check("specialist")
    _sign_out(page)

    # Job Centre Plus: the summary of the shared client only.
    sign_in(page, bworld, a.emails["partner"])
    _open_ips(page)
    _heading(page, "IPS: shared clients")
    expect(page.get_by_role("link", name="Alex Morgan")).to_have_count(0)
    page.get_by_role("link", name="Sam Taylor").click()
    _heading(page, "Sam Taylor")
    expect(
        page.get_by_text("Paid job (employed or self-employed) from 2 February 2026")
    ).to_be_visible()
    expect(page.locator("main").get_by_text("Anxiety in crowds")).to_have_count(0)
    check("partner-summary", shot=True)

    assert check.failures == [], "\n\n".join(check.failures)
