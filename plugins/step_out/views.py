"""Step Out pages: the caseload, a referral's page, small forms (referral, move-in and discharge,
crisis use) and the crisis-use import. The housing-search forms are in ``search_views``."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from core.plugins.api import db, has_permission, requires, tenant_ui_blueprint

from . import services
from .crisis_import import OPTIONAL, REQUIRED, max_bytes, start_crisis_import
from .date_rules import future_errors, referral_errors
from .forms import (
    CLOSE_HINTS,
    DECISION_LABELS,
    PLANNED,
    TENURE_LABELS,
    CloseForm,
    CrisisEventForm,
    MoveInForm,
    ReferralForm,
)
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


def _add_errors(form: Any, errors: dict[str, str]) -> None:
    """Rule breaks as inline errors; one about a field not on this page goes to the summary."""
    for name, message in errors.items():
        if name in form:
            if message not in form[name].errors:
                form[name].errors = [*form[name].errors, message]
        else:
            _summary(form).append({"text": message, "href": "#main-content"})


def _summary(form: Any) -> list[dict[str, str]]:
    """Error-summary items that belong to no field (``form.html`` lists them too)."""
    if not hasattr(form, "summary_items"):
        form.summary_items = []
    return form.summary_items


def _submitted(form: Any, names: tuple[str, ...], rules: Any = None) -> bool:
    """The form was sent and every rule holds. The field checks and the plugin's ``rules``
    (``values → {field: message}``) run together, so one answer shows every broken rule."""
    if not form.is_submitted():
        return False
    valid = form.validate()
    if rules is not None:
        values = {n: form[n].data for n in names if not form[n].errors and form[n].data != ""}
        errors = {k: v for k, v in rules(values).items() if k not in form or not form[k].errors}
        _add_errors(form, errors)
        valid = valid and not errors
    return valid


def _open_referral_error(form: Any, referral: Any) -> None:
    day = f"{referral.referred_on.day} {referral.referred_on:%B %Y}"
    _summary(form).append(
        {
            "text": f"This client already has an open Step Out referral (referred {day}): "
            "go to it, or close it before referring again",
            "href": url_for("step_out.referral", referral_id=referral.id),
        }
    )


def _save(form: Any, action) -> bool:
    """Run ``action``; rule breaks become inline errors on the form, nothing is written."""
    try:
        action()
    except services.StepOutInvalid as error:
        db.session.rollback()
        _add_errors(form, error.field_errors)
        return False
    except services.StepOutOpenReferral as error:
        db.session.rollback()
        _open_referral_error(form, error.open_referral)
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
        can_refer_again=services.open_referral_of(client.id) is None,
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
    valid = _submitted(form, names, referral_errors)
    already = services.open_referral_of(client.id) if form.is_submitted() else None
    if already is not None:
        _open_referral_error(form, already)
    elif valid and _save(
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
    if _submitted(form, names, lambda values: _stored_rules(referral, values)) and _save(
        form, lambda: services.update_referral(referral, _data(form, names))
    ):
        return redirect(url_for("step_out.referral", referral_id=referral.id))
    back = url_for("step_out.referral", referral_id=referral.id)
    return _form(form, names, client, "Record move-in and discharge", "Save", back)


def _stored_rules(referral: Any, values: dict[str, Any]) -> dict[str, str]:
    """The referral's date rules over what is stored, changed by what the page sent (a field
    that did not parse keeps its stored value here)."""
    merged = {c: getattr(referral, c) for c in services.REFERRAL_FIELDS}
    merged.update(values)
    return referral_errors(merged)


@bp.route("/referrals/<referral_id>/close", methods=["GET", "POST"])
@requires("step_out.write")
def close(referral_id: str):
    """Close a referral (with the tenancy end, if the tenancy ended): the client can then be
    referred again."""
    referral = _referral(referral_id)
    client = _client(str(referral.client_id))
    form = CloseForm(obj=referral)
    names = ("tenancy_end_date", "tenancy_end_planned", "tenancy_end_reason")

    def planned(values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "tenancy_end_planned": PLANNED.get(values.get("tenancy_end_planned"))}

    if _submitted(form, names, lambda v: _stored_rules(referral, planned(v))) and _save(
        form,
        lambda: services.update_referral(
            referral, {**planned(_data(form, names)), "status": "closed"}
        ),
    ):
        return redirect(url_for("step_out.referral", referral_id=referral.id))
    back = url_for("step_out.referral", referral_id=referral.id)
    return _form(form, names, client, "Close the referral", "Close the referral", back, CLOSE_HINTS)


@bp.route("/clients/<client_id>/crisis-events/new", methods=["GET", "POST"])
@requires("step_out.write")
def add_crisis_event(client_id: str):
    """Record a crisis-team contact or an inpatient admission."""
    client = _client(client_id)
    form = CrisisEventForm()
    names = ("kind", "occurred_on", "notes")
    if _submitted(form, names, future_errors) and _save(
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
        summary_items=getattr(form, "summary_items", []),
        form_has_errors=bool(form.errors)
        or any(form[n].errors for n in names)
        or bool(getattr(form, "summary_items", [])),
    )


from . import search_views  # noqa: E402, F401  (adds the housing-search pages to ``bp``)
