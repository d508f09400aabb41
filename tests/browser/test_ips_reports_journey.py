"""IPS reports in a real browser: the team leader finds the outcome table on the reports page,
runs it for a period, reads the chart and table, and opens the clients behind a figure; then
the caseloads against the cap. Every page is checked with axe-core at WCAG 2.2 AA; screenshots
go to docs/screenshots/ips-report-*.png."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import (
    BrowserWorld,
    axe_violations,
    format_violations,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.browser

TODAY = date.today()
START = TODAY - timedelta(days=180)
OUTCOMES_TITLE = "IPS outcomes: clients supported, job and other starts, retention"


def _add_outcomes(bworld: BrowserWorld) -> None:
    """Two accepted episodes with starts in the period (the world's own one has a job too)."""
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from plugins.ips.models import IpsOutcome, IpsReferral

    tenant = bworld.world.a
    specialist = tenant.memberships["practitioner"]
    with bworld.server.app.app_context(), tenant_context(tenant.tenant_id):
        for index, (name, kind) in enumerate(
            [("Alex Morgan", "paid_job"), ("Priya Shah", "education")]
        ):
            client_id = bworld.clients[name]
            referral = IpsReferral(
                client_id=client_id,
                source="mental_health_team",
                referred_on=START,
                accepted_on=START + timedelta(days=2),
                status="in_work",
                specialist_id=specialist,
                employment_status="02",
            )
            db.session.add(referral)
            db.session.flush()
            db.session.add(
                IpsOutcome(
                    referral_id=referral.id,
                    client_id=client_id,
                    kind=kind,
                    title="Barista" if kind == "paid_job" else "Food hygiene course",
                    started_on=START + timedelta(days=30 + index),
                    specialist_id=specialist,
                )
            )


def _add_reviews(bworld: BrowserWorld) -> None:
    """Two earlier fidelity reviews (fair, then a partial one) before the world's good one."""
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from plugins.ips.models import IpsFidelityReview, IpsFidelityScore

    with bworld.server.app.app_context(), tenant_context(bworld.world.a.tenant_id):
        for on, scores in ((date(2025, 3, 1), [3] * 25), (date(2025, 9, 1), [4] * 20)):
            review = IpsFidelityReview(reviewed_on=on, reviewer_type="internal", reviewers="Team")
            db.session.add(review)
            db.session.flush()
            db.session.add_all(
                IpsFidelityScore(review_id=review.id, item=item, score=score)
                for item, score in enumerate(scores, start=1)
            )


def _check(page: Any, where: str, failures: list[str]) -> None:
    violations = axe_violations(page)
    if violations:
        failures.append(format_violations(where, violations))


def test_team_leader_runs_the_outcome_table_and_opens_a_figure(
    axe_page: Any, bworld: BrowserWorld
) -> None:
    page = axe_page
    _add_outcomes(bworld)
    _add_reviews(bworld)
    failures: list[str] = []
    sign_in(page, bworld, bworld.world.a.emails["admin"])

    page.goto(bworld.url("/tenant-a/reports/"))
    page.get_by_role("link", name=OUTCOMES_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("IPS outcomes")
    for legend, day in (("Period start", START), ("Period end", TODAY)):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day.day))
        group.get_by_label("Month").fill(str(day.month))
        group.get_by_label("Year").fill(str(day.year))
    page.get_by_role("button", name="Show the report").click()
    table = page.locator("table.nhsuk-table")
    expect(table).to_contain_text("Clients supported")
    expect(table).to_contain_text("Paid employment")
    expect(page.locator("svg.app-chart")).to_be_visible()
    _check(page, "ips outcomes report", failures)
    screenshot(page, "ips-report-outcomes")

    row = page.locator("tr", has_text="Paid employment")
    row.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("MORGAN, Alex")
    _check(page, "ips outcomes drill-down", failures)

    page.goto(bworld.url(f"/tenant-a/reports/ips-caseloads?run=1&period_end={TODAY.isoformat()}"))
    expect(page.locator("table.nhsuk-table")).to_contain_text("Unassigned")
    _check(page, "ips caseloads report", failures)
    screenshot(page, "ips-report-caseloads")
    for key, expected in (
        ("ips-rapid-search", "Referrals accepted"),
        ("ips-job-starts-by-specialist", "Practitioner of tenant-a"),
        ("ips-fidelity-trend", "Good fidelity"),
    ):
        page.goto(bworld.url(f"/tenant-a/reports/{key}?run=1"))
        expect(page.locator("table.nhsuk-table")).to_contain_text(expected)
        _check(page, key, failures)
    screenshot(page, "ips-report-fidelity-trend")
    assert not failures, "\n\n".join(failures)
