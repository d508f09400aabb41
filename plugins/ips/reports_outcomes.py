"""``ips-outcomes/3``: the commissioner's IPS outcome table for a period START..END.

Exactly the counting rules of the IPS domain notes ("Outcome counting rules"):

* clients supported — distinct clients with a referral accepted on or before END and not closed
  before START (an episode closed on START still counts). A client whose record was closed
  before START is not supported even if their episode was left open: the domain notes count
  episodes, and a commissioner would not count someone who had already left the service;
* paid employment / educational / voluntary / work experience — distinct clients with at least
  one start of that kind (paid jobs include self-employment) dated START..END; a start before
  START never counts, however long it lasts;
* retained employment — distinct clients with a retention case closed *retained* in START..END;
* total job starts — every paid job start in the period (a client's second job counts again);
* employment rate (IPS Grow, since April 2024) — of the clients supported who were out of work at
  the start (``codes.OUT_OF_WORK_STATUSES`` on a supporting referral's employment status), the
  share with a paid job start in the period. Clients whose supporting referrals record no status
  (or "not stated") are in neither the numerator nor the denominator; they are counted on their
  own row so the gap is visible.

Clients whose processing is restricted (UK GDPR Art. 18) when the report runs are in no figure
(since version 3), whatever the period.

Each figure is a set of client ids built in SQL (the same set feeds the count and the
drill-down), and every set names the current tenant explicitly besides row-level security.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.plugins.api import (
    ChartSpec,
    Report,
    ReportColumn,
    ReportResult,
    current_tenant_id,
    db,
    may_process_client,
)

from .codes import OUT_OF_WORK_STATUSES
from .models import IpsOutcome, IpsReferral, IpsRetentionCase
from .reports_common import (
    blanks_left_out,
    clients_closed_before,
    clients_in,
    no_such_figure,
    period,
    period_note,
    share,
)

DEFINITION_VERSION = "ips-outcomes/3"
EMPLOYED_STATUS = "01"

#: (row key, outcome kind, what people read)
START_FIGURES = (
    ("paid_employment", "paid_job", "Paid employment"),
    ("educational", "education", "Educational"),
    ("voluntary", "voluntary", "Voluntary"),
    ("work_experience", "work_experience", "Work experience"),
)


def _supporting(start: date, end: date, r: Any = IpsReferral) -> sa.Select:
    """Referrals accepted on or before END and not closed before START (one row each), of
    clients whose record was not closed before START either, nor restricted now."""
    return sa.select(r.client_id).where(
        r.tenant_id == current_tenant_id(),
        may_process_client(r.client_id),
        r.accepted_on.is_not(None),
        r.accepted_on <= end,
        sa.or_(r.closed_on.is_(None), r.closed_on >= start),
        r.client_id.not_in(clients_closed_before(start)),
    )


def _starts(kind: str, start: date, end: date) -> sa.Select:
    o = IpsOutcome
    return sa.select(o.client_id).where(
        o.tenant_id == current_tenant_id(),
        may_process_client(o.client_id),
        o.kind == kind,
        o.started_on.between(start, end),
    )


def client_sets(start: date, end: date) -> dict[str, sa.Select]:
    """Each figure's clients, as a one-column select of client ids (duplicates allowed)."""
    supported = _supporting(start, end)
    sets: dict[str, sa.Select] = {"clients_supported": supported}
    for key, kind, _label in START_FIGURES:
        sets[key] = _starts(kind, start, end)
    rc = IpsRetentionCase
    sets["retained_employment"] = sa.select(rc.client_id).where(
        rc.tenant_id == current_tenant_id(),
        may_process_client(rc.client_id),
        rc.result == "retained",
        rc.closed_on.between(start, end),
    )
    out_of_work = supported.where(IpsReferral.employment_status.in_(sorted(OUT_OF_WORK_STATUSES)))
    other = aliased(IpsReferral)  # a second copy, so the "not in" does not correlate
    known = _supporting(start, end, other).where(
        other.employment_status.in_(sorted(OUT_OF_WORK_STATUSES | {EMPLOYED_STATUS}))
    )
    sets["out_of_work_at_start"] = out_of_work
    sets["status_not_recorded"] = supported.where(IpsReferral.client_id.not_in(known))
    sets["employment_rate"] = out_of_work.where(IpsReferral.client_id.in_(sets["paid_employment"]))
    return sets


def _distinct_count(ids: sa.Select) -> sa.ScalarSelect:
    inner = ids.distinct().subquery()
    return sa.select(sa.func.count()).select_from(inner).scalar_subquery()


