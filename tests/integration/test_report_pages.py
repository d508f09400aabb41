"""Report pages as a commissioner uses them: the form, its errors, downloads and drill-down."""

from __future__ import annotations

import json
import re

import pytest

from tests.factories import PASSWORD


def signed_in(client, world, who: str = "admin"):
    client.post("/sign-in", data={"email": world.a.emails[who], "password": PASSWORD})
    return client


def test_show_the_report_posts_so_no_token_reaches_a_url(client, world):
    signed_in(client, world)
    form = client.get(f"/{world.a.slug}/reports/caseload").get_data(as_text=True)
    assert re.search(r'<form method="post"', form), "the parameters form is a POST"
    shown = client.post(f"/{world.a.slug}/reports/caseload", data={"run": "1"})
    assert shown.status_code == 200, "Show the report renders the figures, no job"
    page = shown.get_data(as_text=True)
    assert "nhsuk-table" in page
    links = re.findall(r'href="([^"]*format=(?:csv|xlsx)[^"]*)"', page)
    assert len(links) == 2
    assert not [link for link in links if "csrf" in link or "run=" in link]
    background = client.post(f"/{world.a.slug}/reports/caseload", data={"background": "1"})
    assert background.status_code == 302 and "/jobs/" in background.headers["Location"]


@pytest.mark.parametrize("report", ["caseload", "ips-outcomes"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period_start": "31/02/2026"}, "Enter a date in the format YYYY-MM-DD."),
        ({"period_start": "2026-02-31"}, "Enter a date in the format YYYY-MM-DD."),
        (
            {"period_start": "2026-05-01", "period_end": "2026-04-01"},
            "The end of the period must be on or after its start.",
        ),
    ],
)
def test_impossible_and_reversed_dates_are_one_clear_error(client, world, report, query, message):
    signed_in(client, world)
    page = client.get(
        f"/{world.a.slug}/reports/{report}", query_string={**query, "run": "1"}
    ).get_data(as_text=True)
    assert page.count("nhsuk-error-summary__title") == 1
    assert page.count(f">{message}</a>") == 1, "the summary names the problem once"
    assert "nhsuk-table" not in page, "no figures for a period that is not one"


def test_drilldown_links_each_record_and_keeps_the_period(client, world):
    signed_in(client, world)
    drill = json.dumps({"key_worker": None})
    page = client.get(
        f"/{world.a.slug}/reports/caseload/drilldown",
        query_string={"drill": drill},
    ).get_data(as_text=True)
    back = re.search(r'href="([^"]+)">Back to the report', page)
    assert back and "run=1" in back.group(1)
    assert re.search(rf'href="/{world.a.slug}/clients/[0-9a-f-]{{36}}"', page) or (
        "There are no records" in page
    )


def test_forbidden_api_call_says_which_permission_is_missing(client, world):
    response = client.get(f"/api/v1/{world.a.slug}/memberships", headers=world.a.auth("partner"))
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "memberships.read" in response.json["detail"]
