"""``ips-fidelity-trend/1``: each fidelity review's total, band and section subtotals, oldest
first, so a team sees whether its fidelity to IPS is rising or falling.

The items, sections and bands are the fidelity slice's data (``fidelity_scale``), so the trend
and the review pages can never disagree. An incomplete review (any item unscored) shows its
partial total and no band.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import ChartSpec, Report, ReportColumn, ReportResult, current_tenant_id, db

from . import fidelity_scale
from .codes import REVIEWER_TYPES, label
from .models import IpsFidelityReview, IpsFidelityScore
from .reports_common import blanks_left_out, uk_day

DEFINITION_VERSION = "ips-fidelity-trend/1"
SECTION_KEYS = {section: section.lower() for section in fidelity_scale.SECTIONS}


def _reviews(start: date | None, end: date | None) -> list[IpsFidelityReview]:
    rv = IpsFidelityReview
    stmt = sa.select(rv).where(rv.tenant_id == current_tenant_id())
    if start is not None:
        stmt = stmt.where(rv.reviewed_on >= start)
    if end is not None:
        stmt = stmt.where(rv.reviewed_on <= end)
    return list(db.session.execute(stmt.order_by(rv.reviewed_on, rv.id)).scalars())


def _scores(review_ids: list[Any]) -> dict[Any, dict[int, int]]:
    found: dict[Any, dict[int, int]] = defaultdict(dict)
    if not review_ids:
        return found
    s = IpsFidelityScore
    stmt = sa.select(s.review_id, s.item, s.score).where(
        s.tenant_id == current_tenant_id(), s.review_id.in_(review_ids)
    )
    for review_id, item, value in db.session.execute(stmt):
        found[review_id][item] = value
    return found


def fidelity_rows(start: date | None, end: date | None) -> list[dict[str, Any]]:
    """One row per review in the period (every review without dates), oldest first."""
    reviews = _reviews(start, end)
    scores = _scores([r.id for r in reviews])
    rows: list[dict[str, Any]] = []
    previous: int | None = None
    for review in reviews:
        result = fidelity_scale.score(scores.get(review.id, {}))
        if result.band is not None:
            band = result.band.label
        else:
            band = f"Incomplete ({result.scored} of {len(fidelity_scale.ITEMS)} items scored)"
        who = label(REVIEWER_TYPES, review.reviewer_type).lower()
        row = {
            "review": f"{uk_day(review.reviewed_on)} ({who})",
            "reviewed_on": review.reviewed_on.isoformat(),
            "total": result.total,
            "band": band,
            "change": None if previous is None or not result.complete else result.total - previous,
        }
        for section, key in SECTION_KEYS.items():
            row[key] = result.sections[section][0]
        rows.append(row)
        if result.complete:
            previous = result.total
    return rows


def run_fidelity_trend(
    period_start: date | None = None, period_end: date | None = None, **_: Any
) -> ReportResult:
    rows = fidelity_rows(period_start, period_end)
    bands = "; ".join(f"{b.label} {b.low}–{b.high}" for b in fidelity_scale.BANDS)
    span = (
        "every review"
        if period_start is None and period_end is None
        else f"reviews from {uk_day(period_start) if period_start else 'the first'} "
        f"to {uk_day(period_end) if period_end else 'the latest'}"
    )
    section_columns = [
        ReportColumn(key, f"{section} subtotal", "number") for section, key in SECTION_KEYS.items()
    ]
    return ReportResult(
        columns=[
            ReportColumn("review", "Review"),
            ReportColumn("total", "Total (25–125)", "number"),
            ReportColumn("band", "Band"),
            *section_columns,
            ReportColumn("change", "Change since last review", "number"),
        ],
        rows=blanks_left_out(rows),
        notes=[f"Showing {span}.", f"Bands: {bands}. Incomplete reviews have no band."],
    )


FIDELITY_TREND_REPORT = Report(
    key="ips-fidelity-trend",
    title="IPS fidelity over time",
    description=(
        "Each IPS fidelity review's total on the 25-item scale, its band and its section "
        "subtotals (staffing, organisation, services), oldest first. Without dates, every "
        "review."
    ),
    definition_version=DEFINITION_VERSION,
    run=run_fidelity_trend,
    parameters=("period_start", "period_end"),
    chart=ChartSpec(label_column="review", value_column="total", title="Fidelity total"),
    drilldown=None,
    definitions={
        "review": "The review date and who reviewed (external, internal, or a quality "
        "consultant with lived experience).",
        "total": "Sum of the 25 item scores (each 1–5); a partial sum for an incomplete review.",
        "band": "Exemplary 115–125, good 100–114, fair 74–99, not IPS 25–73 (the 115 and 73 "
        "edges are unconfirmed and kept as data). No band unless all 25 items are scored.",
        "staffing": "Items 1–3 (5–15 when complete).",
        "organisation": "Items 4–11 (8–40 when complete).",
        "services": "Items 12–25 (14–70 when complete).",
        "change": "Total minus the previous complete review's total (complete reviews only).",
    },
)
