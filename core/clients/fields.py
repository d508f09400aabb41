"""Marshmallow fields for NHS data: each refusal says what is wrong, in words a person can act on.

The API, the web forms and the bulk import all validate with these, so the rules are the same
everywhere.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from marshmallow import ValidationError, fields

from core.clients import nhs_number, postcode
from core.clients.codelists import CodeList


class NhsNumber(fields.String):
    """Ten digits with a valid Modulus 11 check digit; spaces and dashes accepted and removed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None or text.strip() == "":
            return None
        try:
            return nhs_number.normalise(text)
        except nhs_number.NhsNumberError as error:
            raise ValidationError(str(error)) from None


class Postcode(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None or text.strip() == "":
            return None
        try:
            return postcode.normalise(text)
        except postcode.PostcodeError as error:
            raise ValidationError(str(error)) from None


class Code(fields.String):
    """A code from an NHS code list; the error names the list and its version."""

    def __init__(self, codelist: CodeList, **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        metadata.setdefault("enum", list(codelist.codes))
        metadata.setdefault("description", f"{codelist.name} ({codelist.version})")
        super().__init__(metadata=metadata, **kwargs)
        self.codelist = codelist

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None or text == "":
            return None
        if text not in self.codelist.codes:
            raise ValidationError(
                f"{text!r} is not on the {self.codelist.name} list ({self.codelist.version})"
            )
        return text


class PastDate(fields.Date):
    """A real calendar date, not in the future and not before 1900 (birth dates)."""

    default_error_messages = {"invalid": "Enter a real date in the format YYYY-MM-DD"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> date:
        result = super()._deserialize(value, attr, data, **kwargs)
        if result > date.today():
            raise ValidationError("Date must be today or in the past")
        if result.year < 1900:
            raise ValidationError("Date must be after 1 January 1900")
        return result


_PHONE = re.compile(r"^\+?[0-9 ()\-]{7,20}$")


class Phone(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None or text.strip() == "":
            return None
        if not _PHONE.match(text.strip()):
            raise ValidationError("Enter a phone number, like 01632 960 001 or +44 7700 900 982")
        return text.strip()
