"""Step Out pages: the caseload, and small forms (referral, move-in and discharge, crisis)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, url_for
from werkzeug.exceptions import NotFound

from core.plugins.api import db, has_permission, requires, tenant_ui_blueprint

from . import services
from .forms import CrisisEventForm, MoveInForm, ReferralForm
from .schemas import STATUSES

bp = tenant_ui_blueprint("step_out", __name__, url_prefix="/step-out", template_folder="templates")


def _client(client_id: str):
    try:
        return services.find_client(client_id)
    except services.StepOutNotFound:
        raise NotFound() from None


def _referral(referral_id: str):
    try:
        return services.find_referral(referral_id)
    except services.StepOutNotFound:
        raise NotFound() from None


def _data(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {n: (form[n].data if form[n].data != "" else None) for n in names}


def _save(form: Any, action) -> bool:
    """Run ``action``; rule breaks become inline errors on the form."""
    try:
        action()
    except services.StepOutInvalid as error:
        db.session.rollback()
        for name, message in error.field_errors.items():
            if name in form:
                form[name].errors = [*form[name].errors, message]
        return False
    db.session.commit()
    return True


@bp.route("/")
@requires("step_out.read")
def caseload():
    """Referrals with their status and delayed days."""
    from core.plugins.api import Client

    referrals = services.referral_list()
    ids = {r.client_id for r in referrals}
    names = {}
    if ids:
        import sqlalchemy as sa

        for c in db.session.execute(sa.select(Client).where(Client.id.in_(ids))).scalars():
            names[c.id] = f"{c.given_name} {c.family_name}"
    return render_template(
        "step_out/caseload.html",
        referrals=referrals,
        names=names,
        statuses=STATUSES,
        page_title="Step Out caseload",
        can_write=has_permission("step_out.write"),
    )


@bp.route("/clients/<client_id>/refer", methods=["GET", "POST"])
@requires("step_out.write")
def refer(client_id: str):
    """Refer a client from a ward."""
    client = _client(client_id)
    form = ReferralForm()
    names = (
        "ward", "referrer", "referred_on", "admission_date", "clinically_ready_date",
        "accommodation_type", "settled_indicator", "needs", "risks",
    )  # fmt: skip
    if form.validate_on_submit() and _save(
        form, lambda: services.create_referral(client, _data(form, names))
    ):
        return redirect(url_for("step_out.caseload"))
    return _form(form, names, client, "Refer to Step Out", "Save referral")


@bp.route("/referrals/<referral_id>/move-in", methods=["GET", "POST"])
@requires("step_out.write")
def move_in(referral_id: str):
    """Record move-in, discharge and any delay reason."""
    referral = _referral(referral_id)
    client = _client(str(referral.client_id))
    form = MoveInForm(obj=referral)
    names = (
        "move_in_date",
        "discharge_date",
        "discharge_destination",
        "delay_reason",
        "delay_attribution",
    )
    if form.validate_on_submit() and _save(
        form, lambda: services.update_referral(referral, _data(form, names))
    ):
        return redirect(url_for("step_out.caseload"))
    return _form(form, names, client, "Record move-in and discharge", "Save")


@bp.route("/clients/<client_id>/crisis-events/new", methods=["GET", "POST"])
@requires("step_out.write")
def add_crisis_event(client_id: str):
    """Record a crisis-team contact or an inpatient admission."""
    client = _client(client_id)
    form = CrisisEventForm()
    names = ("kind", "occurred_on", "notes")
    if form.validate_on_submit() and _save(
        form, lambda: services.add_crisis_event(client, _data(form, names))
    ):
        return redirect(url_for("step_out.caseload"))
    return _form(form, names, client, "Record crisis use", "Save")


def _form(form: Any, names: tuple[str, ...], client: Any, heading: str, button: str):
    return render_template(
        "step_out/form.html",
        form=form,
        fields=names,
        client=client,
        heading=heading,
        button=button,
        page_title=heading,
        form_has_errors=bool(form.errors) or any(form[n].errors for n in names),
    )
