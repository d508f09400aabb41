"""IPS pages about one client's work: the work page (starts, support, retention, employer
contacts, rapid job search) and the forms that record each. Routes on ``work_views.bp``."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import redirect, render_template, request, url_for

from core.plugins.api import Client, db, has_permission, member_names, requires

from . import codes
from . import work_outcome_services as outcomes
from . import work_services as services
from .common import find_visible_client, form_saved, found
from .models import IpsOutcome
from .work_client import client_work as load_client_work
from .work_figures import RAPID_DAYS, RETENTION_SHARE, retention_load
from .work_forms import OutcomeForm, RetentionForm, SupportForm
from .work_view_helpers import form_data, keep_specialist_field, render_form
from .work_views import EMPLOYERS, READ, WRITE, bp, contact_form


def _name(client: Client) -> str:
    return f"{client.given_name} {client.family_name}"


def _back(client: Client) -> dict[str, str]:
    return {
        "back_url": url_for("ips_work.client_work", client_id=client.id),
        "back_text": f"Back to {_name(client)}'s work",
        "caption": _name(client),
    }


def _episode_choices(form_field: Any, client: Client) -> None:
    """Accepted episodes of the client, newest (the usual one) first."""
    form_field.choices = [
        (str(r.id), f"Accepted {r.accepted_on:%-d %b %Y} ({codes.label(codes.STATUSES, r.status)})")
        for r in outcomes.accepted_episodes(client)
    ]


@bp.get("/clients/<client_id>/work")
@requires(READ)
def client_work(client_id: str):
    """Everything about the client's work, with links to record each part."""
    client = found(find_visible_client, client_id)
    work = load_client_work(client)
    db.session.commit()  # the read's audit event
    employer_names = {e.id: e.name for e in services.all_employers()}
    people = member_names(
        {o.specialist_id for o in work["outcomes"]}
        | {s.specialist_id for s in work["support_contacts"]}
        | {c.specialist_id for c in work["employer_contacts"]}
    )
    jobs = {o.id: o.title for o in work["outcomes"]}
    current = next((r for r in work["referrals"] if r.accepted_on and r.status != "closed"), None)
    load = retention_load(current.specialist_id) if current and current.specialist_id else None
    if load is not None:
        people |= member_names({load.specialist_id})
    return render_template(
        "ips/work/client_work.html",
        client=client,
        name=_name(client),
        work=work,
        employer_names=employer_names,
        people=people,
        jobs=jobs,
        codes=codes,
        rapid_days=RAPID_DAYS,
        retention=load if load is not None and load.too_high else None,
        retention_limit=round(RETENTION_SHARE * 100),
        has_accepted=any(r.accepted_on for r in work["referrals"]),
        can_write=has_permission(WRITE),
        can_log_contacts=has_permission(EMPLOYERS),
        page_title=f"{_name(client)}: work",
    )


@bp.route("/clients/<client_id>/employer-contacts/new", methods=["GET", "POST"])
@requires(EMPLOYERS)
def log_client_contact(client_id: str):
    """Log a contact with an employer about a job for this client."""
    client = found(find_visible_client, client_id)
    form = contact_form(client=client, employer_fixed=False)

    def action() -> None:
        data = form_data(form)
        employer = services.employer_or_error(data.pop("employer_id"))
        services.log_employer_contact(employer, {**data, "client_id": client.id})

    if form_saved(form, action):
        return redirect(url_for("ips_work.client_work", client_id=client.id))
    return render_form(
        form,
        heading="Log an employer contact about this client",
        button="Save contact",
        **_back(client),
    )


def _outcome_form(client: Client, outcome: IpsOutcome | None = None) -> OutcomeForm:
    form = OutcomeForm(obj=outcome)
    if outcome is None:
        _episode_choices(form.referral_id, client)
    else:
        del form.referral_id
    form.employer_id.choices = [("", "Not in the list")] + [
        (str(e.id), e.name) for e in services.all_employers()
    ]
    if request.method == "GET" and outcome is not None:
        form.self_employed.data = "yes" if outcome.self_employed else "no"
        form.employer_id.data = str(outcome.employer_id) if outcome.employer_id else ""
        form.specialist_id.data = str(outcome.specialist_id) if outcome.specialist_id else ""
    keep_specialist_field(form)
    return form


