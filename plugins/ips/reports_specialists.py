"""Reports per employment specialist: ``ips-job-starts-by-specialist/2`` (paid job starts in a
period, credited through ``IpsOutcome.specialist_id``) and ``ips-caseloads/3`` (open, accepted
episodes on a day against the tenant's caseload cap, with retention cases as a share).

Clients whose processing is restricted (UK GDPR Art. 18) when the report runs are in neither
(since ``ips-job-starts-by-specialist/2`` and ``ips-caseloads/3``).

Specialists are memberships; a start or episode with no specialist is shown as "Unassigned",
always, so nothing drops out of the totals.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from core.plugins.api import (
    ChartSpec,
    Report,
    ReportColumn,
    ReportResult,
    current_tenant_id,
    db,
    may_process_client,
    member_names,
)

from .common import as_uuid, caseload_cap
from .models import IpsOutcome, IpsReferral, IpsRetentionCase
from .reports_common import (
    UNASSIGNED,
    blanks_left_out,
    clients_closed_before,
    clients_in,
    no_such_figure,
    period,
    period_note,
    share,
    uk_day,
)

JOB_STARTS_VERSION = "ips-job-starts-by-specialist/2"
CASELOADS_VERSION = "ips-caseloads/3"
RETENTION_GUIDE = 15  # per cent of a caseload (IPS practice guidance)


def _by_specialist(column: Any, drill: dict[str, Any] | None) -> sa.ColumnElement[bool] | None:
    """The condition for the drill's specialist (None: a malformed drill, no rows)."""
    if not isinstance(drill, dict) or "specialist" not in drill:
        return None
    if drill["specialist"] is None:
        return column.is_(None)
    specialist = as_uuid(drill["specialist"])
    return None if specialist is None else column == specialist


def _ordered_rows(counts: dict[uuid.UUID | None, dict[str, Any]]) -> list[dict[str, Any]]:
    """Named specialists by name, then "Unassigned" (always present)."""
    names = member_names(counts)
    counts.setdefault(None, {})
    named = sorted((k for k in counts if k is not None), key=lambda k: (names.get(k, ""), str(k)))
    rows = []
    for key in [*named, None]:
        label = UNASSIGNED if key is None else names.get(key, "Former member of staff")
        rows.append(
            {
                "specialist": label,
                **counts[key],
                "_drill": {"specialist": str(key) if key else None},
            }
        )
    return rows


# --------------------------------------------------------------------- job starts per specialist


def run_job_starts(
    period_start: date | None = None, period_end: date | None = None, **_: Any
) -> ReportResult:
    start, end = period(period_start, period_end)
    o = IpsOutcome
    stmt = (
        sa.select(o.specialist_id, sa.func.count(o.id), sa.func.count(sa.distinct(o.client_id)))
        .where(
            o.tenant_id == current_tenant_id(),
            may_process_client(o.client_id),
            o.kind == "paid_job",
            o.started_on.between(start, end),
        )
        .group_by(o.specialist_id)
    )
    counts = {
        specialist: {"job_starts": starts, "clients": clients}
        for specialist, starts, clients in db.session.execute(stmt)
    }
    rows = _ordered_rows(counts)
    for row in rows:
        row.setdefault("job_starts", 0)
        row.setdefault("clients", 0)
    total = sum(r["job_starts"] for r in rows)
    return ReportResult(
        columns=[
            ReportColumn("specialist", "Employment specialist"),
            ReportColumn("job_starts", "Paid job starts", "number", drilldown=True),
            ReportColumn("clients", "Clients starting a job", "number"),
        ],
        rows=blanks_left_out(rows),
        notes=[period_note(start, end), f"{total} paid job starts in the period in all."],
    )


def job_starts_drilldown(
    drill: dict[str, Any] | None,
    period_start: date | None = None,
    period_end: date | None = None,
    **_: Any,
) -> sa.Select:
    start, end = period(period_start, period_end)
    condition = _by_specialist(IpsOutcome.specialist_id, drill)
    if condition is None:
        no_such_figure()
    ids = (
        sa.select(IpsOutcome.client_id)
        .where(
            IpsOutcome.tenant_id == current_tenant_id(),
            may_process_client(IpsOutcome.client_id),
            IpsOutcome.kind == "paid_job",
            IpsOutcome.started_on.between(start, end),
        )
        .where(condition)
    )
    return clients_in(ids)


JOB_STARTS_REPORT = Report(
    key="ips-job-starts-by-specialist",
    title="IPS paid job starts by employment specialist",
    description=(
        "Paid job starts (employed or self-employed) in the period, per employment specialist "
        "credited with the start, with starts credited to no one shown as unassigned. Without "
        "dates, the 12 months to today."
    ),
    definition_version=JOB_STARTS_VERSION,
    run=run_job_starts,
    parameters=("period_start", "period_end"),
    chart=ChartSpec(label_column="specialist", value_column="job_starts", title="Paid job starts"),
    drilldown=job_starts_drilldown,
    definitions={
        "specialist": "The specialist recorded on the job start (the member of staff credited "
        "with it), or 'Unassigned' when none is recorded.",
        "job_starts": "Every paid job start dated within the period (both dates inclusive); a "
        "client's second job counts again. Starts of clients whose processing is restricted "
        "when the report runs are left out.",
        "clients": "Distinct clients with at least one of those starts.",
    },
)


