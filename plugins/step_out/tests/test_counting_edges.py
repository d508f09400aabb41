"""Edge cases of ``step-out-crisis/3`` (step-out.md, "Before/after rules"), checked the way a
commissioner and a trust's analyst would: made-up data whose exact figures differ under a wrong
rule. Clients here move in on 31 March 2026, so the windows need month-end clamping.
"""

from __future__ import annotations

from datetime import date

import pytest

from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.step_out.crisis_counts import client_outcomes, cohort_figures
from plugins.step_out.models import StepOutReferral
from plugins.step_out.reports import run_crisis_report

from .test_report import _client, _events

M = date(2026, 3, 31)  # before window from 30 Sep 2025; after window until 30 Sep 2026 exclusive
ELAPSED = date(2026, 9, 30)  # M + 6 months: the first as-of date the after window has elapsed


def _referral(client, *, referred, admitted=None, move_in=None, end=None, planned=None):
    db.session.add(
        StepOutReferral(
            client_id=client.id, referred_on=referred, ward="Willow", referrer="Ward manager",
            status="referred", admission_date=admitted, move_in_date=move_in,
            tenancy_end_date=end, tenancy_end_planned=planned,
        )
    )  # fmt: skip


def _rows(as_of: date) -> dict:
    return {row["client_id"]: row for row in client_outcomes(as_of)}


# ------------------------------------------------------------ the admission the move-in ended


@pytest.fixture
def admissions(app, world):
    """Admissions recorded on the Step Out referrals themselves (the ward stay during which the
    move-in was arranged), with or without a matching crisis event:

    * Ward: admitted 2026-01-10, moved in on M while still on the ward; no crisis event: one
      admission before (the referral's);
    * Both: admitted 2026-01-05, and the trust's import holds the same admission as an event:
      one admission before, not two; readmitted 2026-05-05 (a second referral, no move-in): one
      admission after;
    * Longstay: admitted 2025-09-29, the day before the before window: no admission counted;
    * Edge: admitted 2025-09-30, the first day of the before window: one admission before.
    """
    with app.app_context(), tenant_context(world.a.tenant_id):
        ward, both, longstay, edge = (_client(n) for n in range(40, 44))
        _referral(ward, referred=date(2026, 1, 12), admitted=date(2026, 1, 10), move_in=M)
        _referral(both, referred=date(2026, 1, 6), admitted=date(2026, 1, 5), move_in=M)
        _events(both, "admission", date(2026, 1, 5))
        _referral(both, referred=date(2026, 5, 6), admitted=date(2026, 5, 5))
        _referral(longstay, referred=date(2025, 10, 1), admitted=date(2025, 9, 29), move_in=M)
        _referral(edge, referred=date(2025, 10, 1), admitted=date(2025, 9, 30), move_in=M)
        db.session.commit()
        return {"ward": ward.id, "both": both.id, "longstay": longstay.id, "edge": edge.id}


def test_the_admission_during_which_the_move_in_was_arranged_counts_before(app, world, admissions):
    """step-out.md: "an admission during which the move-in was arranged counts in the before
    window if it began in it" — that admission is the referral's, even when nobody entered it
    again as a crisis event; the same admission entered both ways counts once."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        rows = _rows(ELAPSED)
        figures = cohort_figures(ELAPSED)
    counts = {
        name: (rows[cid]["admissions_before"], rows[cid]["admissions_after"])
        for name, cid in admissions.items()
    }
    assert counts == {"ward": (1, 0), "both": (1, 1), "longstay": (0, 0), "edge": (1, 0)}
    # With the world's own client (M = 2026-02-01, no admissions): 5 eligible.
    assert figures["eligible"] == 5
    assert figures["admissions_before"] == 3
    assert figures["admissions_after"] == 1
    assert figures["no_admission_after"] == 4  # all but Both


# ----------------------------------------------------------------- windows and sustainment


@pytest.fixture
def edges(app, world):
    """Two clients moving in on M = 2026-03-31 (windows 2025-09-30..2026-03-30 and
    2026-03-31..2026-09-29):

    * Edges: contacts 2025-09-29 (outside), 2025-09-30 (before), 2026-03-30 (before),
      2026-03-31 (the move-in and discharge day: after), 2026-09-29 (after), 2026-09-30
      (outside): 2 before, 2 after, so not "fewer after". Unplanned end on 2026-09-30 = M + 6
      months: sustained at 6 months (the end is not *before* that point).
    * Early: unplanned end 2026-09-29, the last day of the after window: not sustained; one
      contact before, none after.
    """
    with app.app_context(), tenant_context(world.a.tenant_id):
        edges_, early = _client(50), _client(51)
        _referral(edges_, referred=date(2026, 2, 1), move_in=M, end=ELAPSED, planned=False)
        _events(edges_, "crisis_contact", date(2025, 9, 29), date(2025, 9, 30),
                date(2026, 3, 30), M, date(2026, 9, 29), ELAPSED)  # fmt: skip
        _referral(early, referred=date(2026, 2, 1), move_in=M, end=date(2026, 9, 29), planned=False)
        _events(early, "crisis_contact", date(2026, 1, 1))
        db.session.commit()
        return {"edges": edges_.id, "early": early.id}


def test_month_end_windows_and_sustained_on_the_day(app, world, edges):
    with app.app_context(), tenant_context(world.a.tenant_id):
        not_yet = _rows(date(2026, 9, 29))
        rows = _rows(ELAPSED)
        figures = cohort_figures(ELAPSED)
    assert not_yet[edges["edges"]]["eligible"] is False
    a, b = rows[edges["edges"]], rows[edges["early"]]
    assert (a["contacts_before"], a["contacts_after"]) == (2, 2)
    assert a["sustained_6"] is True
    assert (b["contacts_before"], b["contacts_after"]) == (1, 0)
    assert b["sustained_6"] is False
    # With the world's client (1 contact before, none after, no tenancy end): 3 eligible.
    assert figures["eligible"] == 3
    assert figures["fewer_contacts_after"] == 2  # Early and the world's; not Edges (2 → 2)
    assert figures["sustained_6"] == 2


def test_no_eligible_clients_gives_no_shares_means_or_median(app, world):
    """Before anyone's after window has elapsed: zeros, and blanks rather than a division by
    zero, for the shares, means and median."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        figures = cohort_figures(date(2026, 7, 31))  # the world's M + 6 months is 2026-08-01
        result = run_crisis_report(period_end=date(2026, 7, 31))
    assert figures["eligible"] == 0 and figures["excluded_not_elapsed"] == 1
    assert figures["mean_contacts_before"] is None and figures["median_delayed_days"] is None
    assert all(row["share"] is None for row in result.rows)
