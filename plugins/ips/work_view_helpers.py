"""What the IPS work pages share: 404 for what the viewer may not see, saving a form with the
services' rule breaks shown inline, and the one form template."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g, render_template
from werkzeug.exceptions import NotFound

from core.plugins.api import db

from . import work_services as services


def or_404(find: Callable[..., Any], *args: Any) -> Any:
    """``find(*args)``, with the slice's not-found turned into a plain 404 page."""
    try:
        return find(*args)
    except services.WorkNotFound:
        raise NotFound() from None


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


def save(form: Any, action: Callable[[], Any]) -> bool:
    """Run ``action`` and commit; rule breaks become inline errors (nothing half-written)."""
    try:
        action()
    except services.WorkInvalid as error:
        db.session.rollback()
        first = next((f.name for f in form if f.name != "csrf_token"), None)
        for name, message in error.field_errors.items():
            target = name if name in form else first
            if target:
                form[target].errors = [*form[target].errors, message]
        return False
    db.session.commit()
    return True


def specialist_choices(form_field: Any) -> None:
    """Team leaders pick the specialist (default: themselves); others are always themselves."""
    own = g.membership.id
    people = [(str(m.id), m.user.display_name) for m in services.specialists()]
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
