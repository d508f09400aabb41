"""Helpers shared by the web forms: NHS-pattern errors, schema validation, rendering.

Forms validate with the same marshmallow schemas as the API; these helpers put each problem on
its field (one message per field, NHS wording for empty required fields) so the error summary
lists everything at once and the person's input is kept.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import render_template, request
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import Optional

from core.clients import codelists
from core.web.fields import NhsDateField


def Select(label: str, **kwargs: Any) -> SelectField:
    """A select whose value the marshmallow schema checks (with a message naming the list)."""
    return SelectField(label, validate_choice=False, **kwargs)


def choices(codelist: codelists.CodeList, blank: str = "Not recorded") -> list[tuple[str, str]]:
    return [("", blank), *codelist.choices()]


def form_data(form: FlaskForm, names: list[str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in names:
        field = form[name]
        value = field.data
        if isinstance(value, date):
            value = value.isoformat()
        if isinstance(value, str):
            value = value.strip() or None
        data[name] = value
    return data


def posted(form: FlaskForm) -> bool:
    """A POST whose CSRF token is good. Field problems are collected afterwards, all together,
    so the error summary lists everything at once (date boxes, schema rules, duplicates)."""
    if request.method != "POST":
        return False
    form.validate()
    return "csrf_token" not in form.errors


#: What to say when a required field is empty (the NHS pattern: "Enter …", "Choose …").
REQUIRED = {
    "given_name": "Enter the client's given name",
    "family_name": "Enter the client's family name",
    "date_of_birth": "Enter a date of birth",
    "reason": "Choose a reason",
    "method": "Choose how you contacted them",
}

#: marshmallow's own wording (for API callers) and what a person reads instead on a page.
_EMPTY = ("Missing data for required field.", "Field may not be null.")
_TOO_LONG = re.compile(
    r"^(?:Length must be between \d+ and (\d+)|Longer than maximum length (\d+))\.$"
)
EMAIL = "Enter an email address in the correct format, like name@example.com"


def short_label(field: Any) -> str:
    """A field's label without "(optional)", to start a sentence about it."""
    return field.label.text.replace(" (optional)", "")


def plain_words(field: Any, message: str, empty: dict[str, str] | None = None) -> str:
    """One schema message in the NHS style: "Enter …", "… must be 100 characters or fewer".

    ``empty`` is the form's own wording for a field left empty (or, for radios and selects, a
    value not on the list), over the shared :data:`REQUIRED`."""
    own = (empty or {}).get(field.name)
    if own and (message in _EMPTY or message.startswith("Must be one of")):
        return own
    if message in _EMPTY:
        return REQUIRED.get(field.name, f"Enter {short_label(field).lower()}")
    if message == "Not a valid email address.":
        return EMAIL
    if message == "Not a valid UUID.":
        return f"Choose a {short_label(field).lower()} from the list"
    too_long = _TOO_LONG.match(message)
    if too_long:
        limit = int(too_long.group(1) or too_long.group(2))
        return f"{short_label(field)} must be {limit:,} characters or fewer"
    return message


def apply_errors(
    form: FlaskForm, messages: dict[str, Any], empty: dict[str, str] | None = None
) -> None:
    for name, problems in messages.items():
        if name not in form:
            continue
        field = form[name]
        if field.errors:  # one message per field: the first problem found
            continue
        text = problems if isinstance(problems, list) else [str(problems)]
        field.errors = [plain_words(field, str(t), empty) for t in text[:1]]


def date_errors(form: FlaskForm) -> bool:
    found = False
    for field in form:
        if isinstance(field, NhsDateField) and field.process_errors:
            field.errors = list(field.process_errors)
            found = True
    return found


def render_form(template: str, form: FlaskForm, **context: Any):
    """Render a form page; ``form_has_errors=True`` marks a problem that is on no field."""
    has_errors = bool(context.pop("form_has_errors", False)) or any(f.errors for f in form)
    return render_template(template, form=form, form_has_errors=has_errors, **context)


class ConfirmForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", validators=[Optional()])
