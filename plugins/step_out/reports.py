"""The ``step-out-crisis/3`` outcome report: crisis use six months before versus after move-in.

Rules (docs: ../shared/domain/step-out.md, README "Report rules"), for each client with a
Step Out referral, M = the client's first move-in date:

* before window: [M − 6 calendar months, M − 1 day]; after window: [M, M + 6 calendar months);
  calendar months as PostgreSQL's ``interval '6 months'`` (31 Aug + 6 months = 28/29 Feb), on
  SQLite too (``portable_sql``);
* contacts count by contact date, admissions by admission date (an admission that began before M
  counts before, one on M counts after). Admissions are the crisis events of that kind *and* the
  admission dates on the client's Step Out referrals: the doc's "admission during which the
  move-in was arranged" is the referral's own ward stay, which staff rarely enter a second time
  as a crisis event; the same admission recorded both ways (same day) counts once;
* eligible only when the after window has fully elapsed: as-of date ≥ M + 6 months; the others
  are excluded and counted by reason (no move-in; window not elapsed);
* sustained at 6 (12) months: no *unplanned* tenancy end before M + 6 (12) months; 12-month
  sustainment is reported only over eligible clients whose 12 months have elapsed (as-of ≥ M + 12
  months), with that denominator shown;
* delayed days = discharge date − clinically ready date of the referral that led to M; the
  median is over eligible clients with both dates;
* clients whose processing is restricted (UK GDPR Art. 18) when the report runs are left out
  of every figure (since version 3; version 2 counted them).

Everything is counted in SQL (one statement per figure set), never by loading rows, in SQL that
runs on PostgreSQL and on SQLite ≥ 3.30 (window functions, aggregate ``FILTER``, ``NULLS LAST``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import (
    ChartSpec,
    Client,
    Report,
    ReportColumn,
    ReportResult,
)

from .crisis_counts import as_of_date, cohort_figures, figure_sets, per_client

DEFINITION_VERSION = "step-out-crisis/3"


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def run_crisis_report(
    period_end: date | None = None, as_of: date | str | None = None, **_: Any
) -> ReportResult:
    """Cohort figures for ``period_end`` as the as-of date (today when not given)."""
    day = as_of_date(period_end, as_of)
    f = cohort_figures(day)
    el = f["eligible"]

    def row(key: str, label: str, value: Any, drill: str | None, share_of: int | None = None):
        return {
            "key": key,
            "measure": label,
            "value": value,
            "share": _share(value, share_of) if share_of is not None else None,
            "_drill": {"set": drill} if drill else None,
        }

    rows = [
        row("clients", "Clients referred to Step Out", f["clients"], "all"),
        row(
            "excluded_no_move_in",
            "Excluded: no move-in date",
            f["excluded_no_move_in"],
            "no_move_in",
        ),
        row(
            "excluded_not_elapsed",
            "Excluded: 6 months after move-in not yet elapsed",
            f["excluded_not_elapsed"],
            "not_elapsed",
        ),
        row("eligible", "Eligible clients (6 months after move-in elapsed)", el, "eligible"),
        row(
            "contacts_before",
            "Crisis contacts, 6 months before move-in",
            f["contacts_before"],
            "eligible",
        ),
        row(
            "contacts_after",
            "Crisis contacts, 6 months after move-in",
            f["contacts_after"],
            "eligible",
        ),
        row(
            "mean_contacts_before",
            "Mean crisis contacts per client, before",
            f["mean_contacts_before"],
            None,
        ),
        row(
            "mean_contacts_after",
            "Mean crisis contacts per client, after",
            f["mean_contacts_after"],
            None,
        ),
        row(
            "fewer_contacts_after",
            "Clients with fewer crisis contacts after than before",
            f["fewer_contacts_after"],
            "fewer_after",
            el,
        ),
        row(
            "no_admission_after",
            "Clients with no admission after",
            f["no_admission_after"],
            "no_admission_after",
            el,
        ),
        row(
            "admissions_before",
            "Admissions, 6 months before move-in",
            f["admissions_before"],
            "eligible",
        ),
        row(
            "admissions_after",
            "Admissions, 6 months after move-in",
            f["admissions_after"],
            "eligible",
        ),
        row("sustained_6", "Tenancies sustained at 6 months", f["sustained_6"], "sustained_6", el),
        row(
            "eligible_12",
            "Eligible clients with 12 months elapsed",
            f["eligible_12"],
            "eligible_12",
        ),
        row(
            "sustained_12",
            "Tenancies sustained at 12 months",
            f["sustained_12"],
            "sustained_12",
            f["eligible_12"],
        ),
        row(
            "median_delayed_days",
            "Median delayed days (ready to discharge)",
            f["median_delayed_days"],
            "delayed",
        ),
    ]
    notes = [
        f"As of {day.isoformat()}. {el} of {f['clients']} clients eligible; excluded: "
        f"{f['excluded_no_move_in']} with no move-in date, {f['excluded_not_elapsed']} whose "
        "6 months after move-in have not yet elapsed.",
        f"Definition {DEFINITION_VERSION}: before = [M − 6 months, M − 1 day], after = "
        "[M, M + 6 months); an admission on the move-in day counts after.",
    ]
    return ReportResult(
        columns=[
            ReportColumn("measure", "Measure"),
            ReportColumn("value", "Value", "number", drilldown=True),
            ReportColumn("share", "Share of clients (%)", "number"),
        ],
        rows=rows,
        notes=notes,
    )


def crisis_drilldown(
    drill: dict[str, Any] | None, period_end: date | None = None, **kwargs: Any
) -> sa.Select:
    """The clients behind one figure (core adds the viewer's need-to-know limit)."""
    day = as_of_date(period_end, kwargs.get("as_of"))
    pc = per_client(day)
    condition = figure_sets(pc).get((drill or {}).get("set") or "", sa.false())
    ids = sa.select(pc.c.client_id).where(condition)
    return (
        sa.select(Client)
        .where(Client.id.in_(ids))
        .order_by(Client.family_name, Client.given_name, Client.id)
    )


CRISIS_REPORT = Report(
    key="step-out-crisis",
    title="Step Out: crisis use 6 months before and after move-in",
    description=(
        "Crisis-team contacts and inpatient admissions in the 6 calendar months before a client "
        "moved in versus the 6 months after, for clients whose 6 months after move-in have "
        "elapsed by the as-of date (the period end; today if not given). Also tenancies "
        "sustained at 6 and 12 months and delayed discharge days."
    ),
    definition_version=DEFINITION_VERSION,
    run=run_crisis_report,
    parameters=("period_end",),
    chart=ChartSpec(label_column="measure", value_column="value", title="Step Out outcomes"),
    drilldown=crisis_drilldown,
    definitions={
        "measure": "M is the client's first move-in date. Before window: M − 6 calendar months "
        "to M − 1 day, inclusive. After window: M (inclusive) to M + 6 calendar months "
        "(exclusive). Contacts count by contact date, admissions by admission date; admissions "
        "include the ward admission recorded on each Step Out referral (the one during which the "
        "move-in was arranged counts before when it began in the before window), an admission "
        "recorded both there and as a crisis event on the same day counting once.",
        "value": "Counts over eligible clients (after window fully elapsed on the as-of date); "
        "exclusions are counted by reason; clients whose processing is restricted when the "
        "report runs are left out altogether. Sustained at 6/12 months: no unplanned tenancy end "
        "before M + 6/12 months (planned ends count as sustained); the 12-month figure is over "
        "eligible clients whose 12 months have elapsed. Median delayed days: discharge date "
        "minus clinically ready date.",
        "share": "The value as a percentage of eligible clients (12-month sustainment: of "
        "clients with 12 months elapsed).",
    },
)
