"""Pages for subject access requests: record one from the client record, see what is due,
extend one, record the answer. The forms validate with the API's schemas
(core.clients.access_requests_api), so the rules are the same everywhere."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from marshmallow import Schema, ValidationError
from wtforms import TextAreaField

from core import audit
from core.accounts.permissions import requires
from core.clients import access_requests
from core.clients.access_requests_api import AnswerSchema, ExtendSchema, RequestInputSchema
from core.clients.api import parse_id
from core.errors import Conflict, InvalidInput
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint
from core.web.clients import load_client
from core.web.fields import NhsDateField
from core.web.form_helpers import apply_errors, date_errors, form_data, posted, render_form

bp = tenant_ui_blueprint("subject_access", __name__)

PERMISSION = "clients.subject_access"
STATUSES = {"open": "Open", "overdue": "Overdue", "answered": "Answered", "all": "All"}

EMPTY = {
    "received_on": "Enter the date the request was received",
    "reason": "Enter why the request is complex",
    "completed_on": "Enter the date the answer was sent",
}


class RecordForm(FlaskForm):
    received_on = NhsDateField("Date the request was received")
    details = TextAreaField("How it came and from whom (optional)")


class ExtendForm(FlaskForm):
    reason = TextAreaField("Why is the request complex?")


class AnswerForm(FlaskForm):
    completed_on = NhsDateField("Date the answer was sent")


def _load_request(request_id: str) -> Any:
    found = access_requests.find(parse_id(request_id))
    if found is None:
        abort(404)
    return found


def _validate(form: FlaskForm, schema: Schema, names: list[str]) -> dict[str, Any] | None:
    """The loaded data, or None with the form's errors set (NHS wording for empty fields)."""
    date_errors(form)
    data = {k: v for k, v in form_data(form, names).items() if v is not None}
    try:
        loaded = schema.load(data)
    except ValidationError as error:
        apply_errors(form, dict(error.messages), empty=EMPTY)
        return None
    return None if any(f.errors for f in form) else loaded


@bp.route("/clients/<client_id>/subject-access", methods=["GET", "POST"])
@requires(PERMISSION)
def client_requests(client_id: str):
    client = load_client(client_id)
    form = RecordForm()
    if posted(form):
        loaded = _validate(form, RequestInputSchema(), ["received_on", "details"])
        if loaded is not None:
            try:
                made = access_requests.record(client, **loaded)
                db.session.commit()
                flash(
                    f"The request has been recorded. The answer is due by {made.due_on:%-d %B %Y}."
                )
                return redirect(url_for("subject_access.client_requests", client_id=client.id))
            except InvalidInput as error:
                apply_errors(form, dict(error.field_errors), empty=EMPTY)
    audit.record("client.subject_access_requests.read", object_type="client", object_id=client.id)
    return render_form(
        "clients/subject_access.html",
        form,
        client=client,
        requests=access_requests.requests_of(client),
        status_of=access_requests.status_of,
        current_due=access_requests.current_due,
        today=date.today,
        page_title="Subject access requests",
        breadcrumbs=[
            {"text": "Clients", "href": url_for("clients.list")},
            {"text": client.full_name, "href": url_for("clients.record", client_id=client.id)},
        ],
    )


@bp.route("/subject-access-requests")
@requires(PERMISSION)
def listing():
    status = request.args.get("status", "open")
    if status not in STATUSES:
        status = "open"
    found = list(
        db.session.execute(
            access_requests.listing(None if status == "all" else status).limit(500)
        ).scalars()
    )
    audit.record("client.subject_access_requests.list", details={"status": status})
    return render_form(
        "clients/subject_access_list.html",
        FlaskForm(),
        requests=found,
        status=status,
        statuses=STATUSES,
        status_of=access_requests.status_of,
        current_due=access_requests.current_due,
        today=date.today,
        page_title="Subject access requests",
    )


def _detail(found: Any, extend_form: ExtendForm, answer_form: AnswerForm):
    return render_form(
        "clients/subject_access_request.html",
        extend_form,
        answer_form=answer_form,
        extend_form=extend_form,
        form_has_errors=any(f.errors for f in answer_form),
        item=found,
        status=access_requests.status_of(found),
        due=access_requests.current_due(found),
        extended_due=access_requests.extended_due(found),
        today=date.today,
        page_title="Subject access request",
        breadcrumbs=[
            {"text": "Subject access requests", "href": url_for("subject_access.listing")},
            {
                "text": found.client.full_name,
                "href": url_for("subject_access.client_requests", client_id=found.client_id),
            },
        ],
    )


@bp.route("/subject-access-requests/<request_id>")
@requires(PERMISSION)
def detail(request_id: str):
    found = _load_request(request_id)
    audit.record(
        "client.subject_access_requests.read",
        object_type="client",
        object_id=found.client_id,
        details={"request_id": str(found.id)},
    )
    return _detail(found, ExtendForm(formdata=None), AnswerForm(formdata=None))


@bp.route("/subject-access-requests/<request_id>/extend", methods=["POST"])
@requires(PERMISSION)
def extend(request_id: str):
    found = _load_request(request_id)
    form = ExtendForm()
    if posted(form):
        loaded = _validate(form, ExtendSchema(), ["reason"])
        if loaded is not None:
            try:
                access_requests.extend(found, **loaded)
                db.session.commit()
                flash(f"Extended: the answer is now due by {found.extended_due_on:%-d %B %Y}.")
                return redirect(url_for("subject_access.detail", request_id=found.id))
            except Conflict as error:
                form.reason.errors = [error.detail]
    return _detail(found, form, AnswerForm(formdata=None))


@bp.route("/subject-access-requests/<request_id>/answer", methods=["POST"])
@requires(PERMISSION)
def answer(request_id: str):
    found = _load_request(request_id)
    form = AnswerForm()
    if posted(form):
        loaded = _validate(form, AnswerSchema(), ["completed_on"])
        if loaded is not None and "completed_on" not in loaded:
            form.completed_on.errors = [EMPTY["completed_on"]]
        elif loaded is not None:
            try:
                access_requests.complete(found, **loaded)
                db.session.commit()
                flash("The answer has been recorded.")
                return redirect(url_for("subject_access.detail", request_id=found.id))
            except InvalidInput as error:
                apply_errors(form, dict(error.field_errors), empty=EMPTY)
            except Conflict as error:
                form.completed_on.errors = [error.detail]
    return _detail(found, ExtendForm(formdata=None), form)
