"""IPS journeys in a real browser: a team leader records a fidelity review (sees its band and
the trend, and an overdue action in the plan), and records a joint caseload meeting with Job
Centre Plus; a work coach then reads it. axe-core checks every page on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from plugins.ips.fidelity_scale import ITEMS
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
TODAY = date.today()


def _axe(page: Any, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, format_violations(where, violations)


def _open_ips_section(page: Any, section: str) -> None:
    """Main navigation "IPS", then the section's link in the IPS sub-navigation."""
    page.get_by_role("navigation", name=re.compile("menu", re.I)).get_by_role(
        "link", name="IPS", exact=True
    ).click()
    page.get_by_role("navigation", name="IPS sections").get_by_role(
        "link", name=section, exact=True
    ).click()


def test_team_leader_records_a_fidelity_review_and_sees_band_and_trend(
    axe_page: Any, bworld: BrowserWorld
) -> None:
    page = axe_page
    sign_in(page, bworld, bworld.world.a.emails["admin"])
    _open_ips_section(page, "Fidelity")
    expect(page.get_by_role("heading", level=1)).to_have_text("IPS fidelity reviews")
    _axe(page, "fidelity reviews")

    page.get_by_role("button", name="Record a fidelity review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a fidelity review")
    _axe(page, "fidelity review form")
    # Saving with no reviewers: the error summary links to the field.
    fill_date(page, "Date of the review", (TODAY - timedelta(days=2)).isoformat())
    page.get_by_label("Quality consultant with lived experience").check()
    page.get_by_role("button", name="Save the review").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter the reviewers' names.")
    _axe(page, "fidelity review form with errors")
    summary.get_by_role("link", name="Enter the reviewers' names.").click()
    expect(page.get_by_label("Reviewers", exact=True)).to_be_focused()

    page.get_by_label("Reviewers", exact=True).fill("Ann Baker and Raj Patel")
    page.get_by_label("Summary of findings").fill(
        "Close work with employers; slow benefits advice."
    )
    for item in ITEMS:  # 5 everywhere but 3 on items 12–16: 125 - 5 * 2 = 115
        score = "3" if 12 <= item.number <= 16 else "5"
        page.get_by_label(f"Score for item {item.number}:").select_option(score)
    page.get_by_label("Evidence for item 12").fill("Better-off calculations take three weeks.")
    page.get_by_role("button", name="Save the review").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Fidelity review of")
    expect(page.locator("main")).to_contain_text("Total 115 of 125")
    expect(page.locator("main .nhsuk-tag").first).to_have_text("Exemplary fidelity")
    _axe(page, "fidelity review")

    page.get_by_role("link", name="Add an action to the plan").click()
    page.get_by_label("What will be done").fill("Book benefits advice within a week of referral")
    page.get_by_label("Scale item it answers").select_option("12")
    page.get_by_label("Who will do it").fill("Team leader")
    fill_date(page, "Due date", (TODAY - timedelta(days=1)).isoformat())
    _axe(page, "fidelity action form")
    page.get_by_role("button", name="Save the action").click()
    row = page.get_by_role("row", name=re.compile("Book benefits advice"))
    expect(row).to_contain_text("Overdue")
    screenshot(page, "ips-fidelity-review")

    page.get_by_role("link", name="Back to fidelity reviews").click()
    expect(page.locator("svg.app-chart")).to_be_visible()
    trend = page.get_by_role("table", name="Fidelity over time, oldest first")
    expect(trend.locator("tbody tr")).to_have_count(2)  # the world's review (100) and ours
    expect(trend.locator("tbody tr").nth(0)).to_contain_text("Good fidelity")
    expect(trend.locator("tbody tr").nth(1)).to_contain_text("Exemplary fidelity")
    _axe(page, "fidelity trend")
    screenshot(page, "ips-fidelity-trend")


def test_joint_meeting_is_recorded_and_the_work_coach_reads_it(
    axe_page: Any, bworld: BrowserWorld
) -> None:
    page, a = axe_page, bworld.world.a
    sign_in(page, bworld, a.emails["admin"])
    _open_ips_section(page, "Joint meetings")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Joint caseload meetings with Job Centre Plus"
    )
    _axe(page, "joint meetings")
    page.get_by_role("button", name="Record a joint meeting").click()
    page.get_by_label("Job Centre Plus office").select_option(label="Job Centre Plus")
    fill_date(page, "Date of the meeting", (TODAY - timedelta(days=1)).isoformat())
    page.get_by_label("Who attended").fill("Pat Lee, employment specialist\nSam Green, work coach")
    page.get_by_label("Notes").fill("Monthly joint caseload review.")
    _axe(page, "joint meeting form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Joint meeting of")

    page.get_by_role("link", name="Record a client discussed").click()
    options = page.get_by_label("Client discussed").locator("option").all_inner_texts()
    assert "Sam Taylor" in options and "Jo Unshared" not in options  # only shared clients
    page.get_by_label("Client discussed").select_option(label="Sam Taylor")
    page.get_by_label("What was discussed").fill("Interview at the cafe next week.")
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Add an action").click()
    page.get_by_label("What will be done").fill("Pause the claim review until after the interview")
    page.get_by_label("Who will do it").fill("Sam Green (JCP)")
    page.get_by_label("About a client discussed (optional)").select_option(label="Sam Taylor")
    page.get_by_role("button", name="Save").click()
    main = page.locator("main")
    expect(main).to_contain_text("Interview at the cafe next week.")
    expect(main).to_contain_text("Pause the claim review")
    _axe(page, "joint meeting")
    screenshot(page, "ips-joint-meeting")
    meeting_url = page.url
    page.get_by_role("button", name="Sign out").click()

    # The work coach of that office reads the meeting, and cannot change it.
    sign_in(page, bworld, a.emails["partner"])
    page.goto(meeting_url)
    expect(page.locator("main")).to_contain_text("Sam Taylor")
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)
    _axe(page, "joint meeting read by the work coach")


def test_specialist_records_a_survey_and_sees_the_summary(
    axe_page: Any, bworld: BrowserWorld
) -> None:
    page = axe_page
    sign_in(page, bworld, bworld.world.a.emails["practitioner"])
    _open_ips_section(page, "Surveys")
    expect(page.get_by_role("heading", level=1)).to_have_text("Client satisfaction surveys")
    expect(page.locator("main")).to_contain_text("1 response")  # the world's
    page.get_by_role("button", name="Record a survey").click()
    page.get_by_label("Client", exact=True).select_option(label="Sam Taylor")
    fill_date(page, "Date completed", (TODAY - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Save the survey").click()
    errors = page.locator(".nhsuk-error-summary")
    expect(errors).to_contain_text("Choose an answer to “My employment specialist listened")
    _axe(page, "survey form with errors")
    for answer in page.get_by_role("radio", name=re.compile(r"^4 – ")).all():
        answer.check()
    page.get_by_label("Anything else the client wanted to say").fill("Very patient with me.")
    page.get_by_role("button", name="Save the survey").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Client satisfaction survey")
    expect(page.locator("main")).to_contain_text("4 – Agree")
    _axe(page, "survey")
    page.get_by_role("link", name="Back to client satisfaction surveys").click()
    expect(page.locator("main")).to_contain_text("2 responses")
    listened = page.get_by_role("row", name=re.compile("listened to what kind of work"))
    expect(listened).to_contain_text("4.00")
    _axe(page, "survey summary")
    screenshot(page, "ips-survey-summary")