def outcome_figures(start: date, end: date) -> dict[str, int]:
    """Every figure of the table in one statement: distinct clients per set, plus job starts."""
    sets = client_sets(start, end)
    o = IpsOutcome
    job_starts = (
        sa.select(sa.func.count(o.id))
        .where(
            o.tenant_id == current_tenant_id(),
            may_process_client(o.client_id),
            o.kind == "paid_job",
            o.started_on.between(start, end),
        )
        .scalar_subquery()
    )
    stmt = sa.select(
        *(_distinct_count(ids).label(key) for key, ids in sets.items()),
        job_starts.label("total_job_starts"),
    )
    row = db.session.execute(stmt).mappings().one()
    return {key: int(value or 0) for key, value in row.items()}


def run_outcomes(
    period_start: date | None = None, period_end: date | None = None, **_: Any
) -> ReportResult:
    start, end = period(period_start, period_end)
    f = outcome_figures(start, end)
    supported = f["clients_supported"]

    def row(key: str, label: str, pct: float | None, drill: str | None = None) -> dict:
        return {
            "key": key,
            "measure": label,
            "value": f[key],
            "share": pct,
            "_drill": {"set": drill or key},
        }

    rows = [row("clients_supported", "Clients supported", None)]
    for key, _kind, label in START_FIGURES[:1]:
        rows.append(row(key, label, share(f[key], supported)))
    rows.append(row("total_job_starts", "Total job starts", None, "paid_employment"))
    for key, _kind, label in START_FIGURES[1:]:
        rows.append(row(key, label, share(f[key], supported)))
    rows += [
        row(
            "retained_employment", "Retained employment", share(f["retained_employment"], supported)
        ),
        row(
            "out_of_work_at_start",
            "Out of work at the start",
            share(f["out_of_work_at_start"], supported),
        ),
        row(
            "status_not_recorded",
            "No employment status recorded",
            share(f["status_not_recorded"], supported),
        ),
        row(
            "employment_rate",
            "Employment rate",
            share(f["employment_rate"], f["out_of_work_at_start"]),
        ),
    ]
    rate = share(f["employment_rate"], f["out_of_work_at_start"])
    notes = [
        period_note(start, end),
        f"Employment rate {rate if rate is not None else '—'}% "
        f"({f['employment_rate']} of {f['out_of_work_at_start']} clients out of work at the "
        "start; the IPS Grow benchmark is 40%). Clients whose employment status at referral was "
        "not recorded or not stated are left out of the rate.",
        f"Definition {DEFINITION_VERSION}: a client counts at most once in each figure and may "
        "count in several; a start before the period never counts; clients whose processing "
        "is restricted now are left out.",
    ]
    return ReportResult(
        columns=[
            ReportColumn("measure", "Measure"),
            ReportColumn("value", "Number", "number", drilldown=True),
            ReportColumn("share", "Share (%)", "number"),
        ],
        rows=blanks_left_out(rows),
        notes=notes,
    )


def outcomes_drilldown(
    drill: dict[str, Any] | None,
    period_start: date | None = None,
    period_end: date | None = None,
    **_: Any,
) -> sa.Select:
    """The clients behind one figure (core adds the viewer's need-to-know limit)."""
    start, end = period(period_start, period_end)
    key = (drill or {}).get("set") if isinstance(drill, dict) else None
    ids = client_sets(start, end).get(key or "")
    if ids is None:
        no_such_figure()
    return clients_in(ids)


OUTCOMES_REPORT = Report(
    key="ips-outcomes",
    title="IPS outcomes: clients supported, job and other starts, retention",
    description=(
        "The commissioner's IPS outcome table for a period (both dates inclusive; without "
        "dates, the 12 months to today): clients supported, paid employment, education, "
        "voluntary work, work experience and retained employment, each counting a client once; "
        "total job starts; and the employment rate over clients out of work at the start."
    ),
    definition_version=DEFINITION_VERSION,
    run=run_outcomes,
    parameters=("period_start", "period_end"),
    chart=ChartSpec(label_column="measure", value_column="value", title="IPS outcomes"),
    drilldown=outcomes_drilldown,
    definitions={
        "measure": "Clients supported: distinct clients with an IPS referral accepted on or "
        "before the period end and not closed before the period start (nor the client's record "
        "closed before it). Paid employment, "
        "educational, voluntary, work experience: distinct clients with at least one start of "
        "that kind (paid jobs include self-employment) dated within the period; a start before "
        "the period never counts. Retained employment: distinct clients with an employment "
        "retention case closed as retained within the period. Total job starts: every paid job "
        "start in the period, second jobs included. Out of work at the start: clients supported "
        "whose referral recorded an MHSDS employment status other than employed or not stated.",
        "value": "Number of distinct clients (total job starts: number of starts). Only this "
        "tenant's records count, and none of a client whose processing is restricted when the "
        "report runs. The employment rate row gives the number of out-of-work "
        "clients with a paid job start in the period.",
        "share": "Percentage of clients supported; for the employment rate, percentage of the "
        "clients who were out of work at the start (clients with no recorded status are left "
        "out of both parts).",
    },
)
