"""Step Out in a real browser, in a tenant that runs only Step Out (like harbour-housing).

A housing worker refers a client from a ward, records an application and changes its outcome,
records an offer and decides it (the error summary first), records move-in and discharge, and
reads the delayed days and the review schedule; then imports crisis use from a CSV file. The
housing provider partner sees only the client shared with them, and only the Step Out parts.
axe-core checks every page at WCAG 2.2 AA; screenshots go to docs/screenshots/step-out-*.png.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect

from plugins.step_out.tests.housing_tenant import HousingTenant, build_housing_tenant
from tests.browser.nhs_dates import fill_date
from tests.browser.support import (
    LiveServer,
    axe_violations,
    format_violations,
    screenshot,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

NAV = re.compile("menu", re.I)


@pytest.fixture
def harbour(live_server: LiveServer, admin_engine: Any) -> HousingTenant:
    """The Step-Out-only tenant, with a referral of the client not shared with the provider."""
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from plugins.step_out.models import StepOutReferral

    built = build_housing_tenant(live_server.app)
    with live_server.app.app_context(), tenant_context(built.tenant_id):
        db.session.add(
            StepOutReferral(
                client_id=built.clients["Jo Shore"], referred_on=date(2026, 1, 2),
                ward="Oak ward", referrer="Dr R", status="referred",
            )
        )  # fmt: skip
        db.session.commit()
    return built


class Checker:
    """Runs axe on each page it is shown and keeps the failures for one assertion at the end."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.failures: list[str] = []
        self.checked: list[str] = []

    def __call__(self, name: str, shot: bool = False) -> None:
        self.checked.append(name)
        if violations := axe_violations(self.page):
            self.failures.append(format_violations(f"{name} ({self.page.url})", violations))
        if shot:
            screenshot(self.page, f"step-out-{name}")


def _sign_in(page: Any, server: LiveServer, email: str) -> None:
    page.goto(server("/sign-in"))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()


