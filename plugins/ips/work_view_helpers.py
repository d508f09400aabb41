"""What the IPS work pages share: form input as service data, the specialist choice only a team
leader gets, and the one form template (404s and saving are in ``common``)."""

from __future__ import annotations

from typing import Any

from flask import g, render_template

from . import work_services as services
from .common import specialists


def form_data(form: Any, *, yes_no: tuple[str, ...] = ()) -> dict[str, Any]:
    """The form's fields as service input: empty strings are None, yes/no radios booleans."""
    data = {}
    for field in form:
        if field.name == "csrf_token":
            continue
        value = field.data
        if field.name in yes_no:
            value = value == "yes"
        elif value == "":
            value = None
        data[field.name] = value
    return data


def specialist_choices(form_field: Any) -> None:
    """Team leaders pick the specialist (default: themselves); others are always themselves."""
    own = g.membership.id
    people = [(str(m.id), m.user.display_name) for m in specialists()]
    if str(own) not in {value for value, _ in people}:
        people.insert(0, (str(own), g.membership.user.display_name))
    form_field.choices = people
    if not form_field.data:
        form_field.data = str(own)


def keep_specialist_field(form: Any) -> None:
    """Only a team leader may credit someone else: everybody else never sees the choice."""
    if services.is_team_leader():
        specialist_choices(form.specialist_id)
    else:
        del form.specialist_id


def render_form(
    form: Any,
    *,
    heading: str,
    button: str,
    back_url: str,
    back_text: str,
    caption: str | None = None,
    hints: dict[str, str] | None = None,
) -> str:
    names = [f.name for f in form if f.name != "csrf_token"]
    return render_template(
        "ips/work/form.html",
        form=form,
        fields=names,
        heading=heading,
        caption=caption,
        button=button,
        back_url=back_url,
        back_text=back_text,
        hints=hints or {},
        page_title=heading,
        form_has_errors=any(form[n].errors for n in names),
    )
