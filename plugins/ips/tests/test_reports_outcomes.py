"""``ips-outcomes/3`` against a hand-built dataset with known counts, through the reports API."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from flask import g

from core.accounts.models import Membership
from core.extensions import db
from core.reports import framework
from core.tenancy.context import tenant_context
from plugins.ips.reports_outcomes import OUTCOMES_REPORT

from . import reports_builders as build

START, END = date(2027, 1, 1), date(2027, 12, 31)
PERIOD = "period_start=2027-01-01&period_end=2027-12-31"
URL = "/api/v1/tenant-a/reports/ips-outcomes"


@pytest.fixture
def dataset(app, world):
    """Tenant A, period 2027-01-01..2027-12-31 (names are the clients' family names).

    * world's own client (Taylor): accepted 2026-01-08, open, out of work ("02"): supported.
    * Alpha: accepted 2026-06-01, open, "02"; paid jobs on START, 2027-05-01 and on END; an
      education start: paid employment once, three job starts, educational once.
    * Bravo: accepted 2026-01-01, "04"; a job from 2026-12-31 (the day before START) still going:
      not counted; a voluntary start 2027-06-01.
    * Charlie: accepted 2028-01-01 (after END): not supported.
    * Delta: closed 2026-12-31 (the day before START): not supported.
    * Echo: closed on START: supported; no status; retention closed retained 2026-12-15
      (outside): not retained.
    * Foxtrot: accepted 2027-02-01, employed ("01"); retention not_retained on 2027-03-01
      (inside: not counted) and retained on 2027-08-01; work experience; self-employed job.
    * Golf: accepted 2027-03-03, status "not stated" (ZZ); a job on 2027-04-04 and another the
      day after END (not counted); Bravo's education start that day is not counted either.
    * Hotel: referred, never accepted: not supported.
    * India: accepted on END, "02": supported, out of work.
    * Juliet: accepted 2026-06-01, "04"; a retention case closed not_retained inside the period:
      supported, out of work, not retained.
    Tenant B has its own client with starts and a retained case in the period: never counted.
    """
    with app.app_context(), tenant_context(world.a.tenant_id):
        alpha = build.referral(build.client("Alpha"), date(2026, 6, 1), employment="02")
        for day in (START, date(2027, 5, 1), END):
            build.outcome(alpha, "paid_job", day)
        build.outcome(alpha, "education", date(2027, 3, 1))
        bravo = build.referral(build.client("Bravo"), date(2026, 1, 1), employment="04")
        build.outcome(bravo, "paid_job", date(2026, 12, 31))
        build.outcome(bravo, "voluntary", date(2027, 6, 1))
        build.referral(build.client("Charlie"), date(2028, 1, 1), employment="02")
        build.referral(
            build.client("Delta"), date(2026, 5, 1), closed=date(2026, 12, 31), employment="02"
        )
        echo = build.referral(build.client("Echo"), date(2026, 5, 1), closed=START)
        build.retention(echo, date(2026, 9, 1), date(2026, 12, 15), "retained")
        fox = build.referral(build.client("Foxtrot"), date(2027, 2, 1), employment="01")
        build.retention(fox, date(2027, 2, 10), date(2027, 3, 1), "not_retained")
        build.retention(fox, date(2027, 4, 1), date(2027, 8, 1), "retained")
        build.outcome(fox, "work_experience", date(2027, 9, 9))
        build.outcome(fox, "paid_job", date(2027, 10, 10), self_employed=True)
        golf = build.referral(build.client("Golf"), date(2027, 3, 3), employment="ZZ")
        build.outcome(golf, "paid_job", date(2027, 4, 4))
        build.outcome(golf, "paid_job", date(2028, 1, 1))  # the day after END
        build.outcome(bravo, "education", date(2028, 1, 1))
        build.referral(build.client("Hotel"), None)
        build.referral(build.client("India"), END, employment="02")
        juliet = build.referral(build.client("Juliet"), date(2026, 6, 1), employment="04")
        build.retention(juliet, date(2027, 2, 1), date(2027, 6, 1), "not_retained")
        db.session.commit()
    with app.app_context(), tenant_context(world.b.tenant_id):
        other = build.referral(build.client("Other"), date(2026, 6, 1), employment="02")
        for kind in ("paid_job", "education", "voluntary", "work_experience"):
            build.outcome(other, kind, date(2027, 5, 5))
        build.retention(other, date(2027, 1, 5), date(2027, 5, 5), "retained")
        db.session.commit()


EXPECTED = {
    "clients_supported": 8,  # Taylor, Alpha, Bravo, Echo, Foxtrot, Golf, India, Juliet
    "paid_employment": 3,  # Alpha, Foxtrot (self-employed), Golf
    "total_job_starts": 5,  # Alpha 3, Foxtrot 1, Golf 1
    "educational": 1,  # Alpha
    "voluntary": 1,  # Bravo
    "work_experience": 1,  # Foxtrot
    "retained_employment": 1,  # Foxtrot
    "out_of_work_at_start": 5,  # Taylor, Alpha, Bravo, India, Juliet
    "status_not_recorded": 2,  # Echo (none), Golf (not stated)
    "employment_rate": 1,  # Alpha
}


def _run(client, world, query=PERIOD):
    response = client.get(f"{URL}?{query}", headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


@pytest.mark.hazard("HAZ-006")
def test_figures_follow_the_counting_rules(client, world, dataset):
    body = _run(client, world)
    assert body["definition_version"] == "ips-outcomes/3"
    values = {row["key"]: row["value"] for row in body["rows"]}
    assert values == EXPECTED
    shares = {row["key"]: row.get("share") for row in body["rows"]}
    assert shares["paid_employment"] == 37.5  # 3 of 8 supported
    assert shares["employment_rate"] == 20.0  # 1 of 5 out of work at the start
    assert any("20.0% (1 of 5" in note for note in body["notes"])


@pytest.mark.hazard("HAZ-006")
def test_the_period_edges_decide(client, world, dataset):
    """A day in from each end: Alpha's START and END jobs, Echo (closed on START) and India
    (accepted on END) drop out."""
    body = _run(client, world, "period_start=2027-01-02&period_end=2027-12-30")
    values = {row["key"]: row["value"] for row in body["rows"]}
    assert values["total_job_starts"] == 3  # Alpha's 2027-05-01, Foxtrot, Golf
    assert values["clients_supported"] == 6


def _drill(client, world, key, headers=None):
    drill = urlencode({"drill": json.dumps({"set": key})})
    response = client.get(f"{URL}/drilldown?{PERIOD}&{drill}", headers=headers or world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(c["family_name"] for c in response.json)


def test_every_figure_drills_down_to_exactly_its_clients(client, world, dataset):
    assert _drill(client, world, "clients_supported") == [
        "Alpha", "Bravo", "Echo", "Foxtrot", "Golf", "India", "Juliet", "Taylor"
    ]  # fmt: skip
    assert _drill(client, world, "paid_employment") == ["Alpha", "Foxtrot", "Golf"]
    assert _drill(client, world, "educational") == ["Alpha"]
    assert _drill(client, world, "voluntary") == ["Bravo"]
    assert _drill(client, world, "work_experience") == ["Foxtrot"]
    assert _drill(client, world, "retained_employment") == ["Foxtrot"]
    assert _drill(client, world, "out_of_work_at_start") == [
        "Alpha", "Bravo", "India", "Juliet", "Taylor"
    ]  # fmt: skip
    assert _drill(client, world, "status_not_recorded") == ["Echo", "Golf"]
    assert _drill(client, world, "employment_rate") == ["Alpha"]
    drill = urlencode({"drill": json.dumps({"set": "no-such-figure"})})
    unknown = client.get(f"{URL}/drilldown?{PERIOD}&{drill}", headers=world.a.auth())
    assert unknown.status_code == 404 and unknown.json["detail"] == "No such figure."


@pytest.mark.hazard("HAZ-003")
def test_drilldown_respects_need_to_know(app, world, dataset):
    """Job Centre Plus staff see only clients shared with their office (the world's Taylor)."""
    with app.test_request_context(), tenant_context(world.a.tenant_id):
        g.membership = db.session.get(Membership, world.a.memberships["partner"])
        stmt = framework.drilldown_statement(
            OUTCOMES_REPORT,
            {"set": "clients_supported"},
            {"period_start": START, "period_end": END},
        )
        seen = [c.family_name for c in db.session.execute(stmt).scalars()]
    assert seen == ["Taylor"]


@pytest.mark.hazard("HAZ-006")
def test_page_csv_and_workbook(client, world, dataset):
    from openpyxl import load_workbook

    from tests.factories import PASSWORD

    client.post("/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD})
    page = client.get(f"/tenant-a/reports/ips-outcomes?run=1&{PERIOD}")
    assert page.status_code == 200
    assert b'role="img"' in page.data and b"Clients supported" in page.data
    csv_lines = client.get(f"/tenant-a/reports/ips-outcomes?format=csv&{PERIOD}").data
    lines = csv_lines.decode().splitlines()
    assert lines[0] == "Measure,Number,Share (%),definition_version"
    assert lines[1] == "Clients supported,8,,ips-outcomes/3"
    workbook = load_workbook(
        io.BytesIO(client.get(f"/tenant-a/reports/ips-outcomes?format=xlsx&{PERIOD}").data)
    )
    about = {r[0]: r[1] for r in workbook["About this report"].iter_rows(values_only=True) if r}
    assert about["Definition version"] == "ips-outcomes/3"
    assert "accepted on or before the period end" in about["Measure"]
    assert client.get("/tenant-c/reports/ips-outcomes?run=1").status_code == 404


def test_as_a_background_job(app, client, world, dataset):
    """The job path (the one large tenants use) stores the same figures on the run."""
    from core.jobs.services import dispatch

    response = client.post(
        "/api/v1/tenant-a/reports/ips-outcomes/runs",
        json={"period_start": "2027-01-01", "period_end": "2027-12-31"},
        headers=world.a.auth(),
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    with app.app_context():
        dispatch()
    run = client.get(response.headers["Location"], headers=world.a.auth()).json
    assert run["status"] == "succeeded", run
    values = {row["key"]: row["value"] for row in run["result"]["rows"]}
    assert values == EXPECTED


def test_a_tenant_without_ips_cannot_run_it(client, world):
    response = client.get("/api/v1/tenant-c/reports/ips-outcomes?" + PERIOD, headers=world.c.auth())
    assert response.status_code == 404
    listed = client.get("/api/v1/tenant-c/reports", headers=world.c.auth())
    assert listed.status_code == 200
    assert not [r for r in listed.json if r["key"].startswith("ips-")]
    assert any(r["key"] == "ips-outcomes" for r in _list(client, world))


def _list(client, world):
    return client.get("/api/v1/tenant-a/reports", headers=world.a.auth()).json


def test_without_dates_it_reports_the_twelve_months_to_today(client, world, dataset):
    body = _run(client, world, "")
    today = date.today()
    assert any(f"to {today.day} {today:%B %Y}" in note for note in body["notes"])


def test_notes_give_dates_in_nhs_style(client, world, dataset):
    notes = _run(client, world)["notes"]
    assert "Period 1 January 2027 to 31 December 2027 (both days inclusive)." in notes
    for key in ("ips-caseloads", "ips-fidelity-trend", "ips-rapid-search"):
        run = client.get(f"/api/v1/tenant-a/reports/{key}?{PERIOD}", headers=world.a.auth())
        assert run.status_code == 200, run.get_data(as_text=True)
        texts = [*run.json["notes"], *(v for r in run.json["rows"] for v in r.values())]
        iso = [t for t in texts if isinstance(t, str) and re.search(r"\d{4}-\d\d-\d\d\b.*\D", t)]
        assert iso == [], key