def _heading(page: Any, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _save(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()


def test_housing_worker_journey_and_the_providers_view(
    axe_page: Any, live_server: LiveServer, harbour: HousingTenant
) -> None:
    page, check, t = axe_page, Checker(axe_page), f"/{harbour.slug}"
    _sign_in(page, live_server, harbour.emails["worker"])
    menu = page.get_by_role("navigation", name=NAV)
    expect(menu.get_by_role("link", name="Step Out")).to_be_visible()
    for other in ("IPS", "Canary notes"):
        expect(menu.get_by_role("link", name=other)).to_have_count(0)

    # Sam Tide's record: the Step Out panel offers the referral.
    menu.get_by_role("link", name="Clients", exact=True).click()
    page.get_by_role("link", name="TIDE, Sam").click()
    _heading(page, "Sam Tide")
    expect(page.locator("main")).not_to_contain_text("IPS")
    check("client-record", shot=True)
    page.get_by_role("link", name="Refer to Step Out").click()
    _heading(page, "Refer to Step Out")
    _save(page, "Save referral")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Enter the ward.")
    check("referral-errors")
    page.get_by_label("Ward", exact=True).fill("Willow ward")
    page.get_by_label("Referrer").fill("Dr Ade, ward consultant")
    fill_date(page, "Referral date", "2026-01-05")
    fill_date(page, "Admission date", "2025-12-20")
    fill_date(page, "Clinically ready for discharge", "2026-01-20")
    page.get_by_label("Accommodation type").select_option("14")
    page.get_by_label("Housing needs").fill("Ground-floor flat near his sister.")
    page.get_by_label("Risks").fill("None known to housing.")
    check("referral-form", shot=True)
    _save(page, "Save referral")
    _heading(page, "Sam Tide")
    expect(page.locator("main")).to_contain_text("Willow ward")

    # An application to a housing association, then its outcome.
    page.get_by_role("link", name="Record an application").click()
    _heading(page, "Record an application")
    page.get_by_label("Type of application").select_option("housing_association")
    page.get_by_label("Council or provider").fill("Quay Homes")
    fill_date(page, "Date of the application", "2026-01-08")
    check("action-form")
    _save(page, "Save application")
    expect(page.locator("main")).to_contain_text("Waiting")
    page.get_by_role("link", name=re.compile("^Change the application to Quay Homes")).click()
    page.get_by_label("Outcome (optional)").fill("Nominated for a one-bed flat")
    _save(page, "Save changes")
    expect(page.locator("main")).to_contain_text("Nominated for a one-bed flat")

    # An offer: declining without a reason is refused, then it is accepted.
    page.get_by_role("link", name="Record an offer").click()
    page.get_by_label("Property", exact=True).fill("One-bed flat, 4 Harbour Row")
    page.get_by_label("Landlord or provider").fill("Quay Homes")
    page.get_by_label("Tenure").select_option("social_rent")
    page.get_by_label("Weekly rent in pounds (optional)").fill("98.40")
    fill_date(page, "Date offered", "2026-01-25")
    check("offer-form", shot=True)
    _save(page, "Save offer")
    page.get_by_role("link", name=re.compile("^Decide the offer of One-bed flat")).click()
    page.get_by_role("radio", name="Declined").check()
    _save(page, "Save decision")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why the offer was declined.")
    check("offer-decision-errors", shot=True)
    page.get_by_role("radio", name="Accepted").check()
    _save(page, "Save decision")
    expect(page.get_by_role("table").nth(1)).to_contain_text("Accepted")

    # Move-in and discharge: 14 delayed days, reviews at 1, 3, 6 and 12 months.
    page.get_by_role("link", name="Record move-in and discharge").click()
    fill_date(page, "Move-in date", "2026-02-03")
    fill_date(page, "Discharge date", "2026-02-03")
    page.get_by_label("Discharge destination").fill("Own tenancy")
    page.get_by_label("Delay reason").select_option("15")
    page.get_by_label("Delay attribution").select_option("05")
    check("move-in-form")
    _save(page, "Save")
    main = page.locator("main")
    expect(main.locator(".nhsuk-summary-list__row", has_text="Delayed days")).to_contain_text("14")
    reviews = page.get_by_role("table").nth(2)
    schedule = (
        ("1 month", "3 March 2026"), ("3 months", "3 May 2026"),
        ("6 months", "3 August 2026"), ("12 months", "3 February 2027"),
    )  # fmt: skip
    for months, due in schedule:
        expect(reviews.get_by_role("row", name=re.compile("^" + months))).to_contain_text(
            re.compile(due.replace(" ", r"\s+"))
        )
    check("referral", shot=True)

    # The caseload shows the delayed days; the import page starts a job.
    page.get_by_role("navigation", name=NAV).get_by_role("link", name="Step Out").click()
    _heading(page, "Step Out caseload")
    sam_row = page.get_by_role("row", name=re.compile("Sam Tide"))
    expect(sam_row).to_contain_text("Housed")
    expect(sam_row).to_contain_text("14")
    check("caseload", shot=True)
    page.get_by_role("link", name=re.compile("Import crisis use")).click()
    _heading(page, "Import crisis use")
    _save(page, "Upload and import")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a CSV file")
    check("import-errors")
    page.get_by_label("CSV file").set_input_files(
        files=[{
            "name": "crisis.csv", "mimeType": "text/csv",
            "buffer": b"nhs_number,kind,date\n9990000018,crisis_contact,2025-11-02\n"
                      b"9990000018,visit,2025-11-03\n",
        }]
    )  # fmt: skip
    check("import", shot=True)
    _save(page, "Upload and import")
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]+$"))
    expect(page.get_by_role("link", name=re.compile("crisis-import-problems.csv"))).to_be_visible()
    check("import-job", shot=True)
    page.get_by_role("button", name="Sign out").click()

    # The provider: only Sam, only the Step Out parts.
    _sign_in(page, live_server, harbour.emails["provider"])
    menu = page.get_by_role("navigation", name=NAV)
    expect(menu.get_by_role("link", name="Clients", exact=True)).to_have_count(0)
    menu.get_by_role("link", name="Step Out").click()
    _heading(page, "Step Out caseload")
    expect(page.locator("main")).to_contain_text("Sam Tide")
    expect(page.locator("main")).not_to_contain_text("Jo Shore")
    expect(page.get_by_role("link", name=re.compile("Import crisis use"))).to_have_count(0)
    check("provider-caseload", shot=True)
    page.get_by_role("link", name=re.compile("^Sam Tide")).click()
    _heading(page, "Sam Tide")
    expect(page.locator(f'main a[href$="/clients/{harbour.clients["Sam Tide"]}"]')).to_have_count(0)
    expect(page.locator("main")).to_contain_text("One-bed flat, 4 Harbour Row")
    check("provider-referral", shot=True)
    response = page.goto(live_server(f"{t}/clients/{harbour.clients['Sam Tide']}"))
    assert response is not None and response.status == 403

    assert len(check.checked) == 14
    assert not check.failures, "\n\n".join(check.failures)