# ------------------------------------------------------------------------ caseload per specialist


def _open_on(day: date) -> list[sa.ColumnElement[bool]]:
    """Accepted on or before ``day`` and still open at the end of it, for a client whose
    record is still open at the end of it too (a closed client is no one's caseload), and
    whose processing is not restricted now (Art. 18)."""
    r = IpsReferral
    return [
        r.tenant_id == current_tenant_id(),
        may_process_client(r.client_id),
        r.accepted_on.is_not(None),
        r.accepted_on <= day,
        sa.or_(r.closed_on > day, sa.and_(r.closed_on.is_(None), r.status != "closed")),
        r.client_id.not_in(clients_closed_before(day + timedelta(days=1))),
    ]


def _open_retention(day: date) -> sa.Select:
    """Referrals with a retention case open at the end of ``day``."""
    rc = IpsRetentionCase
    return sa.select(rc.referral_id).where(
        rc.tenant_id == current_tenant_id(),
        rc.opened_on <= day,
        sa.or_(rc.closed_on.is_(None), rc.closed_on > day),
    )


def run_caseloads(period_end: date | None = None, **_: Any) -> ReportResult:
    day = period_end or date.today()
    cap = caseload_cap()
    r = IpsReferral
    retention = r.id.in_(_open_retention(day))
    stmt = (
        sa.select(
            r.specialist_id,
            sa.func.count(sa.distinct(r.client_id)),
            sa.func.count(sa.distinct(r.client_id)).filter(retention),
        )
        .where(*_open_on(day))
        .group_by(r.specialist_id)
    )
    counts = {
        specialist: {"caseload": caseload, "retention": kept}
        for specialist, caseload, kept in db.session.execute(stmt)
    }
    rows = _ordered_rows(counts)
    for row in rows:
        row.setdefault("caseload", 0)
        row.setdefault("retention", 0)
        assigned = row["_drill"]["specialist"] is not None
        row["cap"] = cap if assigned else None
        row["over_cap"] = max(0, row["caseload"] - cap) if assigned else None
        row["retention_share"] = share(row["retention"], row["caseload"])
    over = [row["specialist"] for row in rows if row["over_cap"]]
    high = [row["specialist"] for row in rows if (row["retention_share"] or 0) > RETENTION_GUIDE]
    notes = [
        f"As of {uk_day(day)} (the period end; today if not given): accepted episodes still "
        "open at the end of that day (accepted, job search or in work).",
        f"Caseload cap {cap} per specialist. Over the cap: {', '.join(over) or 'none'}.",
        "Retention cases above 15% of a caseload: " + (", ".join(high) if high else "none") + ".",
    ]
    return ReportResult(
        columns=[
            ReportColumn("specialist", "Employment specialist"),
            ReportColumn("caseload", "Caseload", "number", drilldown=True),
            ReportColumn("cap", "Cap", "number"),
            ReportColumn("over_cap", "Over the cap by", "number"),
            ReportColumn("retention", "Retention cases", "number"),
            ReportColumn("retention_share", "Retention share of caseload (%)", "number"),
        ],
        rows=blanks_left_out(rows),
        notes=notes,
    )


def caseloads_drilldown(
    drill: dict[str, Any] | None, period_end: date | None = None, **_: Any
) -> sa.Select:
    day = period_end or date.today()
    condition = _by_specialist(IpsReferral.specialist_id, drill)
    if condition is None:
        no_such_figure()
    return clients_in(sa.select(IpsReferral.client_id).where(*_open_on(day), condition))


CASELOADS_REPORT = Report(
    key="ips-caseloads",
    title="IPS caseloads against the cap",
    description=(
        "Open, accepted IPS episodes per employment specialist on a day (the period end; "
        "today if not given) against the tenant's caseload cap, with how far over it each "
        "specialist is and retention cases as a share of the caseload."
    ),
    definition_version=CASELOADS_VERSION,
    run=run_caseloads,
    parameters=("period_end",),
    chart=ChartSpec(label_column="specialist", value_column="caseload", title="Caseloads"),
    drilldown=caseloads_drilldown,
    definitions={
        "specialist": "The specialist named on the episode, or 'Unassigned'.",
        "caseload": "Distinct clients with an episode accepted on or before the day and not "
        "closed on or before it (statuses accepted, job search, in work), whose client record "
        "was not closed on or before it either. Clients whose processing is restricted when "
        "the report runs are left out.",
        "cap": "The tenant's caseload cap (setting caseload_cap; 20 unless set): IPS guidance "
        "is at most 20 active clients per full-time specialist.",
        "over_cap": "Caseload minus the cap, when above it; otherwise 0.",
        "retention": "Clients on the caseload with an employment retention case open at the "
        "end of the day.",
        "retention_share": "Retention cases as a percentage of the caseload (guidance: at most "
        "about 15%).",
    },
)
