"""The plausible range of a date in a service's records, for the API and the pages alike.

A record dated in year 111 (a typing slip, or a fuzzer) is kept without complaint by PostgreSQL,
then sits inside every date window that counts outcomes. So every date a service stores is:

* **1 January 1900 or later** (the same floor as a date of birth: nothing in anyone's care
  happened earlier);
* for a **planned** date (a review, a due date, the end of a course): **no more than 10 years
  from today** — far enough for any plan, near enough to catch 2206 typed for 2026.

Whether a date that records something that *happened* is in the future stays the service's rule
(each service words it for its own field and already checks it), so it is not repeated here.

:class:`EventDate` (marshmallow, API schemas) and :class:`EventDateRange` (WTForms, pages) both
ask :func:`event_date_problem`, so the two can never disagree.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import ValidationError, fields
from wtforms.validators import ValidationError as FormValidationError

#: No date in a service's records is earlier.
EARLIEST = date(1900, 1, 1)
#: How far ahead a planned date may be.
PLANNED_YEARS_AHEAD = 10


def uk_date(day: date) -> str:
    """1 January 1900 (the NHS style for a date in text)."""
    return f"{day.day} {day:%B} {day.year}"


def latest_planned(today: date | None = None) -> date:
    """The last day a planned date may fall on: ``PLANNED_YEARS_AHEAD`` years from today."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + PLANNED_YEARS_AHEAD)
    except ValueError:  # 29 February, and the year 10 years on is not a leap year
        return today.replace(year=today.year + PLANNED_YEARS_AHEAD, day=28)


def event_date_problem(
    value: date, label: str, *, planned: bool = False, today: date | None = None
) -> str | None:
    """What is wrong with ``value`` as the date called ``label`` ("Date of advice"), or None."""
    if value < EARLIEST:
        return f"{label} must be {uk_date(EARLIEST)} or later."
    if planned and value > (latest := latest_planned(today)):
        return f"{label} must be {uk_date(latest)} or earlier (within {PLANNED_YEARS_AHEAD} years)."
    return None


class EventDate(fields.Date):
    """An API date field of a service's record, held to :func:`event_date_problem`.

    ``label`` names the field in messages ("Date of advice must be 1 January 1900 or later.");
    ``planned`` is for dates that may lie ahead (reviews, due dates).
    """

    def __init__(self, label: str, *, planned: bool = False, **kwargs: Any) -> None:
        metadata = dict(kwargs.pop("metadata", {}))
        rule = f"Not before {uk_date(EARLIEST)}" + (
            f"; at most {PLANNED_YEARS_AHEAD} years ahead." if planned else "."
        )
        described = metadata.get("description")
        metadata["description"] = f"{described} {rule}" if described else rule
        super().__init__(metadata=metadata, **kwargs)
        self.label = label
        self.planned = planned

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        result = super()._deserialize(value, attr, data, **kwargs)
        problem = event_date_problem(result, self.label, planned=self.planned)
        if problem:
            raise ValidationError(problem)
        return result


class EventDateRange:
    """A WTForms validator for a page's date field (an ``NhsDateField``), held to
    :func:`event_date_problem`. The message names the field by ``label``, or by its label text
    without any bracketed hint ("Due date (optional)" → "Due date")."""

    def __init__(self, label: str | None = None, *, planned: bool = False) -> None:
        self.label = label
        self.planned = planned

    def __call__(self, form: Any, field: Any) -> None:
        if not isinstance(field.data, date):
            return
        label = self.label or field.label.text.split(" (")[0]
        problem = event_date_problem(field.data, label, planned=self.planned)
        if problem:
            raise FormValidationError(problem)
