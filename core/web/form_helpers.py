"""Helpers shared by the web forms: NHS-pattern errors, schema validation, rendering.

Forms validate with the same marshmallow schemas as the API; these helpers put each problem on
its field (one message per field, NHS wording for empty required fields) so the error summary
lists everything at once and the person's input is kept.
"""

from __future__ import annotations

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
}


def apply_errors(form: FlaskForm, messages: dict[str, Any]) -> None:
    for name, problems in messages.items():
        if name not in form:
            continue
        field = form[name]
        if field.errors:  # one message per field: the first problem found
            continue
        text = problems if isinstance(problems, list) else [str(problems)]
        text = [REQUIRED.get(name, t) if "Missing data" in str(t) else str(t) for t in text]
        field.errors = text[:1]


def date_errors(form: FlaskForm) -> bool:
    found = False
    for field in form:
        if isinstance(field, NhsDateField) and field.process_errors:
            field.errors = list(field.process_errors)
            found = True
    return found


def render_form(template: str, form: FlaskForm, **context: Any):
    return render_template(
        template, form=form, form_has_errors=any(f.errors for f in form), **context
    )


class ConfirmForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", validators=[Optional()])
