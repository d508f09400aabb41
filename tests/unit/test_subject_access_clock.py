"""The subject access clock, counted the ICO's way (core.clients.access_requests)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clients.access_requests import add_months, due_date, is_working_day


@pytest.mark.parametrize(
    ("received", "months", "region", "due"),
    [
        # the corresponding date of the next month, a working day: no change
        (date(2026, 11, 24), 1, "ENG", date(2026, 12, 24)),
        # ICO's own example, 3 September → 3 October; in 2026 that is a Saturday → Monday
        (date(2026, 9, 3), 1, "ENG", date(2026, 10, 5)),
        # no 31 February: the last day of the month (a Sunday in 2027 → Monday 1 March)
        (date(2027, 1, 31), 1, "ENG", date(2027, 3, 1)),
        # a leap year: 29 February, a Tuesday
        (date(2028, 1, 31), 1, "ENG", date(2028, 2, 29)),
        # Christmas Day (Friday), the weekend, Boxing Day observed on Monday → Tuesday 29th
        (date(2026, 11, 25), 1, "ENG", date(2026, 12, 29)),
        # extended: three months from receipt, the shorter February, then the working day
        (date(2026, 11, 30), 3, "ENG", date(2027, 3, 1)),
        # Scotland keeps 2 January (a Saturday in 2027, observed on Tuesday 5th)
        (date(2026, 12, 2), 1, "ENG", date(2027, 1, 4)),
        (date(2026, 12, 2), 1, "SCT", date(2027, 1, 5)),
        # Northern Ireland keeps 12 July
        (date(2027, 6, 12), 1, "ENG", date(2027, 7, 12)),
        (date(2027, 6, 12), 1, "NIR", date(2027, 7, 13)),
    ],
)
def test_due_dates(received, months, region, due):
    assert due_date(received, months, region) == due


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)), st.sampled_from([1, 3]))
def test_the_due_date_is_the_first_working_day_on_or_after_the_calendar_date(received, months):
    calendar_date = add_months(received, months)
    # the corresponding date, or the last day of a shorter month
    assert (calendar_date.year * 12 + calendar_date.month) - (
        received.year * 12 + received.month
    ) == months
    assert calendar_date.day == received.day or (
        calendar_date.day < received.day and (calendar_date + timedelta(days=1)).day == 1
    )
    due = due_date(received, months)
    assert due >= calendar_date and is_working_day(due)
    assert all(
        not is_working_day(calendar_date + timedelta(days=n))
        for n in range((due - calendar_date).days)
    )
    assert (due - calendar_date).days <= 5  # Christmas and a weekend at the very most
