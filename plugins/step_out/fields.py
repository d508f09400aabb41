"""The date field of the Step Out forms: core's day/month/year NHS date input, usable with
WTForms' ``Optional``. ``Optional`` reads ``raw_data``, which core's field leaves unset, so it
would wipe "must be a real date" on an optional date and save nothing without saying so."""

from __future__ import annotations

from typing import Any

from wtforms.utils import unset_value

from core.plugins.api import NhsDateField


class DateField(NhsDateField):
    """An ``NhsDateField`` (the type templates and the error summary switch on) that records
    what was typed in its three boxes as ``raw_data``."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.type = "NhsDateField"

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        if data is unset_value:  # the form had no value for it: core's field would keep the marker
            data = None
        super().process(formdata, data, extra_filters)
        keys = [f"{self.name}[{part}]" for part in ("day", "month", "year")]
        typed = ""
        if formdata is not None and any(k in formdata for k in keys):
            typed = " ".join(p for p in (self.parts.day, self.parts.month, self.parts.year) if p)
        self.raw_data = [typed] if typed else []
