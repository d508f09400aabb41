"""Forms that change a client's record: add and edit, close and reopen, contacts and notes,
consent and sharing; plus the CSV and subject access downloads.

Each form validates with the same marshmallow schemas as the API (core.clients.schemas), so
the rules are the same everywhere; problems come back as the NHS error summary with the
person's input kept.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    request,
    stream_with_context,
    url_for,
)
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import BooleanField, StringField

from core import access_limits, audit
from core.accounts.permissions import requires
from core.clients import codelists, export, nhs_number, services
from core.clients.access import is_partner_viewer
from core.clients.schemas import (
    PARTNER_FIELDS,
    ClientCloseSchema,
    ClientCreateSchema,
    ClientSchema,
    ClientUpdateSchema,
)
from core.clients.search import search_statement
from core.errors import Conflict, InvalidInput
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint
from core.web.clients import SearchForm, list_filters, load_client, staff_choices
from core.web.fields import NhsDateField
from core.web.filters import uk_date
from core.web.form_helpers import (
    ConfirmForm,
    Select,
    apply_errors,
    choices,
    date_errors,
    form_data,
    posted,
    render_form,
    short_label,
)

bp = tenant_ui_blueprint("client_forms", __name__, url_prefix="/clients")


class ClientForm(FlaskForm):
    given_name = StringField("Given name")
    family_name = StringField("Family name")
    preferred_name = StringField("Preferred name (optional)")
    date_of_birth = NhsDateField("Date of birth")
    nhs_number = StringField("NHS number (optional)")
    local_id = StringField("Local ID (optional)")
    gender_identity = Select("Gender identity", choices=choices(codelists.GENDER_IDENTITY))
    ethnic_category = Select("Ethnic category", choices=choices(codelists.ETHNIC_CATEGORY))
    address_line_1 = StringField("Address line 1 (optional)")
    address_line_2 = StringField("Address line 2 (optional)")
    town = StringField("Town or city (optional)")
    postcode = StringField("Postcode (optional)")
    phone = StringField("Phone (optional)")
    email = StringField("Email (optional)")
    key_worker_membership_id = Select("Key worker", choices=[("", "None yet")])
    confirm_not_duplicate = BooleanField("I have checked: this is a different person")


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
    if posted(form):
        dates_bad = date_errors(form)
        data = form_data(form, CLIENT_FIELDS)
        data["confirm_not_duplicate"] = bool(form.confirm_not_duplicate.data)
        data = {k: v for k, v in data.items() if v is not None}
        try:
            loaded = ClientCreateSchema().load(data)
        except ValidationError as error:
            apply_errors(form, error.normalized_messages())
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
                if error.can_confirm:
                    form.confirm_not_duplicate.errors = [
                        "A client with the same name and date of birth already exists. Check "
                        "the records below; if this is a different person, tick the box"
                    ]
                else:  # the same NHS number: no tick box can help, the number is the problem
                    form.nhs_number.errors = ["A client with this NHS number already exists"]
            except InvalidInput as error:
                db.session.rollback()
                apply_errors(form, error.field_errors)
    if request.method == "POST" and not form.date_of_birth.data and not form.date_of_birth.errors:
        form.date_of_birth.errors = ["Enter a date of birth"]
    return render_form(
        "clients/form_client.html",
        form,
        duplicates=duplicates,
        can_confirm=bool(form.confirm_not_duplicate.errors),
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
    changed_since: list[tuple[str, str]] | None = None
    if posted(form):
        dates_bad = date_errors(form)
        data = form_data(form, CLIENT_FIELDS)
        try:
            loaded = ClientUpdateSchema().load(data)
        except ValidationError as error:
            apply_errors(form, error.normalized_messages())
            loaded = None
        if version != client.version:
            # A colleague saved first. Keep what this person typed, show what the record says
            # now, and take the current version so that saving again, once checked, works.
            changed_since = _record_now(client, form)
            loaded = None
        if loaded is not None and not dates_bad:
            try:
                services.update_client(client, loaded)
                db.session.commit()
                flash("The record has been updated.")
                return redirect(url_for("clients.record", client_id=client.id))
            except InvalidInput as error:
                db.session.rollback()
                apply_errors(form, error.field_errors)
    response = render_form(
        "clients/form_client.html",
        form,
        duplicates=[],
        editing=client,
        changed_since=changed_since,
        form_has_errors=changed_since is not None,
        page_title=f"Change {client.given_name} {client.family_name}’s details",
        breadcrumbs=[
            {"text": "Clients", "href": url_for("clients.list")},
            {
                "text": f"{client.given_name} {client.family_name}",
                "href": url_for("clients.record", client_id=client.id),
            },
        ],
    )
    return (response, 409) if changed_since is not None else response


def _shown(client: Any, name: str) -> str:
    """A record's field as the record page shows it."""
    value = getattr(client, name)
    if value is None or value == "":
        return "Not recorded"
    if name == "date_of_birth":
        return uk_date(value)
    if name == "nhs_number":
        return nhs_number.display(value)
    if name == "gender_identity":
        return codelists.GENDER_IDENTITY.label(value) or value
    if name == "ethnic_category":
        return codelists.ETHNIC_CATEGORY.label(value) or value
    if name == "key_worker_membership_id":
        return dict(staff_choices()).get(str(value), "A former member of staff")
    return str(value)


def _record_now(client: Any, form: ClientForm) -> list[tuple[str, str]]:
    """(label, value now on the record) of each field where the form differs from the record,
    compared loosely (spaces and case) so a retyped postcode is not a difference."""

    def loose(value: Any) -> str:
        text = value.isoformat() if isinstance(value, date) else str(value or "")
        return "".join(text.split()).replace("-", "").upper()

    return [
        (short_label(form[name]), _shown(client, name))
        for name in CLIENT_FIELDS
        if loose(form[name].data) != loose(getattr(client, name))
    ]


class CloseForm(FlaskForm):
    reason = Select(
        "Why is the record being closed?",
        choices=choices(codelists.CLOSURE_REASONS, "Choose a reason"),
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
    return render_form(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["reason"],
        heading=f"Close {client.given_name} {client.family_name}’s record",
        button="Close the record",
        page_title="Close the record",
    )


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
    return render_form(
        "clients/form_simple.html",
        form,
        client=client,
        fields=[],
        heading=f"Reopen {client.given_name} {client.family_name}’s record",
        button="Reopen the record",
        page_title="Reopen the record",
    )


@bp.route("/export.csv")
@requires("clients.export")
def export_csv():
    # The filters of the list page it is linked from, read the same way: the rows on screen.
    partner = is_partner_viewer()
    filters = list_filters(SearchForm(request.args), partner)
    fields = PARTNER_FIELDS if partner else tuple(ClientSchema().fields)
    access_limits.check("export")
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
    access_limits.check("export")
    client = load_client(client_id)
    audit.record("client.subject_access_export", object_type="client", object_id=client.id)
    body = json.dumps(export.subject_access(client), indent=2, default=str)
    db.session.commit()
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="subject-access-{client.id}.json"'},
    )


# The record's own forms (contacts, notes, consent, sharing) share this blueprint.
from core.web import record_forms  # noqa: E402, F401
