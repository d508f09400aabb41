"""IPS pages: client satisfaction surveys — the summary of a period (responses, mean and
distribution per question, the responses with links to the clients), one response, and the
form to record one."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from core.plugins.api import db, has_permission, requires, tenant_ui_blueprint

from . import READ, WRITE
from . import surveys_services as services
from .common import client_names, find_visible_client, found, save_form
from .referral_services import clients_with_referrals
from .surveys_forms import PeriodForm, SurveyForm
from .surveys_questions import QUESTIONS

bp = tenant_ui_blueprint("ips_surveys", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/surveys")
@requires(READ)
def summary():
    """The period's figures and responses (default: every response so far)."""
    form = PeriodForm(request.args)
    start, end = services.default_period()
    if request.args and form.validate():
        start, end = form.start.data or start, form.end.data or end
    if end < start:
        form.end.errors = [*form.end.errors, "The end must be on or after the start."]
    else:  # show the period used in the boxes, but keep what was typed where it was wrong
        for field, value in ((form.start, start), (form.end, end)):
            if not field.errors:
                field.process(None, value)
    result = services.summary(start, end)
    surveys = list(db.session.execute(services.surveys_query(start, end)).scalars())
    return render_template(
        "ips/surveys/summary.html",
        form=form,
        result=result,
        surveys=surveys,
        names=client_names({s.client_id for s in surveys}),
        overall_key=QUESTIONS[-1].key,
        can_write=has_permission(WRITE),
        can_open_clients=has_permission("clients.read"),
        page_title="Client satisfaction surveys",
        form_has_errors=bool(form.errors),
    )


@bp.get("/surveys/<survey_id>")
@requires(READ)
def survey(survey_id: str):
    """One client's answers (reading them is audited)."""
    item = found(services.read_survey, survey_id)  # its audit event commits with the request
    return render_template(
        "ips/surveys/survey.html",
        survey=item,
        name=client_names({item.client_id}).get(item.client_id, ""),
        questions=QUESTIONS,
        can_open_clients=has_permission("clients.read"),
        page_title="Client satisfaction survey",
    )


@bp.route("/surveys/new", methods=["GET", "POST"])
@requires(WRITE)
def new_survey():
    """Record a survey for a client with an IPS referral (linked to their latest referral)."""
    form = SurveyForm()
    form.client_id.choices = [("", "Choose a client")] + [
        (str(cid), name) for cid, name in clients_with_referrals()
    ]
    if not form.is_submitted() and request.args.get("client_id"):
        form.client_id.data = request.args["client_id"]
    created = save_form(form, lambda: _record(form), _answer_aliases())
    if created is not None:
        return redirect(url_for("ips_surveys.survey", survey_id=created.id))
    return render_template(
        "ips/surveys/form.html",
        form=form,
        questions=QUESTIONS,
        page_title="Record a client satisfaction survey",
        form_has_errors=bool(form.errors),
    )


def _record(form: SurveyForm):
    client = find_visible_client(form.client_id.data)
    referrals = services.referrals_of(client.id)
    return services.record_survey(
        client,
        {
            "completed_on": form.completed_on.data,
            "answers": form.answers(),
            "comments": form.comments.data,
            "referral_id": referrals[0].id if referrals else None,
        },
    )


def _answer_aliases() -> dict[str, str]:
    return {f"answers.{q.key}": f"q_{q.key}" for q in QUESTIONS}
