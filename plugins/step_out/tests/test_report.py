"""The ``step-out-crisis/3`` report against a hand-built dataset with known figures."""

from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from core.plugins.api import Client
from core.tenancy.context import tenant_context
from plugins.step_out.crisis_counts import client_outcomes, cohort_figures
from plugins.step_out.models import StepOutCrisisEvent, StepOutReferral
from plugins.step_out.reports import run_crisis_report
from plugins.step_out.services import add_months, delayed_days

AS_OF = date(2027, 3, 1)


def _client(n: int) -> Client:
    client = Client(
        nhs_number=f"99912345{n:02d}",
        given_name=f"P{n}",
        family_name="Test",
        date_of_birth=date(1980, 1, 1),
    )
    db.session.add(client)
    db.session.flush()
    return client


def _referral(client, move_in=None, ready=None, discharge=None, end=None, planned=None):
    db.session.add(
        StepOutReferral(
            client_id=client.id, referred_on=date(2026, 1, 2), ward="W", referrer="R",
            status="referred", move_in_date=move_in, clinically_ready_date=ready,
            discharge_date=discharge, tenancy_end_date=end, tenancy_end_planned=planned,
        )
    )  # fmt: skip


def _events(client, kind, *days):
    for day in days:
        db.session.add(StepOutCrisisEvent(client_id=client.id, kind=kind, occurred_on=day))


@pytest.fixture
def dataset(app, world):
    """Known figures (as of 2027-03-01):

    * A, M = 2026-08-31 (calendar-month edge: before from 2026-02-28, after until 2027-02-28
      exclusive). Contacts: 2026-02-28 (before, inclusive start), 2026-02-27 (outside), 2026-05-01
      (before), 2027-02-28 (= M + 6 months: outside, exclusive), 2026-10-01 (after).
      Admissions: 2026-08-30 (M − 1: before), 2026-08-31 (on M: after). Delayed days 10.
      Unplanned end 2027-01-31 (5 months): not sustained at 6.
    * B, M = 2026-06-15: contacts before 3 (2026-01-01, 2026-03-01, 2026-06-14), after 0;
      admission 2026-02-01 (before). Planned end 2026-08-01: sustained. Delayed days 4.
    * C, M = 2026-01-10: 1 contact before (2025-12-01), 2 after (2026-02-01, 2026-07-09);
      12 months elapsed (2027-01-10 ≤ as-of), sustained at 12. Delayed days 30.
    * D, M = 2026-10-01: after window not elapsed (excluded).
    * E: referral without move-in (excluded).
    """
    with app.app_context(), tenant_context(world.a.tenant_id):
        a, b, c, d, e = (_client(n) for n in range(10, 15))
        _referral(
            a, date(2026, 8, 31), date(2026, 8, 21), date(2026, 8, 31), date(2027, 1, 31), False
        )
        _events(a, "crisis_contact", date(2026, 2, 28), date(2026, 2, 27), date(2026, 5, 1),
                date(2027, 2, 28), date(2026, 10, 1))  # fmt: skip
        _events(a, "admission", date(2026, 8, 30), date(2026, 8, 31))
        _referral(b, date(2026, 6, 15), date(2026, 6, 1), date(2026, 6, 5), date(2026, 8, 1), True)
        _events(b, "crisis_contact", date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 14))
        _events(b, "admission", date(2026, 2, 1))
        _referral(c, date(2026, 1, 10), date(2025, 12, 1), date(2025, 12, 31))
        _events(c, "crisis_contact", date(2025, 12, 1), date(2026, 2, 1), date(2026, 7, 9))
        _referral(d, date(2026, 10, 1))
        _events(d, "crisis_contact", date(2026, 9, 1))
        _referral(e)
        db.session.commit()
        ids = {"a": a.id, "b": b.id, "c": c.id, "d": d.id, "e": e.id}
    return ids


def test_calendar_months_match_postgresql():
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2026, 8, 31), -6) == date(2026, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_delayed_days():
    assert delayed_days(date(2026, 1, 1), date(2026, 1, 11)) == 10
    assert delayed_days(date(2026, 1, 1), date(2026, 1, 1)) == 0
    assert delayed_days(None, date(2026, 1, 1)) is None


@pytest.mark.hazard("HAZ-006")
def test_cohort_figures(app, world, dataset):
    with app.app_context(), tenant_context(world.a.tenant_id):
        f = cohort_figures(AS_OF)
    # The world's own referral (M = 2026-02-01, 1 contact before on 2025-12-01) is eligible too.
    assert f["clients"] == 6
    assert f["excluded_no_move_in"] == 1
    assert f["excluded_not_elapsed"] == 1
    assert f["eligible"] == 4
    # before: A 2 + B 3 + C 1 + world 1 = 7; after: A 1 + B 0 + C 2 + world 0 = 3
    assert f["contacts_before"] == 7
    assert f["contacts_after"] == 3
    assert f["mean_contacts_before"] == 1.75
    assert f["mean_contacts_after"] == 0.75
    assert f["fewer_contacts_after"] == 3  # A (2→1), B (3→0), world (1→0); not C (1→2)
    assert f["admissions_before"] == 2  # A on M − 1, B
    assert f["admissions_after"] == 1  # A on M
    assert f["no_admission_after"] == 3
    assert f["sustained_6"] == 3  # A's unplanned end at 5 months is not sustained
    assert f["eligible_12"] == 2  # C (2027-01-10) and world (2027-02-01)
    assert f["sustained_12"] == 2
    # delayed days: A 10, B 4, C 30, world 12 → median 11
    assert f["median_delayed_days"] == 11.0


def test_per_client_windows(app, world, dataset):
    with app.app_context(), tenant_context(world.a.tenant_id):
        rows = {r["client_id"]: r for r in client_outcomes(AS_OF)}
    a = rows[dataset["a"]]
    assert (a["contacts_before"], a["contacts_after"]) == (2, 1)
    assert (a["admissions_before"], a["admissions_after"]) == (1, 1)
    assert a["sustained_6"] is False and a["sustained_12"] is None
    assert a["delayed_days"] == 10
    assert rows[dataset["b"]]["sustained_6"] is True  # planned end
    assert rows[dataset["d"]]["excluded_reason"] == "6 months after move-in not yet elapsed"
    assert rows[dataset["d"]]["contacts_before"] is None
    assert rows[dataset["e"]]["excluded_reason"] == "no move-in date"


def test_eligibility_boundary(app, world, dataset):
    """A's after window ends 2027-02-28 (exclusive): eligible from that day on, not before."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        before = {r["client_id"]: r for r in client_outcomes(date(2027, 2, 27))}
        on = {r["client_id"]: r for r in client_outcomes(date(2027, 2, 28))}
    assert before[dataset["a"]]["eligible"] is False
    assert on[dataset["a"]]["eligible"] is True


@pytest.mark.hazard("HAZ-006")
def test_report_rows_notes_and_drilldown(app, world, dataset, client):
    with app.app_context(), tenant_context(world.a.tenant_id):
        result = run_crisis_report(period_end=AS_OF)
    values = {r["key"]: r["value"] for r in result.rows}
    assert values["excluded_not_elapsed"] == 1 and values["eligible"] == 4
    assert "1 with no move-in date" in result.notes[0]
    response = client.get(
        "/api/v1/tenant-a/reports/step-out-crisis?period_end=2027-03-01", headers=world.a.auth()
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["definition_version"] == "step-out-crisis/3"
    drill = client.get(
        "/api/v1/tenant-a/step-out/outcomes?as_of=2027-03-01", headers=world.a.auth()
    )
    assert drill.status_code == 200
    assert len(drill.json) == 6