@bp.route("/clients/<client_id>/outcomes/new", methods=["GET", "POST"])
@requires(WRITE)
def record_outcome(client_id: str):
    """Record a start: paid job, education or training, voluntary work or work experience."""
    client = found(find_visible_client, client_id)
    form = _outcome_form(client)
    if form_saved(
        form,
        lambda: outcomes.record_outcome(client, form_data(form, yes_no=("self_employed",))),
    ):
        return redirect(url_for("ips_work.client_work", client_id=client.id))
    return render_form(form, heading="Record a start", button="Save start", **_back(client))


@bp.route("/outcomes/<outcome_id>/edit", methods=["GET", "POST"])
@requires(WRITE)
def edit_outcome(outcome_id: str):
    """Change a start or record that it ended."""
    outcome = found(outcomes.find_outcome, outcome_id)
    client = found(find_visible_client, outcome.client_id)
    form = _outcome_form(client, outcome)
    if form_saved(
        form,
        lambda: outcomes.update_outcome(outcome, form_data(form, yes_no=("self_employed",))),
    ):
        return redirect(url_for("ips_work.client_work", client_id=client.id))
    return render_form(
        form, heading=f"Change or end: {outcome.title}", button="Save changes", **_back(client)
    )


@bp.route("/clients/<client_id>/support-contacts/new", methods=["GET", "POST"])
@requires(WRITE)
def record_support(client_id: str):
    """Record in-work support given to the client."""
    client = found(find_visible_client, client_id)
    form = SupportForm()
    _episode_choices(form.referral_id, client)
    jobs = db.session.execute(outcomes.of_client(IpsOutcome, client.id)).scalars()
    form.outcome_id.choices = [("", "Not about one job or course")] + [
        (str(o.id), f"{o.title} (from {o.started_on:%-d %b %Y})") for o in jobs
    ]
    keep_specialist_field(form)
    if request.method == "GET":
        form.contacted_on.data = date.today()
    if form_saved(
        form, lambda: outcomes.record_support(client, form_data(form, yes_no=("with_employer",)))
    ):
        return redirect(url_for("ips_work.client_work", client_id=client.id))
    return render_form(
        form, heading="Record in-work support", button="Save support", **_back(client)
    )


@bp.route("/clients/<client_id>/retention-cases/new", methods=["GET", "POST"])
@requires(WRITE)
def open_retention(client_id: str):
    """Open an employment retention case: the client's job is at risk."""
    client = found(find_visible_client, client_id)
    form = RetentionForm()
    _episode_choices(form.referral_id, client)
    del form.closed_on, form.result
    if request.method == "GET":
        form.opened_on.data = date.today()
    if form_saved(form, lambda: outcomes.open_retention_case(client, form_data(form))):
        return redirect(url_for("ips_work.client_work", client_id=client.id))
    return render_form(
        form, heading="Open a retention case", button="Open the case", **_back(client)
    )


@bp.route("/retention-cases/<retention_case_id>/edit", methods=["GET", "POST"])
@requires(WRITE)
def edit_retention(retention_case_id: str):
    """Change a retention case, or close it as retained or not retained."""
    case = found(outcomes.find_retention_case, retention_case_id)
    client = found(find_visible_client, case.client_id)
    form = RetentionForm(obj=case)
    del form.referral_id
    if request.method == "GET" and case.result is None:
        form.result.data = ""
    if form_saved(form, lambda: outcomes.update_retention_case(case, form_data(form))):
        return redirect(url_for("ips_work.client_work", client_id=client.id))
    return render_form(
        form,
        heading="Change or close the retention case",
        button="Save changes",
        hints={"result": "To close the case, enter the date closed and the result."},
        **_back(client),
    )
