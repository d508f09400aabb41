"""The audit log viewer (``/<tenant>/admin/audit``): filters, newest first, pages of 50.

Reading the audit log is itself audited (``audit.read``, with the filters used).
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask import request, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from core import audit
from core.accounts.models import Membership
from core.accounts.permissions import requires
from core.audit import service
from core.extensions import db
from core.web.admin import bp, page
from core.web.fields import NhsDateField
from core.web.filters import LONDON

PAGE_SIZE = 50
DETAILS_LIMIT = 300


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _at_most_80(label: str) -> Length:
    return Length(max=80, message=f"{label} must be 80 characters or fewer")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField("Action", filters=[_strip], validators=[Optional(), _at_most_80("Action")])
    person = SelectField("Who", choices=[("", "Anyone")], default="")
    object_type = StringField(
        "Object type", filters=[_strip], validators=[Optional(), _at_most_80("Object type")]
    )
    object_id = StringField(
        "Object ID", filters=[_strip], validators=[Optional(), _at_most_80("Object ID")]
    )
    since = NhsDateField("From")
    until = NhsDateField("To")


def _people() -> dict[str, str]:
    """User id → "Name (email)" for everyone with a membership here, active or not."""
    rows = db.session.execute(sa.select(Membership)).unique().scalars()
    return {str(m.user_id): f"{m.user.display_name} ({m.user.email})" for m in rows}


def _start_of(day: date) -> datetime:
    """Midnight at the start of ``day`` in UK time (the log stores UTC)."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


def compact(details: dict[str, Any] | None) -> str:
    """``key: value; key: value``, shortened: enough to scan, the API has the full event."""
    if not details:
        return ""
    parts = [
        f"{key}: {value if isinstance(value, str) else json.dumps(value, default=str)}"
        for key, value in sorted(details.items())
    ]
    text = "; ".join(parts)
    return text if len(text) <= DETAILS_LIMIT else text[: DETAILS_LIMIT - 1] + "…"


def _filters(form: AuditFilterForm, people: dict[str, str]) -> dict[str, Any] | None:
    """The service's filters from a valid form; None when the form has problems to show."""
    form.validate()
    for field in (form.since, form.until):
        if field.process_errors:
            field.errors = list(field.process_errors)
    since = form.since.data if isinstance(form.since.data, date) else None
    until = form.until.data if isinstance(form.until.data, date) else None
    if since and until and until < since:
        form.until.errors = ["The ‘to’ date must be the same as or after the ‘from’ date"]
    if form.person.data and form.person.data not in people:
        form.person.errors = ["Choose a person from the list"]
    if any(f.errors for f in form):
        return None
    filters: dict[str, Any] = {
        "action": form.action.data or None,
        "actor_user_id": form.person.data or None,
        "object_type": form.object_type.data or None,
        "object_id": form.object_id.data or None,
        "since": _start_of(since) if since else None,
        # To the last day a date box can hold (31 12 9999) means no end at all.
        "until": _start_of(until + timedelta(days=1)) if until and until < date.max else None,
    }
    return {k: v for k, v in filters.items() if v is not None}


@bp.route("/audit", endpoint="audit")
@requires("audit.read")
def audit_log():
    people = _people()
    form = AuditFilterForm(request.args)
    form.person.choices = [("", "Anyone"), *sorted(people.items(), key=lambda c: c[1].lower())]
    filters = _filters(form, people)
    events: list = []
    total, pages, number = 0, 1, 1
    if filters is not None:
        query = dict(filters)
        if "actor_user_id" in query:
            query["actor_user_id"] = uuid.UUID(query["actor_user_id"])
        stmt = service.query(**query)
        total = db.session.execute(
            sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
        ).scalar_one()
        pages = max(1, math.ceil(total / PAGE_SIZE))
        number = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
        events = list(
            db.session.execute(stmt.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).scalars()
        )
        audit.record(
            "audit.read",
            object_type="audit_event",
            details={"filters": {k: str(v) for k, v in filters.items()}, "page": number},
        )
    args = {k: v for k, v in request.args.items() if k != "page"}
    return page(
        "admin/audit.html",
        "admin.audit",
        form=form,
        events=events,
        people=people,
        compact=compact,
        total=total,
        page=number,
        pages=pages,
        page_url=lambda p: url_for("admin.audit", **args, page=p),
        filtered=bool(filters),
        form_has_errors=filters is None,
        page_title="Audit log",
    )
