"""Marshmallow fields for NHS data: each refusal says what is wrong, in words a person can act on.

The API, the web forms and the bulk import all validate with these, so the rules are the same
everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from marshmallow import ValidationError, fields

from core.clients import nhs_number, postcode
from core.clients.codelists import CodeList

#: Line breaks and tabs belong in free text (a note); no other control character belongs anywhere.
_TEXT_CONTROLS = frozenset("\n\r\t")


class Text(fields.String):
    """A string with no control characters: none at all on one line (a name, an identifier),
    only line breaks and tabs in free text (``multiline=True``).

    PostgreSQL cannot store NUL at all (it failed the request with a server error), and a name
    holding a line break or an escape sequence breaks letters, CSV files and matching.
    """

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.allowed_controls = _TEXT_CONTROLS if multiline else frozenset()

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        # Surrounding whitespace (a tab pasted from a spreadsheet) is trimmed later, not refused.
        if text is not None and any(
            unicodedata.category(c) == "Cc" and c not in self.allowed_controls for c in text.strip()
        ):
            raise ValidationError("Remove the control characters (such as NUL or a line break)")
        return text


class Email(fields.Email):
    """An email address; surrounding spaces are dropped and a blank one means "none", as for
    every other optional field."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return (text.strip() or None) if text is not None else None

    def _validate(self, value: Any) -> None:
        if value is not None:
            super()._validate(value)


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
#: The shortest real number (a UK number without its 0 has 9 digits; other countries fewer).
_PHONE_MIN_DIGITS = 7


class Phone(fields.String):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None or text.strip() == "":
            return None
        text = text.strip()
        if not _PHONE.match(text) or sum(c.isdigit() for c in text) < _PHONE_MIN_DIGITS:
            raise ValidationError("Enter a phone number, like 01632 960 001 or +44 7700 900 982")
        return text
