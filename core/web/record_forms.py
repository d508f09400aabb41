"""Forms on a client's record: record a contact, write or correct a note, record or withdraw
consent, share with a partner organisation or stop sharing. Same blueprint as
``core.web.client_forms`` (endpoints ``client_forms.*``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import Optional

from core.accounts.models import Organisation
from core.accounts.permissions import requires
from core.clients import codelists, sharing, timeline
from core.clients.access import is_partner_viewer
from core.clients.models import Note
from core.clients.schemas import ConsentInputSchema, ContactInputSchema, NoteInputSchema
from core.errors import Conflict, InvalidInput, NotFound
from core.extensions import db
from core.tenancy.scoping import tenant_uuid
from core.web.client_forms import bp
from core.web.clients import load_client
from core.web.fields import NhsDateField
from core.web.filters import LONDON, uk_date, uk_datetime
from core.web.form_helpers import (
    ConfirmForm,
    Select,
    apply_errors,
    choices,
    date_errors,
    posted,
    render_form,
)

MAX_MINUTES = 24 * 60  # as ContactInputSchema allows


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
    if posted(form):
        date_errors(form)
        _check_duration(form.duration_minutes)
        when = _occurred_at(form)
        if when is not None and not any(f.errors for f in form):
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
                apply_errors(form, messages)
    return render_form(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["occurred_on", "occurred_time", "method", "duration_minutes", "summary"],
        heading="Record a contact",
        button="Save contact",
        page_title="Record a contact",
    )


def _check_duration(field: IntegerField) -> None:
    """Refuse, rather than drop, a duration that is not a whole number of minutes in a day."""
    if field.errors:  # typed, but not a whole number ("20 mins")
        field.errors = ["Enter how long the contact took in minutes, like 30"]
    elif field.data is not None and not 0 <= field.data <= MAX_MINUTES:
        field.errors = [f"Enter how long the contact took, from 0 to {MAX_MINUTES} minutes"]


def _occurred_at(form: ContactForm) -> datetime | None:
    """When the contact happened, in UTC, from the date and optional time boxes; None (with
    the problem on its field) when they do not say. No time: now for a contact today (it
    cannot be in the future), midday for another day."""
    if form.occurred_on.errors:
        return None
    if not isinstance(form.occurred_on.data, date):  # None, or unset when no parts sent
        form.occurred_on.errors = ["Enter the date of the contact"]
        return None
    local_now = datetime.now(LONDON)
    if form.occurred_on.data == local_now.date():
        hour, minute = local_now.hour, local_now.minute
    else:
        hour, minute = 12, 0
    raw_time = (form.occurred_time.data or "").strip().lower().replace(".", ":")
    if raw_time:
        try:
            parsed = datetime.strptime(raw_time, "%H:%M")
            hour, minute = parsed.hour, parsed.minute
        except ValueError:
            form.occurred_time.errors = ["Enter a time like 14:30"]
            return None
    return (
        datetime.combine(form.occurred_on.data, datetime.min.time())
        .replace(hour=hour, minute=minute, tzinfo=LONDON)
        .astimezone(UTC)
    )


class NoteForm(FlaskForm):
    text = TextAreaField("Note")


@bp.route("/<client_id>/notes/new", methods=["GET", "POST"])
@requires("timeline.write")
def add_note(client_id: str):
    client = load_client(client_id)
    if is_partner_viewer():
        abort(403)
    original = _note_to_correct(client, request.args.get("corrects"))
    corrects = original.id if original is not None else None
    form = NoteForm()
    if form.validate_on_submit():
        text = (form.text.data or "").strip()
        try:
            data = NoteInputSchema().load(
                {"text": text, "corrects_note_id": str(corrects) if corrects else None}
            )
            timeline.write_note(client, data["text"], data.get("corrects_note_id"))
            db.session.commit()
            flash("The correction has been saved." if corrects else "The note has been saved.")
            return redirect(url_for("clients.record", client_id=client.id))
        except ValidationError as error:
            messages = error.normalized_messages()
            if "text" in messages:
                form.text.errors = [
                    f"A note must be {MAX_NOTE:,} characters or fewer"
                    if len(text) > MAX_NOTE
                    else "Write the note"
                ]
            apply_errors(form, {k: v for k, v in messages.items() if k != "text"})
        except InvalidInput as error:
            db.session.rollback()
            flash(" ".join(m for msgs in error.field_errors.values() for m in msgs))
    heading = "Correct a note" if corrects else "Write a note"
    return render_form(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["text"],
        heading=heading,
        hint="Notes cannot be changed once saved. To correct one, write a correction: "
        "the original stays on the record, marked as corrected.",
        quote=(
            {
                "title": f"The note you are correcting, written {uk_datetime(original.written_at)}",
                "text": original.text,
            }
            if original is not None
            else None
        ),
        button="Save note",
        page_title=heading,
    )


MAX_NOTE = 20000  # as NoteInputSchema allows


def _note_to_correct(client, wanted: str | None) -> Note | None:
    """The note named by ``?corrects=``: None without one; 404 for one not on this record."""
    if not wanted:
        return None
    note_id = tenant_uuid(wanted)
    note = (
        db.session.execute(
            sa.select(Note).where(Note.id == note_id, Note.client_id == client.id)
        ).scalar_one_or_none()
        if note_id is not None
        else None
    )
    if note is None:
        abort(404)
    return note


class ConsentForm(FlaskForm):
    purpose = Select(
        "What has the client agreed to?",
        choices=choices(codelists.CONSENT_PURPOSES, "Choose a purpose"),
    )
    given_on = NhsDateField("When did they agree?")
    method = Select(
        "How was it recorded?", choices=choices(codelists.CONSENT_METHODS, "Choose how")
    )
    notes = TextAreaField("Notes (optional)")


#: What to say when a consent field is left empty.
CONSENT_EMPTY = {
    "purpose": "Choose what the client has agreed to",
    "method": "Choose how consent was recorded",
    "given_on": "Enter the date they agreed",
}


@bp.route("/<client_id>/consents/new", methods=["GET", "POST"])
@requires("consent.write")
def give_consent(client_id: str):
    if is_partner_viewer():
        abort(403)
    client = load_client(client_id)
    form = ConsentForm()
    if posted(form) and not date_errors(form):
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
            apply_errors(form, error.normalized_messages(), empty=CONSENT_EMPTY)
    return render_form(
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
    client = _trust_staff_client(client_id)
    consent = _found(lambda: sharing.find_consent(client, tenant_uuid(consent_id)))
    purpose = codelists.CONSENT_PURPOSES.label(consent.purpose).lower()
    return _confirm(
        client,
        lambda reason: sharing.withdraw_consent(consent, reason),
        done="Consent has been withdrawn. Sharing under it has stopped.",
        heading="Withdraw consent",
        hint=f"Consent for {purpose}. Partner organisations sharing under it lose access at "
        "once. The consent stays on the record as history.",
        button="Withdraw consent",
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
        (str(c.id), f"{codelists.CONSENT_PURPOSES.label(c.purpose)} (given {uk_date(c.given_on)})")
        for c in live
    ]
    if posted(form) and not date_errors(form):
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
        apply_errors(form, errors)
    return render_form(
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
    client = _trust_staff_client(client_id)
    share_row = _found(lambda: sharing.find_share(client, tenant_uuid(share_id)))
    organisation = db.session.get(Organisation, share_row.organisation_id)
    name = organisation.name if organisation is not None else "The organisation"
    purpose = codelists.CONSENT_PURPOSES.label(share_row.purpose).lower()
    return _confirm(
        client,
        lambda reason: sharing.end_share(share_row, reason),
        done=f"Sharing has stopped. {name} can no longer see the record.",
        heading=f"Stop sharing with {name}",
        hint=f"Shared for {purpose}. Its staff lose access to the record at once.",
        button="Stop sharing",
    )


def _trust_staff_client(client_id: str):
    """The client, for a change only trust staff may make (partners: 403)."""
    if is_partner_viewer():
        abort(403)
    return load_client(client_id)


def _found(lookup):
    try:
        return lookup()
    except NotFound:
        abort(404)


def _confirm(client, action, *, done: str, heading: str, button: str, hint: str | None = None):
    """A confirmation page with an optional reason: GET asks, POST does ``action(reason)``."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            action((form.reason.data or "").strip() or None)
            db.session.commit()
            flash(done)
        except Conflict as error:
            flash(error.detail)
        return redirect(url_for("clients.record", client_id=client.id))
    return render_form(
        "clients/form_simple.html",
        form,
        client=client,
        fields=["reason"],
        heading=heading,
        hint=hint,
        button=button,
        warning=True,
        page_title=heading,
    )
