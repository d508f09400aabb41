"""Turning what a trust's files really hold into what the API accepts, before each row is checked.

A bulk import is fed by an export from an electronic patient record (RiO, SystmOne, Epic…) or a
spreadsheet a team kept. Those say "Forename" and "DOB", write dates day first (15/03/1984) and
ethnicity as "White - British". The API keeps one spelling of each (field names, ISO dates, NHS
Data Dictionary codes), so the import translates here and then validates every row with the
API's own :class:`~core.clients.schemas.ClientCreateSchema`: the rules stay the same everywhere,
only the spelling is forgiven. Nothing here guesses: a value it cannot read for certain is left
for the schema to refuse, or refused with a message that says what to write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from marshmallow import fields

from core.clients.fields import Code
from core.clients.schemas import ClientCreateSchema
from core.jobs.runner import JobError

_FIELDS = ClientCreateSchema().fields
#: The columns a file must have: the fields the API requires.
REQUIRED = tuple(name for name, f in _FIELDS.items() if f.required)
#: Date columns, read day first as well as ISO.
DATE_FIELDS = tuple(name for name, f in _FIELDS.items() if isinstance(f, fields.Date))
#: Other names for the columns, as EPR exports and team spreadsheets write them. Matching
#: ignores case, spaces and punctuation ("NHS No." is "nhs no"), and the field's own name always
#: works. Keep README.md ("Jobs, import and reports") in step.
ALIASES: dict[str, tuple[str, ...]] = {
    "nhs_number": ("NHS", "NHS no", "NHS number"),
    "local_id": (
        "Local identifier",
        "Patient id",
        "RiO id",
        "RiO number",
        "MRN",
        "Hospital number",
        "Hospital no",
    ),
    "given_name": ("Forename", "Forenames", "First name", "Given names"),
    "family_name": ("Surname", "Last name"),
    "preferred_name": ("Known as",),
    "date_of_birth": ("DOB", "Birth date"),
    "gender_identity": ("Gender",),
    "ethnic_category": ("Ethnicity", "Ethnic group", "Ethnic origin"),
    "address_line_1": ("Address", "Address 1"),
    "address_line_2": ("Address 2",),
    "town": ("City", "Town or city", "Town/city"),
    "postcode": ("Post code",),
    "phone": ("Telephone", "Telephone number", "Tel", "Phone number", "Mobile", "Mobile number"),
    "email": ("Email address",),
}


def key(text: str) -> str:
    """``text`` without case, spaces or punctuation: "Date of Birth", "date_of_birth" and
    "DATE-OF-BIRTH" are one column, "White - British" and "white british" one label."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _column_keys() -> dict[str, str]:
    found: dict[str, str] = {}
    for name, aliases in [(n, ()) for n in _FIELDS] + list(ALIASES.items()):
        for spelling in (name, *aliases):
            other = found.setdefault(key(spelling), name)
            if other != name:  # a mistake in ALIASES, caught at import time
                raise ValueError(f"{spelling!r} would name both {other} and {name}")
    return found


_COLUMN_KEYS = _column_keys()


@dataclass
class Header:
    """The file's first row, read: which column feeds which field."""

    #: (column index, field) for every column the import uses.
    wanted: list[tuple[int, str]] = field(default_factory=list)
    #: field → the column's name as written in the file, to name it in the error report.
    titles: dict[str, str] = field(default_factory=dict)
    #: Columns that feed no field (reported, then ignored), as written.
    unknown: list[str] = field(default_factory=list)


def read_header(cells: list[Any]) -> Header:
    """Match the first row's column names to fields, through :data:`ALIASES`.

    :raises JobError: a required column is missing, or two columns give the same field (say
        "Forename" and "First name"): which one to believe is the trust's choice, not ours.
    """
    header = Header()
    for index, value in enumerate(cells):
        title = str(value or "").strip()
        if not title:
            continue
        name = _COLUMN_KEYS.get(key(title))
        if name is None:
            header.unknown.append(title)
        elif name in header.titles:
            raise JobError(
                f'The columns "{header.titles[name]}" and "{title}" are both {name}; '
                "keep one of them and upload the file again."
            )
        else:
            header.titles[name] = title
            header.wanted.append((index, name))
    missing = [name for name in REQUIRED if name not in header.titles]
    if missing:
        raise JobError(
            "The file's first row must name the columns; missing: " + ", ".join(missing) + "."
        )
    return header


_UK_DATE = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
#: A time after the date, as SQL Server exports write a date ("1984-03-15 00:00:00.000").
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")
_WRITE_DATE = "Enter a real date as DD/MM/YYYY, like 15/03/1984 (or as YYYY-MM-DD)"


def uk_date(text: str) -> str:
    """A date written day first (15/03/1984, 15/3/1984, 15-03-1984, 15.03.1984) or ISO, as ISO.

    Day first because this is the UK: 03/04/1984 is the 3rd of April, never March the 4th. A
    two-digit year is refused rather than given a century: for a date of birth "15/03/24" may be
    1924 or 2024, and a wrong guess passes every later check. Whether the date is in the past is
    left to the schema, as for the API.

    :raises ValueError: with a message for the person who wrote the file.
    """
    text = _TIME.sub("", text.strip())
    if iso := _ISO_DATE.fullmatch(text):
        year, month, day = iso.groups()
    elif uk := _UK_DATE.fullmatch(text):
        day, _, month, year = uk.groups()
        if len(year) == 2:
            raise ValueError("Write the year in full, as DD/MM/YYYY, like 15/03/1984")
        if len(year) != 4:
            raise ValueError(_WRITE_DATE)
    else:
        raise ValueError(_WRITE_DATE)
    try:
        return date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        raise ValueError(_WRITE_DATE) from None


def _code_keys(code_field: Code) -> dict[str, str]:
    """Every spelling of a code list's entries: the code, its label, and the label's short forms
    ("Male" for "Male (including trans man)", "British" for "White - British") where only one
    entry has that short form."""
    found: dict[str, str] = {}
    shorts: dict[str, set[str]] = {}
    for code, label in code_field.codelist.codes.items():
        found[key(code)] = code
        for short in (label.split(" (")[0], label.split(" - ", 1)[-1]):
            shorts.setdefault(key(short), set()).add(code)
    for code, label in code_field.codelist.codes.items():
        found.setdefault(key(label), code)
    for short, codes in shorts.items():
        if len(codes) == 1:
            found.setdefault(short, codes.pop())
    return found


#: field → {spelling key → code} for every coded column (gender identity, ethnic category…).
_CODE_KEYS = {name: _code_keys(f) for name, f in _FIELDS.items() if isinstance(f, Code)}


def normalise_row(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A row's values as the API spells them, and the problems found on the way, by field.

    Dates become ISO and code labels become codes. A label that is on no list is passed on
    unchanged, so the schema refuses it with its usual message naming the list.
    """
    values = dict(values)
    problems: dict[str, list[str]] = {}
    for name in DATE_FIELDS:
        if isinstance(values.get(name), str):
            try:
                values[name] = uk_date(values[name])
            except ValueError as error:
                problems[name] = [str(error)]
                values[name] = None
    for name, spellings in _CODE_KEYS.items():
        value = values.get(name)
        if isinstance(value, str):
            values[name] = spellings.get(key(value), value)
    return values, problems
