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


def _typed(name: str, day: str, month: str, year: str) -> dict[str, str]:
    return {f"{name}[day]": day, f"{name}[month]": month, f"{name}[year]": year}


def test_the_page_asks_for_the_period_as_day_month_and_year(client, world):
    signed_in(client, world)
    page = client.get(f"/{world.a.slug}/reports/ips-outcomes").get_data(as_text=True)
    for name in ("period_start", "period_end"):
        for part in ("day", "month", "year"):
            assert f'name="{name}[{part}]"' in page
    assert 'type="date"' not in page


def test_a_typed_period_runs_the_report_for_those_dates(client, world):
    signed_in(client, world)
    data = {
        "run": "1",
        **_typed("period_start", "1", "4", "2026"),
        **_typed("period_end", "31", "3", "2027"),
    }
    page = client.post(f"/{world.a.slug}/reports/ips-outcomes", data=data).get_data(as_text=True)
    assert "nhsuk-error-summary" not in page
    assert "nhsuk-table" in page
    assert "1 April 2026 to 31 March 2027" in page
    downloads = re.findall(r'href="([^"]*format=csv[^"]*)"', page)
    assert downloads and "period_start=2026-04-01" in downloads[0].replace("&amp;", "&")


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        (
            _typed("period_start", "31", "2", "2026"),
            "period_start",
            "Period start must be a real date",
        ),
        (
            _typed("period_start", "", "2", "2026"),
            "period_start",
            "Period start must include a day",
        ),
        (
            {**_typed("period_start", "1", "5", "2026"), **_typed("period_end", "1", "4", "2026")},
            "period_end",
            "The end of the period must be on or after its start.",
        ),
    ],
)
def test_a_wrong_typed_period_is_one_error_at_its_field_with_what_was_typed(
    client, world, typed, field, message
):
    signed_in(client, world)
    response = client.post(f"/{world.a.slug}/reports/ips-outcomes", data={"run": "1", **typed})
    page = response.get_data(as_text=True)
    assert page.count("nhsuk-error-summary__title") == 1
    assert f'href="#{field}-day">{message}</a>' in page
    assert "nhsuk-table" not in page
    for key, value in typed.items():
        if value:
            assert re.search(rf'name="{re.escape(key)}"[^>]*value="{value}"', page) or re.search(
                rf'value="{value}"[^>]*name="{re.escape(key)}"', page
            ), f"{key} keeps {value!r}"
