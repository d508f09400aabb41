"""WTForms fields for the NHS design system patterns WTForms does not have."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from wtforms import Field
from wtforms.utils import unset_value


class NhsDateField(Field):
    """A date typed as day, month and year boxes (the NHS date input pattern).

    The boxes are named ``<name>[day]``, ``<name>[month]``, ``<name>[year]`` (as the NHS.UK
    date input names them). What was typed is
    kept to show again when the date is wrong; each problem gets a message a person can act on.
    """

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.parts = SimpleNamespace(day="", month="", year="")

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors = []
        # What was typed, as one string: WTForms' Optional and InputRequired read raw_data, and
        # without it Optional would wipe "must be a real date" and quietly save nothing.
        self.raw_data = []
        if data is unset_value:  # the form object had no value for this field
            data = None
        self.data = (
            data
            if data is not None
            else (self.default() if callable(self.default) else self.default)
        )
        if isinstance(self.data, date):
            self.parts = SimpleNamespace(
                day=str(self.data.day), month=str(self.data.month), year=str(self.data.year)
            )
        if formdata is None:
            return
        keys = [f"{self.name}[{part}]" for part in ("day", "month", "year")]
        if not any(k in formdata for k in keys):
            return
        day, month, year = (formdata.get(k, "").strip() for k in keys)
        self.parts = SimpleNamespace(day=day, month=month, year=year)
        typed = " ".join(p for p in (day, month, year) if p)
        self.raw_data = [typed] if typed else []
        self.data = None
        if not (day or month or year):
            return
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            self.process_errors.append(f"{self.label.text} must include a {' and '.join(missing)}")
            return
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            self.process_errors.append(f"{self.label.text} must be a real date, like 15 3 1984")
            return
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            self.process_errors.append(f"{self.label.text} must be a real date")

    def _value(self) -> str:
        return self.data.isoformat() if isinstance(self.data, date) else ""
