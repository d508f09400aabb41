"""Counting for ``step-out-crisis/3``: one row per client (M, windows, counts, eligibility,
sustainment) and the cohort's figures, all in SQL. The rules are in reports.py's docstring;
this module only counts, so the report's presentation (rows, chart, drill-down) stays apart.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import Client, db, may_process_client

from .models import StepOutCrisisEvent, StepOutReferral
from .portable_sql import add_months, days_between


def as_of_date(period_end: date | None = None, as_of: date | str | None = None) -> date:
    if isinstance(as_of, str) and as_of:
        return date.fromisoformat(as_of)
    return as_of or period_end or date.today()


def per_client(as_of: date) -> sa.Subquery:
    """One row per client with a referral: M, windows, counts, eligibility and sustainment.

    Clients whose processing is restricted (UK GDPR Art. 18) now have no row, so they are in no
    figure, drill-down or per-client list (since ``step-out-crisis/3``)."""
    r = StepOutReferral
    # The referral that gave M: earliest move-in first (no move-in last), then the earliest
    # referral; row_number() rather than DISTINCT ON, which only PostgreSQL has.
    ranked = (
        sa.select(
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
        )
        .where(may_process_client(r.client_id))
        .subquery("ranked")
    )
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
def figure_sets(pc: sa.Subquery) -> dict[str, sa.ColumnElement[bool]]:
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
    sets = figure_sets(pc)
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
