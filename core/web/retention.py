"""Information governance pages for retention: records due for appraisal, and the decision.

The form validates with the API's schema (core.retention.api), so the rules are the same
everywhere. Nothing here deletes anything.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import RadioField, TextAreaField

from core import audit
from core.accounts.permissions import requires
from core.clients.api import parse_id
from core.errors import Conflict, InvalidInput
from core.extensions import db
from core.retention import services
from core.retention.api import DecisionInputSchema
from core.tenancy.blueprints import tenant_ui_blueprint
from core.web.fields import NhsDateField
from core.web.form_helpers import apply_errors, date_errors, form_data, posted, render_form

bp = tenant_ui_blueprint("retention", __name__, url_prefix="/retention")

PERMISSION = "clients.rights.decide"
FIELDS = ["decision", "review_on", "reason"]
DECISIONS = {
    services.KEEP: "Keep the record and review it again later",
    services.DESTROY: "Destroy the record (the records team destroys it)",
}
EMPTY = {
    "decision": "Choose the decision",
    "review_on": "Enter the date to review the record again",
    "reason": "Enter the reason for the decision",
}


class DecisionForm(FlaskForm):
    decision = RadioField(
        "What is your decision?", choices=list(DECISIONS.items()), validate_choice=False
    )
    review_on = NhsDateField("Date to review the record again (if kept)")
    reason = TextAreaField("Reason for the decision")


@bp.route("/")
@requires(PERMISSION)
def due():
    """Records waiting for an appraisal decision, oldest due first."""
    audit.record("retention.appraisals.list", details={"status": "due"})
    appraisals = list(db.session.execute(services.listing("due").limit(500)).scalars())
    return render_template(
        "retention/list.html", appraisals=appraisals, page_title="Records due for appraisal"
    )


@bp.route("/<appraisal_id>", methods=["GET", "POST"])
@requires(PERMISSION)
def decide(appraisal_id: str):
    """One appraisal: the dates it rests on, and the decision form (once)."""
    appraisal = services.find(parse_id(appraisal_id))
    if appraisal is None:
        abort(404)
    form = DecisionForm()
    if appraisal.decision is None and posted(form):
        date_errors(form)
        data = {k: v for k, v in form_data(form, FIELDS).items() if v is not None}
        try:
            loaded = DecisionInputSchema().load(data)
            if not any(f.errors for f in form):
                services.decide(appraisal, **loaded)
                db.session.commit()
                flash("The decision has been recorded.")
                return redirect(url_for("retention.due"))
        except ValidationError as error:
            apply_errors(form, dict(error.messages), empty=EMPTY)
        except InvalidInput as error:
            apply_errors(form, dict(error.field_errors), empty=EMPTY)
        except Conflict as error:
            form.decision.errors = [error.detail]
    audit.record(
        "retention.appraisal.read",
        object_type="client",
        object_id=appraisal.client_id,
        details={"appraisal_id": str(appraisal.id)},
    )
    return render_form(
        "retention/decide.html",
        form,
        appraisal=appraisal,
        decisions=DECISIONS,
        page_title="Retention appraisal",
        breadcrumbs=[{"text": "Records due for appraisal", "href": url_for("retention.due")}],
    )
