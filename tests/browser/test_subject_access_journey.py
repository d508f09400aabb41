"""An information governance lead records a subject access request, extends it and answers it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from core.clients.access_requests import due_date
from tests.browser.nhs_dates import fill_date
from tests.browser.support import BrowserWorld, screenshot, sign_in

pytestmark = pytest.mark.browser


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def test_record_extend_and_answer_a_subject_access_request(page: Any, bworld: BrowserWorld) -> None:
    a = bworld.world.a
    received = date.today() - timedelta(days=3)
    sign_in(page, bworld, a.emails["admin"])
    page.goto(bworld.url(f"/tenant-a/clients/{a.ids['client'][0]}"))
    page.get_by_role("link", name="Subject access requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Subject access requests")
    page.get_by_role("button", name="Record the request").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Enter the date the request was received"
    )
    fill_date(page, "Date the request was received", received)
    page.get_by_label("How it came and from whom (optional)").fill("By letter from Sam")
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text(f"The answer is due by {_long(due_date(received))}")).to_be_visible()
    screenshot(page, "subject-access-client")
    page.get_by_role("link", name=_long(received)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Subject access request")
    page.get_by_label("Why is the request complex?").fill("Records held by three services")
    page.get_by_role("button", name=re.compile("^Extend to")).click()
    extended = due_date(received, 3)
    expect(
        page.get_by_text(f"Extended: the answer is now due by {_long(extended)}")
    ).to_be_visible()
    screenshot(page, "subject-access-request")
    fill_date(page, "Date the answer was sent", date.today())
    page.get_by_role("button", name="Record the answer").click()
    expect(page.get_by_text("The answer has been recorded.")).to_be_visible()
    page.get_by_role("link", name="All subject access requests").click()
    page.get_by_role("link", name="All", exact=True).click()
    expect(page.locator("table")).to_contain_text("TAYLOR, Sam")
    expect(page.locator("table")).to_contain_text("Overdue since")  # the world's March request
    screenshot(page, "subject-access-list")
