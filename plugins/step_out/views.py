"""Step Out pages: the caseload, a referral's page, small forms (referral, move-in and discharge,
crisis use) and the crisis-use import. The housing-search forms are in ``search_views``."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from core.plugins.api import db, has_permission, requires, tenant_ui_blueprint

from . import services
from .crisis_import import OPTIONAL, REQUIRED, max_bytes, start_crisis_import
from .forms import DECISION_LABELS, TENURE_LABELS, CrisisEventForm, MoveInForm, ReferralForm
from .models import StepOutAction, StepOutOffer, StepOutReview
from .schemas import (
    ACCOMMODATION_TYPES,
    APPLICATION_TYPES,
    DELAY_ATTRIBUTIONS,
    DELAY_REASONS,
    STATUSES,
)

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
        can_import=has_permission("step_out.import"),
    )


@bp.route("/referrals/<referral_id>")
@requires("step_out.read")
def referral(referral_id: str):
    """One referral: the journey, delayed days, the housing search and the review schedule."""
    try:
        found = services.read_referral(referral_id)
    except services.StepOutNotFound:
        raise NotFound() from None
    client = _client(str(found.client_id))
    return render_template(
        "step_out/referral.html",
        referral=found,
        client=client,
        actions=services.children(StepOutAction, found),
        offers=services.children(StepOutOffer, found),
        reviews=sorted(services.children(StepOutReview, found), key=lambda r: r.months),
        accommodation_types=ACCOMMODATION_TYPES,
        application_types=APPLICATION_TYPES,
        tenures=TENURE_LABELS,
        decisions=DECISION_LABELS,
        delay_reasons=DELAY_REASONS,
        delay_attributions=DELAY_ATTRIBUTIONS,
        page_title=f"Step Out referral: {client.given_name} {client.family_name}",
        can_write=has_permission("step_out.write"),
        can_see_record=has_permission("clients.read"),
    )


@bp.route("/crisis-imports/new", methods=["GET", "POST"])
@requires("step_out.import")
def crisis_import():
    """Upload the trust's CSV of crisis contacts and admissions; follow the job on its page."""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        request.max_content_length = max_bytes()
        try:
            job_run = start_crisis_import(request.files.get("file"))
        except services.StepOutInvalid as error:
            errors = {k: [v] for k, v in error.field_errors.items()}
        else:
            db.session.commit()
            return redirect(url_for("jobs.detail", job_id=job_run.id))
    return render_template(
        "step_out/import.html",
        errors=errors,
        required=REQUIRED,
        optional=OPTIONAL,
        page_title="Import crisis use",
    )


@bp.route("/clients/<client_id>/refer", methods=["GET", "POST"])
@requires("step_out.write")
def refer(client_id: str):
    """Refer a client from a ward."""
    client = _client(client_id)
    form = ReferralForm()
    created: list[Any] = []
    names = (
        "ward", "referrer", "referred_on", "admission_date", "clinically_ready_date",
        "accommodation_type", "settled_indicator", "needs", "risks",
    )  # fmt: skip
    if form.validate_on_submit() and _save(
        form, lambda: created.append(services.create_referral(client, _data(form, names)))
    ):
        return redirect(url_for("step_out.referral", referral_id=created[0].id))
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
        return redirect(url_for("step_out.referral", referral_id=referral.id))
    back = url_for("step_out.referral", referral_id=referral.id)
    return _form(form, names, client, "Record move-in and discharge", "Save", back)


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


def _form(
    form: Any,
    names: tuple[str, ...],
    client: Any,
    heading: str,
    button: str,
    back: str | None = None,
    hints: dict[str, str] | None = None,
):
    return render_template(
        "step_out/form.html",
        form=form,
        fields=names,
        client=client,
        heading=heading,
        button=button,
        back=back,
        hints=hints or {},
        page_title=heading,
        form_has_errors=bool(form.errors) or any(form[n].errors for n in names),
    )


from . import search_views  # noqa: E402, F401  (adds the housing-search pages to ``bp``)
