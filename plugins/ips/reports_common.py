"""What the IPS reports share: the reporting period, shares and medians, and the drill-down
wrapper that turns a set of client ids into Client rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any, NoReturn

import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from core.plugins.api import Client, current_tenant_id

UNASSIGNED = "Unassigned"


def period(period_start: date | None, period_end: date | None) -> tuple[date, date]:
    """START..END, both inclusive. Without an end: today; without a start: the 12 months
    ending on END (a commissioner's usual year), so a report run with no dates still means
    something and says which dates it used."""
    end = period_end or date.today()
    start = period_start or _year_before(end)
    return start, end


def _year_before(end: date) -> date:
    """The first day of the 12 months ending on ``end``: the day after ``end``, a year
    earlier (1 Mar 2016 for 28 Feb 2017, as in ips.md's published example). Going back from
    ``end`` first and adding a day would give 29 Feb 2016 there: a 366-day "year"."""
    after = end + timedelta(days=1)
    try:
        return after.replace(year=after.year - 1)
    except ValueError:  # the day after is 29 February: a year earlier it is 1 March
        return date(after.year - 1, 3, 1)


def period_note(start: date, end: date) -> str:
    return f"Period {uk_day(start)} to {uk_day(end)} (both days inclusive)."


def share(part: int | None, whole: int | None) -> float | None:
    """``part`` as a percentage of ``whole``, one decimal place; None when there is no whole."""
    if not whole or part is None:
        return None
    return round(100.0 * part / whole, 1)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None if empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return None
    middle = n // 2
    if n % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def blanks_left_out(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without their "not applicable" (None) cells, so the page, CSV and workbook show an
    empty cell rather than the word None; the drill-down key always stays."""
    return [{k: v for k, v in row.items() if v is not None or k == "_drill"} for row in rows]


def clients_closed_before(day: date) -> sa.Select:
    """Ids of clients whose record was closed before ``day``: they had left the service, so
    an IPS episode nobody closed after them does not make them supported or on a caseload.
    (ips.md counts episodes; a commissioner would not count someone the trust no longer sees,
    so the record's closure ends the episode too.)"""
    return sa.select(Client.id).where(
        Client.tenant_id == current_tenant_id(), Client.closed_on < day
    )


def clients_in(ids: sa.Select) -> sa.Select:
    """Client rows whose id is in the one-column select ``ids`` (core adds need-to-know)."""
    return (
        sa.select(Client)
        .where(Client.id.in_(ids))
        .order_by(Client.family_name, Client.given_name, Client.id)
    )


def clients_with_ids(ids: Iterable[uuid.UUID]) -> sa.Select:
    """Client rows with these ids (for figures worked out in Python, such as day counts)."""
    return (
        sa.select(Client)
        .where(Client.id.in_(sorted(set(ids))))
        .order_by(Client.family_name, Client.given_name, Client.id)
    )


def no_clients() -> sa.Select:
    """The drill-down of a figure that is there but counts nobody."""
    return sa.select(Client).where(sa.false())


def no_such_figure() -> NoReturn:
    """A drill that names no figure of the report (unknown set, malformed): 404, as core
    answers a drill that is not JSON, rather than an empty list that looks like a real zero."""
    raise NotFound("No such figure.")


def uk_day(day: date) -> str:
    """NHS style for dates in report notes and labels: "1 October 2026"."""
    return f"{day.day} {day:%B %Y}"
