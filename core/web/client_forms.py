"""Forms that change a client's record: add and edit, close and reopen, contacts and notes,
consent and sharing; plus the CSV and subject access downloads.

Each form validates with the same marshmallow schemas as the API (core.clients.schemas), so
the rules are the same everywhere; problems come back as the NHS error summary with the
person's input kept.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from core import audit
from core.accounts.models import Organisation
from core.accounts.permissions import requires
from core.api.etag import etag_for
from core.clients import codelists, export, services, sharing, timeline
from core.clients.access import is_partner_viewer
from core.clients.schemas import (
    PARTNER_FIELDS,
    ClientCloseSchema,
    ClientCreateSchema,
    ClientSchema,
    ClientUpdateSchema,
    ConsentInputSchema,
    ContactInputSchema,
    NoteInputSchema,
)
from core.clients.search import search_statement
from core.errors import Conflict, InvalidInput, NotFound
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint
from core.tenancy.scoping import tenant_uuid
from core.web.clients import load_client, staff_choices
from core.web.fields import NhsDateField

bp = tenant_ui_blueprint("client_forms", __name__, url_prefix="/clients")


def Select(label: str, **kwargs: Any) -> SelectField:
    """A select whose value the marshmallow schema checks (with a message naming the list)."""
    return SelectField(label, validate_choice=False, **kwargs)


def _choices(codelist: codelists.CodeList, blank: str = "Not recorded") -> list[tuple[str, str]]:
    return [("", blank), *codelist.choices()]


class ClientForm(FlaskForm):
    given_name = StringField("Given name")
    family_name = StringField("Family name")
    preferred_name = StringField("Preferred name (optional)")
    date_of_birth = NhsDateField("Date of birth")
    nhs_number = StringField("NHS number (optional)")
    local_id = StringField("Local ID (optional)")
    gender_identity = Select("Gender identity", choices=_choices(codelists.GENDER_IDENTITY))
    ethnic_category = Select("Ethnic category", choices=_choices(codelists.ETHNIC_CATEGORY))
    address_line_1 = StringField("Address line 1 (optional)")
    address_line_2 = StringField("Address line 2 (optional)")
    town = StringField("Town or city (optional)")
    postcode = StringField("Postcode (optional)")
    phone = StringField("Phone (optional)")
    email = StringField("Email (optional)")
    key_worker_membership_id = Select("Key worker", choices=[("", "None yet")])
    confirm_not_duplicate = BooleanField("I have checked: this is a different person")


def _form_data(form: FlaskForm, names: list[str]) -> dict[str, Any]:
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


def _posted(form: FlaskForm) -> bool:
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


def _apply_errors(form: FlaskForm, messages: dict[str, Any]) -> None:
    for name, problems in messages.items():
        if name not in form:
            continue
        field = form[name]
        if field.errors:  # one message per field: the first problem found
            continue
        text = problems if isinstance(problems, list) else [str(problems)]
        text = [REQUIRED.get(name, t) if "Missing data" in str(t) else str(t) for t in text]
        field.errors = text[:1]


def _date_errors(form: FlaskForm) -> bool:
    found = False
    for field in form:
        if isinstance(field, NhsDateField) and field.process_errors:
            field.errors = list(field.process_errors)
            found = True
    return found


def _render(template: str, form: FlaskForm, **context: Any):
    return render_template(
        template, form=form, form_has_errors=any(f.errors for f in form), **context
    )


CLIENT_FIELDS = [
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "nhs_number",
    "local_id",
    "gender_identity",
    "ethnic_category",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "phone",
    "email",
    "key_worker_membership_id",
]


@bp.route("/new", methods=["GET", "POST"])
@requires("clients.write")
def create():
    if is_partner_viewer():
        abort(403)
    form = ClientForm()
    form.key_worker_membership_id.choices = [("", "None yet"), *staff_choices()]
    duplicates: list = []
    if _posted(form):
        dates_bad = _date_errors(form)
        data = _form_data(form, CLIENT_FIELDS)
        data["confirm_not_duplicate"] = bool(form.confirm_not_duplicate.data)
        data = {k: v for k, v in data.items() if v is not None}
        try:
            loaded = ClientCreateSchema().load(data)
        except ValidationError as error:
            _apply_errors(form, error.normalized_messages())
            loaded = None
        if loaded is not None and not dates_bad:
            try:
                client = services.create_client(loaded)
                db.session.commit()
                flash(f"{client.given_name} {client.family_name} has been added.")
                return redirect(url_for("clients.record", client_id=client.id))
            except services.LikelyDuplicate as error:
                db.session.rollback()
                duplicates = error.duplicates
                form.confirm_not_duplicate.errors = [
                    "A client with this NHS number already exists"
                    if not error.can_confirm
                    else "A client with the same name and date of birth already exists. Check "
                    "the records below; if this is a different person, tick the box"
                ]
            except InvalidInput as error:
                db.session.rollback()
                _apply_errors(form, error.field_errors)
    if request.method == "POST" and not form.date_of_birth.data and not form.date_of_birth.errors:
        form.date_of_birth.errors = ["Enter a date of birth"]
    return _render(
        "clients/form_client.html",
        form,
        duplicates=duplicates,
        editing=None,
        page_title="Add a client",
        breadcrumbs=[{"text": "Clients", "href": url_for("clients.list")}],
    )


@bp.route("/<client_id>/edit", methods=["GET", "POST"])
@requires("clients.write")
def edit(client_id: str):
    if is_partner_viewer():
        abort(403)
    client = load_client(client_id)
    form = ClientForm(obj=client if request.method == "GET" else None)
    form.key_worker_membership_id.choices = [("", "None yet"), *staff_choices()]
    if request.method == "GET":
        form.key_worker_membership_id.data = str(client.key_worker_membership_id or "")
        form.gender_identity.data = client.gender_identity or ""
        form.ethnic_category.data = client.ethnic_category or ""
    version = request.form.get("version", type=int)
    if _posted(form):
        dates_bad = _date_errors(form)
        data = _form_data(form, CLIENT_FIELDS)
        try:
            loaded = ClientUpdateSchema().load(data)
        except ValidationError as error:
            _apply_errors(form, error.normalized_messages())
            loaded = None
        if version != client.version:
            flash(
                "Someone else changed this record while you were editing it. Check their "
                "changes below, then make yours again."
            )
            return redirect(url_for("client_forms.edit", client_id=client.id))
        if loaded is not None and not dates_bad:
            try:
                services.update_client(client, loaded)
                db.session.commit()
                flash("The record has been updated.")
                return redirect(url_for("clients.record", client_id=client.id))
            except InvalidInput as error:
                db.session.rollback()
                _apply_errors(form, error.field_errors)
    return _render(
        "clients/form_client.html",
        form,
        duplicates=[],
        editing=client,
        page_title=f"Change {client.given_name} {client.family_name}’s details",
        breadcrumbs=[
            {"text": "Clients", "href": url_for("clients.list")},
            {
                "text": f"{client.given_name} {client.family_name}",
                "href": url_for("clients.record", client_id=client.id),
            },
        ],
    )


class CloseForm(FlaskForm):
    reason = Select(
        "Why is the record being closed?",
        choices=_choices(codelists.CLOSURE_REASONS, "Choose a reason"),
    )


@bp.route("/<client_id>/close", methods=["GET", "POST"])
@requires("clients.write")
def close(client_id: str):
    client = load_client(client_id)
    form = CloseForm()
    if form.validate_on_submit():
        try:
            data = ClientCloseSchema().load({"reason": form.reason.data or None})
            services.close_client(client, data["reason"], None)
            db.session.commit()
            flash("The record has been closed. It can be reopened at any time.")
            return redirect(url_for("clients.record", client_id=client.id))
        except ValidationError:
            form.reason.errors = ["Choose why the record is being closed"]
        except Conflict as error:
            flash(error.detail)
            return redirect(url_for("clients.record", client_id=client.id))
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["reason"],
        heading=f"Close {client.given_name} {client.family_name}’s record",
        button="Close the record",
        page_title="Close the record",
    )


class ConfirmForm(FlaskForm):
    reason = TextAreaField("Reason (optional)", validators=[Optional()])


@bp.route("/<client_id>/reopen", methods=["GET", "POST"])
@requires("clients.write")
def reopen(client_id: str):
    client = load_client(client_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.reopen_client(client)
            db.session.commit()
            flash("The record has been reopened.")
        except Conflict as error:
            flash(error.detail)
        return redirect(url_for("clients.record", client_id=client.id))
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=[],
        heading=f"Reopen {client.given_name} {client.family_name}’s record",
        button="Reopen the record",
        page_title="Reopen the record",
    )


class ContactForm(FlaskForm):
    occurred_on = NhsDateField("Date of the contact")
    occurred_time = StringField("Time (optional)")
    method = Select("How did you contact them?", choices=codelists.CONTACT_METHODS.choices())
    duration_minutes = IntegerField("How long, in minutes (optional)", validators=[Optional()])
    summary = TextAreaField("Summary (optional)")


@bp.route("/<client_id>/contacts/new", methods=["GET", "POST"])
@requires("timeline.write")
def add_contact(client_id: str):
    client = load_client(client_id)
    form = ContactForm()
    if request.method == "GET":
        today = date.today()
        form.occurred_on.data = today
        form.occurred_on.parts.day, form.occurred_on.parts.month, form.occurred_on.parts.year = (
            str(today.day),
            str(today.month),
            str(today.year),
        )
    if _posted(form) and not _date_errors(form):
        if not isinstance(form.occurred_on.data, date):  # None, or unset when no parts sent
            form.occurred_on.errors = ["Enter the date of the contact"]
        else:
            hour, minute = 12, 0
            raw_time = (form.occurred_time.data or "").strip().lower().replace(".", ":")
            if raw_time:
                try:
                    parsed = datetime.strptime(raw_time, "%H:%M")
                    hour, minute = parsed.hour, parsed.minute
                except ValueError:
                    form.occurred_time.errors = ["Enter a time like 14:30"]
            if not form.occurred_time.errors:
                from zoneinfo import ZoneInfo

                when = (
                    datetime.combine(form.occurred_on.data, datetime.min.time())
                    .replace(hour=hour, minute=minute, tzinfo=ZoneInfo("Europe/London"))
                    .astimezone(UTC)
                )
                payload = {
                    "occurred_at": when.isoformat(),
                    "method": form.method.data,
                    "duration_minutes": form.duration_minutes.data,
                    "summary": (form.summary.data or "").strip() or None,
                }
                try:
                    data = ContactInputSchema().load(payload)
                    timeline.record_contact(client, data)
                    db.session.commit()
                    flash("The contact has been recorded.")
                    return redirect(url_for("clients.record", client_id=client.id))
                except ValidationError as error:
                    messages = error.normalized_messages()
                    if "occurred_at" in messages:
                        form.occurred_on.errors = ["The contact cannot be in the future"]
                    _apply_errors(form, messages)
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["occurred_on", "occurred_time", "method", "duration_minutes", "summary"],
        heading="Record a contact",
        button="Save contact",
        page_title="Record a contact",
    )


class NoteForm(FlaskForm):
    text = TextAreaField("Note")


@bp.route("/<client_id>/notes/new", methods=["GET", "POST"])
@requires("timeline.write")
def add_note(client_id: str):
    client = load_client(client_id)
    if is_partner_viewer():
        abort(403)
    corrects = tenant_uuid(request.args.get("corrects")) if request.args.get("corrects") else None
    form = NoteForm()
    if form.validate_on_submit():
        try:
            data = NoteInputSchema().load(
                {
                    "text": (form.text.data or "").strip(),
                    "corrects_note_id": str(corrects) if corrects else None,
                }
            )
            timeline.write_note(client, data["text"], data.get("corrects_note_id"))
            db.session.commit()
            flash("The correction has been saved." if corrects else "The note has been saved.")
            return redirect(url_for("clients.record", client_id=client.id))
        except ValidationError as error:
            messages = error.normalized_messages()
            if "text" in messages:
                form.text.errors = ["Write the note"]
            _apply_errors(form, {k: v for k, v in messages.items() if k != "text"})
        except InvalidInput as error:
            db.session.rollback()
            flash(" ".join(m for msgs in error.field_errors.values() for m in msgs))
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["text"],
        heading="Correct a note" if corrects else "Write a note",
        hint="Notes cannot be changed once saved. To correct one, write a correction: "
        "the original stays on the record, marked as corrected.",
        button="Save note",
        page_title="Write a note",
    )


class ConsentForm(FlaskForm):
    purpose = Select(
        "What has the client agreed to?",
        choices=_choices(codelists.CONSENT_PURPOSES, "Choose a purpose"),
    )
    given_on = NhsDateField("When did they agree?")
    method = Select(
        "How was it recorded?", choices=_choices(codelists.CONSENT_METHODS, "Choose how")
    )
    notes = TextAreaField("Notes (optional)")


@bp.route("/<client_id>/consents/new", methods=["GET", "POST"])
@requires("consent.write")
def give_consent(client_id: str):
    if is_partner_viewer():
        abort(403)
    client = load_client(client_id)
    form = ConsentForm()
    if _posted(form) and not _date_errors(form):
        payload = {
            "purpose": form.purpose.data or None,
            "method": form.method.data or None,
            "given_on": form.given_on.data.isoformat() if form.given_on.data else None,
            "notes": (form.notes.data or "").strip() or None,
        }
        try:
            data = ConsentInputSchema().load({k: v for k, v in payload.items() if v is not None})
            sharing.give_consent(client, data)
            db.session.commit()
            flash("Consent has been recorded.")
            return redirect(url_for("clients.record", client_id=client.id))
        except ValidationError as error:
            messages = error.normalized_messages()
            friendly = {
                "purpose": "Choose what the client has agreed to",
                "method": "Choose how consent was recorded",
                "given_on": "Enter the date they agreed",
            }
            for name, problems in messages.items():
                missing = any("Missing data" in p for p in problems)
                form[name].errors = [friendly[name]] if missing and name in friendly else problems
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["purpose", "given_on", "method", "notes"],
        heading="Record consent",
        button="Save consent",
        page_title="Record consent",
    )


@bp.route("/<client_id>/consents/<consent_id>/withdraw", methods=["GET", "POST"])
@requires("consent.write")
def withdraw_consent(client_id: str, consent_id: str):
    if is_partner_viewer():
        abort(403)
    client = load_client(client_id)
    try:
        consent = sharing.find_consent(client, tenant_uuid(consent_id))
    except NotFound:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sharing.withdraw_consent(consent, (form.reason.data or "").strip() or None)
            db.session.commit()
            flash("Consent has been withdrawn. Sharing under it has stopped.")
        except Conflict as error:
            flash(error.detail)
        return redirect(url_for("clients.record", client_id=client.id))
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["reason"],
        heading="Withdraw consent",
        hint=f"Consent for {codelists.CONSENT_PURPOSES.label(consent.purpose).lower()}"
        ". Partner organisations sharing under it lose access at once. The consent "
        "stays on the record as history.",
        button="Withdraw consent",
        warning=True,
        page_title="Withdraw consent",
    )


class ShareForm(FlaskForm):
    organisation_id = Select("Partner organisation", choices=[])
    consent_id = Select("Under which consent?", choices=[])
    expires_on = NhsDateField("Share until (optional)")


@bp.route("/<client_id>/shares/new", methods=["GET", "POST"])
@requires("shares.write")
def share(client_id: str):
    if is_partner_viewer():
        abort(403)
    client = load_client(client_id)
    form = ShareForm()
    partners = (
        db.session.execute(
            sa.select(Organisation)
            .where(Organisation.partner.is_(True), Organisation.active.is_(True))
            .order_by(Organisation.name)
        )
        .scalars()
        .all()
    )
    live = [c for c in sharing.consents_of(client) if c.withdrawn_at is None]
    form.organisation_id.choices = [("", "Choose an organisation")] + [
        (str(o.id), o.name) for o in partners
    ]
    form.consent_id.choices = [("", "Choose a consent")] + [
        (str(c.id), f"{codelists.CONSENT_PURPOSES.label(c.purpose)} (given {c.given_on:%d/%m/%Y})")
        for c in live
    ]
    if _posted(form) and not _date_errors(form):
        errors = {}
        if not form.organisation_id.data:
            errors["organisation_id"] = ["Choose the organisation to share with"]
        if not form.consent_id.data:
            errors["consent_id"] = ["Choose the consent this share relies on"]
        if not errors:
            expires = None
            if form.expires_on.data:
                expires = datetime.combine(form.expires_on.data, datetime.max.time(), tzinfo=UTC)
            try:
                sharing.share_with(
                    client,
                    tenant_uuid(form.organisation_id.data),
                    tenant_uuid(form.consent_id.data),
                    expires,
                )
                db.session.commit()
                flash("The record is now shared. Staff of that organisation can see it.")
                return redirect(url_for("clients.record", client_id=client.id))
            except InvalidInput as error:
                db.session.rollback()
                errors = error.field_errors
                if "expires_at" in errors:
                    errors["expires_on"] = errors.pop("expires_at")
            except Conflict as error:
                db.session.rollback()
                errors = {"organisation_id": [error.detail]}
        _apply_errors(form, errors)
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["organisation_id", "consent_id", "expires_on"],
        heading="Share with a partner organisation",
        hint=None if live else "Record the client's consent first: a share needs it.",
        button="Share",
        page_title="Share the record",
    )


@bp.route("/<client_id>/shares/<share_id>/end", methods=["GET", "POST"])
@requires("shares.write")
def end_share(client_id: str, share_id: str):
    if is_partner_viewer():
        abort(403)
    client = load_client(client_id)
    try:
        share_row = sharing.find_share(client, tenant_uuid(share_id))
    except NotFound:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            sharing.end_share(share_row, (form.reason.data or "").strip() or None)
            db.session.commit()
            flash("Sharing has stopped. That organisation can no longer see the record.")
        except Conflict as error:
            flash(error.detail)
        return redirect(url_for("clients.record", client_id=client.id))
    return _render(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["reason"],
        heading="Stop sharing",
        button="Stop sharing",
        warning=True,
        page_title="Stop sharing",
    )


@bp.route("/export.csv")
@requires("clients.export")
def export_csv():
    from core.clients.schemas import ClientListQuerySchema

    filters = ClientListQuerySchema().load(
        {k: v for k, v in request.args.items() if k in ("q", "status") and v}
    )
    fields = PARTNER_FIELDS if is_partner_viewer() else tuple(ClientSchema().fields)
    audit.record(
        "client.export", object_type="client", details={k: str(v) for k, v in filters.items()}
    )
    db.session.commit()
    rows = export.stream_clients(search_statement(**filters), fields)
    return Response(
        stream_with_context(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{g.tenant.slug}-clients.csv"'},
    )


@bp.route("/<client_id>/subject-access.json")
@requires("clients.subject_access")
def subject_access(client_id: str):
    client = load_client(client_id)
    audit.record("client.subject_access_export", object_type="client", object_id=client.id)
    body = json.dumps(export.subject_access(client), indent=2, default=str)
    db.session.commit()
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{client.id}.json"'},
    )


_ = etag_for  # the API's optimistic locking; the web form uses the version field instead
