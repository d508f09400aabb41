"""Form fields whose error messages say what to do: a date that does not exist says so (WTForms'
``DataRequired`` would replace it with "Enter the date …" as if nothing was typed), and a choice
not in the list names the question instead of WTForms' bare "Not a valid choice."

The classes keep WTForms' names so templates that switch on ``field.type`` still work."""

from __future__ import annotations

from typing import Any

import wtforms
from wtforms.validators import DataRequired, InputRequired, ValidationError

#: Accepted spellings: the date input's own (ISO), and day/month/year as people type it.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y"]
REAL_DATE = "Enter a real date, for example 15/3/2026."


class DateField(wtforms.DateField):
    """A date typed as ISO or day/month/year; an impossible one (31/02/2026) is "Enter a real
    date" even when the field is required (pair it with ``InputRequired``, not ``DataRequired``)."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("format", DATE_FORMATS)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and valuelist[0].strip():
            valuelist = [valuelist[0].strip()]
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(REAL_DATE) from None


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
