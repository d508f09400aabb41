"""The ``step-out-crisis/2`` outcome report: crisis use six months before versus after move-in.

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
  median is over eligible clients with both dates.

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
    db,
)

from .models import StepOutCrisisEvent, StepOutReferral
from .portable_sql import add_months, days_between

DEFINITION_VERSION = "step-out-crisis/2"


def _as_of(period_end: date | None = None, as_of: date | str | None = None) -> date:
    if isinstance(as_of, str) and as_of:
        return date.fromisoformat(as_of)
    return as_of or period_end or date.today()


def per_client(as_of: date) -> sa.Subquery:
    """One row per client with a referral: M, windows, counts, eligibility and sustainment."""
    r = StepOutReferral
    # The referral that gave M: earliest move-in first (no move-in last), then the earliest
    # referral; row_number() rather than DISTINCT ON, which only PostgreSQL has.
    ranked = sa.select(
        r.client_id,
        r.move_in_date.label("m"),
        days_between(r.discharge_date, r.clinically_ready_date).label("delayed_days"),
        r.tenancy_end_date,
        r.tenancy_end_planned,
        sa.func.row_number()
        .over(
            partition_by=r.client_id,
            order_by=(r.move_in_date.asc().nulls_last(), r.referred_on, r.id),
        )
        .label("rank"),
    ).subquery("ranked")
    first = (
        sa.select(
            ranked.c.client_id,
            ranked.c.m,
            ranked.c.delayed_days,
            ranked.c.tenancy_end_date,
            ranked.c.tenancy_end_planned,
        )
        .where(ranked.c.rank == 1)
        .subquery("first_move_in")
    )
    m = first.c.m
    before_start = add_months(m, -6)
    after_end = add_months(m, 6)
    twelve_end = add_months(m, 12)
    e = StepOutCrisisEvent

    def count(kind: str, start: Any, end: Any) -> sa.ColumnElement[int]:
        return sa.func.count(e.id).filter(
            e.kind == kind, e.occurred_on >= start, e.occurred_on < end
        )

    # Admissions: the crisis events of that kind and the ward admissions the client's Step Out
    # referrals record (the one during which the move-in was arranged, and any readmission that
    # led to a new referral). UNION, not UNION ALL: an admission entered both ways (or imported
    # and typed) is one admission — the same day, as the importer already judges duplicates.
    admitted = sa.union(
        sa.select(e.client_id.label("client_id"), e.occurred_on.label("day")).where(
            e.kind == "admission"
        ),
        sa.select(r.client_id, r.admission_date).where(r.admission_date.is_not(None)),
    ).subquery("admitted")

    def admissions(start: Any, end: Any) -> sa.ScalarSelect:
        return (
            sa.select(sa.func.count())
            .select_from(admitted)
            .where(
                admitted.c.client_id == first.c.client_id,
                admitted.c.day >= start,
                admitted.c.day < end,
            )
            .scalar_subquery()
        )

    unplanned = sa.and_(
        first.c.tenancy_end_date.is_not(None),
        sa.func.coalesce(first.c.tenancy_end_planned, sa.false()).is_(sa.false()),
    )
    eligible = sa.and_(m.is_not(None), after_end <= as_of)
    eligible_12 = sa.and_(m.is_not(None), twelve_end <= as_of)
    stmt = (
        sa.select(
            first.c.client_id,
            m.label("move_in_date"),
            eligible.label("eligible"),
            eligible_12.label("eligible_12"),
            count("crisis_contact", before_start, m).label("contacts_before"),
            count("crisis_contact", m, after_end).label("contacts_after"),
            admissions(before_start, m).label("admissions_before"),
            admissions(m, after_end).label("admissions_after"),
            sa.not_(sa.and_(unplanned, first.c.tenancy_end_date < after_end)).label("sustained_6"),
            sa.not_(sa.and_(unplanned, first.c.tenancy_end_date < twelve_end)).label(
                "sustained_12"
            ),
            first.c.delayed_days,
        )
        .select_from(first)
        .outerjoin(e, e.client_id == first.c.client_id)
        .group_by(
            first.c.client_id,
            m,
            first.c.delayed_days,
            first.c.tenancy_end_date,
            first.c.tenancy_end_planned,
        )
    )
    return stmt.subquery("per_client")


#: Drill-down sets: which per-client rows stand behind a figure.
def _sets(pc: sa.Subquery) -> dict[str, sa.ColumnElement[bool]]:
    eligible = pc.c.eligible.is_(True)
    return {
        "all": sa.true(),
        "no_move_in": pc.c.move_in_date.is_(None),
        "not_elapsed": sa.and_(pc.c.move_in_date.is_not(None), pc.c.eligible.is_(False)),
        "eligible": eligible,
        "fewer_after": sa.and_(eligible, pc.c.contacts_after < pc.c.contacts_before),
        "no_admission_after": sa.and_(eligible, pc.c.admissions_after == 0),
        "sustained_6": sa.and_(eligible, pc.c.sustained_6),
        "eligible_12": sa.and_(eligible, pc.c.eligible_12),
        "sustained_12": sa.and_(eligible, pc.c.eligible_12, pc.c.sustained_12),
        "delayed": sa.and_(eligible, pc.c.delayed_days.is_not(None)),
    }


def _median(value: sa.ColumnElement[int], where: sa.ColumnElement[bool]) -> sa.ScalarSelect:
    """The median of ``value`` over the rows ``where`` holds (NULL when none), as
    ``percentile_cont(0.5)`` would give it: the middle value, or the mean of the two middle ones.
    Ranked with window functions because SQLite has no ``percentile_cont``."""
    ranked = (
        sa.select(
            value.label("value"),
            sa.func.row_number().over(order_by=value).label("position"),
            sa.func.count().over().label("n"),
        )
        .where(where)
        .subquery("median_ranked")
    )
    middle = ((ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2)
    return (
        sa.select(sa.func.avg(ranked.c.value))
        .where(ranked.c.position.in_(middle))
        .scalar_subquery()
    )


def cohort_figures(as_of: date) -> dict[str, Any]:
    """The cohort figures as a dict (the report's rows are built from this)."""
    pc = per_client(as_of)
    sets = _sets(pc)
    eligible = sets["eligible"]
    n = sa.func.count()
    stmt = sa.select(
        n.label("clients"),
        n.filter(sets["no_move_in"]).label("excluded_no_move_in"),
        n.filter(sets["not_elapsed"]).label("excluded_not_elapsed"),
        n.filter(eligible).label("eligible"),
        sa.func.coalesce(sa.func.sum(pc.c.contacts_before).filter(eligible), 0).label(
            "contacts_before"
        ),
        sa.func.coalesce(sa.func.sum(pc.c.contacts_after).filter(eligible), 0).label(
            "contacts_after"
        ),
        sa.func.avg(pc.c.contacts_before).filter(eligible).label("mean_contacts_before"),
        sa.func.avg(pc.c.contacts_after).filter(eligible).label("mean_contacts_after"),
        n.filter(sets["fewer_after"]).label("fewer_contacts_after"),
        n.filter(sets["no_admission_after"]).label("no_admission_after"),
        sa.func.coalesce(sa.func.sum(pc.c.admissions_before).filter(eligible), 0).label(
            "admissions_before"
        ),
        sa.func.coalesce(sa.func.sum(pc.c.admissions_after).filter(eligible), 0).label(
            "admissions_after"
        ),
        n.filter(sets["sustained_6"]).label("sustained_6"),
        n.filter(sets["eligible_12"]).label("eligible_12"),
        n.filter(sets["sustained_12"]).label("sustained_12"),
        _median(pc.c.delayed_days, sets["delayed"]).label("median_delayed_days"),
    ).select_from(pc)
    row = db.session.execute(stmt).mappings().one()
    out = {k: (int(v) if isinstance(v, int) else v) for k, v in row.items()}
    for key in ("mean_contacts_before", "mean_contacts_after", "median_delayed_days"):
        out[key] = None if out[key] is None else round(float(out[key]), 2)
    for key in ("contacts_before", "contacts_after", "admissions_before", "admissions_after"):
        out[key] = int(out[key])
    return out


def client_outcomes(as_of: date, visible: sa.ColumnElement[bool] | None = None) -> list[dict]:
    """Per-client figures (the "per client" half of the report), limited by ``visible``."""
    pc = per_client(as_of)
    stmt = (
        sa.select(pc)
        .join(Client, Client.id == pc.c.client_id)
        .order_by(pc.c.move_in_date.nulls_last(), pc.c.client_id)
    )
    if visible is not None:
        stmt = stmt.where(visible)
    rows = []
    for row in db.session.execute(stmt).mappings():
        item = dict(row)
        for key in ("eligible", "eligible_12", "sustained_6", "sustained_12"):
            item[key] = bool(item[key])  # SQLite answers 0/1
        if item["move_in_date"] is None:
            item["excluded_reason"] = "no move-in date"
        elif not item["eligible"]:
            item["excluded_reason"] = "6 months after move-in not yet elapsed"
        else:
            item["excluded_reason"] = None
        if not item["eligible"]:
            for key in (
                "contacts_before", "contacts_after", "admissions_before", "admissions_after",
                "sustained_6",
            ):  # fmt: skip
                item[key] = None
        if not (item["eligible"] and item["eligible_12"]):
            item["sustained_12"] = None
        rows.append(item)
    return rows


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def run_crisis_report(
    period_end: date | None = None, as_of: date | str | None = None, **_: Any
) -> ReportResult:
    """Cohort figures for ``period_end`` as the as-of date (today when not given)."""
    day = _as_of(period_end, as_of)
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
    day = _as_of(period_end, kwargs.get("as_of"))
    pc = per_client(day)
    condition = _sets(pc).get((drill or {}).get("set") or "", sa.false())
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
        "exclusions are counted by reason. Sustained at 6/12 months: no unplanned tenancy end "
        "before M + 6/12 months (planned ends count as sustained); the 12-month figure is over "
        "eligible clients whose 12 months have elapsed. Median delayed days: discharge date "
        "minus clinically ready date.",
        "share": "The value as a percentage of eligible clients (12-month sustainment: of "
        "clients with 12 months elapsed).",
    },
)
