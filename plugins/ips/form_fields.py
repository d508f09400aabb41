"""Form fields whose error messages say what to do: a date that does not exist says so (WTForms'
``DataRequired`` would replace it with "Enter the date …" as if nothing was typed), and a choice
not in the list names the question instead of WTForms' bare "Not a valid choice."

The classes keep the names templates switch on (``field.type``): core's ``error_summary`` links
an ``NhsDateField`` error to its day box."""

from __future__ import annotations

from typing import Any

import wtforms
from wtforms.validators import DataRequired, InputRequired, ValidationError

from core.plugins.api import EventDateRange
from core.plugins.api import NhsDateField as CoreDateField

REAL_DATE = "Enter a real date, for example 15 3 2026."


class NhsDateField(CoreDateField):
    """Core's day/month/year date input whose impossible date says "Enter a real date" even
    when the field is required (pair it with ``InputRequired``, not ``DataRequired``).

    A date to be recorded is held to core's plausible range (1 January 1900 or later;
    ``planned`` dates, such as a review or a due date, at most 10 years ahead), with the message
    naming the field; a filter (``recorded=False``, a report period) is not, as in the API.
    """

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        planned: bool = False,
        recorded: bool = True,
        **kwargs: Any,
    ) -> None:
        if recorded:
            validators = [*(validators or ()), EventDateRange(planned=planned)]
        super().__init__(label, validators, **kwargs)

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        super().process(formdata, data, extra_filters)
        self.process_errors = [
            REAL_DATE if "real date" in message else message for message in self.process_errors
        ]


class SelectField(wtforms.SelectField):
    """A select whose "not in the list" error names the question: the field's own required
    message when it has one ("Choose why support ended."), otherwise "Choose <label> from the
    list." """

    def pre_validate(self, form: Any) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.not_in_list()) from None

    def not_in_list(self) -> str:
        for validator in self.validators:
            if isinstance(validator, DataRequired | InputRequired) and validator.message:
                return validator.message
        return f"Choose {self.label.text[:1].lower()}{self.label.text[1:]} from the list."
