"""core.dates: the plausible range of a date in a service's records (no database)."""

from __future__ import annotations

from datetime import date

import pytest
from marshmallow import Schema, ValidationError
from wtforms import Form

from core.dates import EventDate, EventDateRange, event_date_problem, latest_planned
from core.web.fields import NhsDateField

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("value", "planned", "problem"),
    [
        (date(1900, 1, 1), False, None),
        (date(1899, 12, 31), False, "Date given must be 1 January 1900 or later."),
        (date(111, 10, 4), True, "Date given must be 1 January 1900 or later."),
        (date(2036, 11, 24), True, None),
        (
            date(2036, 11, 25),
            True,
            "Date given must be 24 November 2036 or earlier (within 10 years).",
        ),
        (date(2206, 1, 1), False, None),  # "not in the future" is the service's rule
    ],
)
def test_the_range_and_its_words(value, planned, problem):
    assert event_date_problem(value, "Date given", planned=planned, today=TODAY) == problem


def test_ten_years_from_29_february_is_28_february():
    assert latest_planned(date(2028, 2, 29)) == date(2038, 2, 28)


class _Advice(Schema):
    given_on = EventDate("Date given", required=True)


def test_the_api_field_refuses_year_111_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        _Advice().load({"given_on": "0111-10-04"})
    assert refused.value.messages == {"given_on": ["Date given must be 1 January 1900 or later."]}
    assert _Advice().load({"given_on": "1900-01-01"}) == {"given_on": date(1900, 1, 1)}
    assert _Advice().fields["given_on"].metadata["description"] == "Not before 1 January 1900."


class _Page(Form):
    given_on = NhsDateField("Date given (as on the letter)", validators=[EventDateRange()])


class _Data(dict):
    def getlist(self, key):
        return [self[key]]


def test_the_page_validator_uses_the_label_without_its_hint():
    form = _Page(_Data({"given_on[day]": "4", "given_on[month]": "10", "given_on[year]": "0111"}))
    assert not form.validate()
    assert form.given_on.errors == ["Date given must be 1 January 1900 or later."]
    form = _Page(_Data({"given_on[day]": "1", "given_on[month]": "1", "given_on[year]": "1900"}))
    assert form.validate() and form.given_on.data == date(1900, 1, 1)
