"""Subject access request pages: record from the client record, see what is due, extend, answer."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.clients.access_requests import due_date
from tests.factories import PASSWORD
from tests.form_dates import nhs_dates


@pytest.fixture
def admin(client, world):
    response = client.post(
        "/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def _client_page(world) -> str:
    return f"/{world.a.slug}/clients/{world.a.ids['client'][0]}/subject-access"


def test_recording_a_request_shows_its_due_date(admin, world):
    received = date.today() - timedelta(days=2)
    response = admin.post(
        _client_page(world),
        data={**nhs_dates({"received_on": received}), "details": "By letter"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    due = due_date(received)
    assert f"The answer is due by {due.day} {due:%B %Y}" in page
    listing = admin.get(f"/{world.a.slug}/subject-access-requests").get_data(as_text=True)
    assert "TAYLOR, Sam" in listing
    assert "days left" in listing or "Due today" in listing


def test_an_empty_date_uses_the_nhs_error_summary(admin, world):
    response = admin.post(_client_page(world), data={"details": "By letter"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nhsuk-error-summary" in page
    assert "Enter the date the request was received" in page


def test_extend_then_answer_from_the_request_page(admin, world):
    received = date.today() - timedelta(days=1)
    admin.post(_client_page(world), data=nhs_dates({"received_on": received}))
    listing = admin.get(f"/{world.a.slug}/subject-access-requests").get_data(as_text=True)
    ids = re.findall(r"/subject-access-requests/([0-9a-f-]{36})", listing)
    newest = next(i for i in ids if i != str(world.a.ids["subject_access_request"][0]))
    base = f"/{world.a.slug}/subject-access-requests/{newest}"
    detail = admin.get(base).get_data(as_text=True)
    extended_to = due_date(received, 3)
    assert f"Extend to {extended_to.day} {extended_to:%B %Y}" in detail
    blank = admin.post(f"{base}/extend", data={"reason": " "})
    assert "Enter why the request is complex" in blank.get_data(as_text=True)
    extended = admin.post(
        f"{base}/extend", data={"reason": "Records in three services"}, follow_redirects=True
    )
    assert "Extended: the answer is now due by" in extended.get_data(as_text=True)
    future = admin.post(
        f"{base}/answer", data=nhs_dates({"completed_on": date.today() + timedelta(days=3)})
    )
    assert "nhsuk-error-summary" in future.get_data(as_text=True)
    answered = admin.post(
        f"{base}/answer", data=nhs_dates({"completed_on": date.today()}), follow_redirects=True
    )
    page = answered.get_data(as_text=True)
    assert "The answer has been recorded." in page
    assert "Answered" in page
    assert "Record the answer</h2>" not in page


def test_the_home_page_counts_overdue_requests(admin, world):
    home = admin.get(f"/{world.a.slug}/").get_data(as_text=True)
    # the world's own request, received in March 2026, was never answered
    assert "1 open request" in home and "1 overdue" in home


def test_staff_without_the_permission_cannot_open_the_pages(client, world):
    client.post("/sign-in", data={"email": world.a.emails["practitioner"], "password": PASSWORD})
    assert client.get(f"/{world.a.slug}/subject-access-requests").status_code == 403
    assert client.get(_client_page(world)).status_code == 403
