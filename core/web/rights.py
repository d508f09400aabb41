"""The information governance page of a client: erasure and restriction decisions.

Reached from the client record by the information governance role only. The form validates
with the API's schema (core.clients.rights_api), so the rules are the same everywhere.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_wtf import FlaskForm
from marshmallow import ValidationError
from wtforms import RadioField, TextAreaField

from core import audit
from core.accounts.permissions import requires
from core.clients import rights
from core.clients.rights_api import RightsDecisionInputSchema
from core.errors import Conflict, InvalidInput
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint
from core.web.clients import load_client
from core.web.fields import NhsDateField
from core.web.form_helpers import apply_errors, date_errors, form_data, posted, render_form

bp = tenant_ui_blueprint("client_rights", __name__, url_prefix="/clients")

FIELDS = ["request", "action", "received_on", "reason"]

#: The NHS wording for an empty field ("Choose …", "Enter …").
EMPTY = {
    "request": "Choose what the person asked for",
    "action": "Choose the decision",
    "received_on": "Enter the date the request was received",
    "reason": "Enter the reason for the decision",
}


class RightsDecisionForm(FlaskForm):
    request = RadioField(
        "What did the person ask for?", choices=list(rights.REQUESTS.items()), validate_choice=False
    )
    action = RadioField(
        "What is your decision?", choices=list(rights.ACTIONS.items()), validate_choice=False
    )
    received_on = NhsDateField("Date the request was received")
    reason = TextAreaField("Reason for the decision")


@bp.route("/<client_id>/rights", methods=["GET", "POST"])
@requires("clients.rights.decide")
def decide(client_id: str):
    client = load_client(client_id)  # 404 before anything else, whatever was posted
    form = RightsDecisionForm()
    if posted(form):
        date_errors(form)
        data = {k: v for k, v in form_data(form, FIELDS).items() if v is not None}
        try:
            loaded = RightsDecisionInputSchema().load(data)
            if not form.errors and not any(f.errors for f in form):
                rights.record_decision(client, **loaded)
                db.session.commit()
                flash("The decision has been recorded.")
                return redirect(url_for("clients.record", client_id=client.id))
        except ValidationError as error:
            apply_errors(form, dict(error.messages), empty=EMPTY)
        except InvalidInput as error:
            apply_errors(form, dict(error.field_errors), empty=EMPTY)
        except Conflict as error:
            form.action.errors = [error.detail]
    audit.record("client.rights_decisions.read", object_type="client", object_id=client.id)
    return render_form(
        "clients/rights.html",
        form,
        client=client,
        decisions=rights.decisions_of(client),
        requests=rights.REQUESTS,
        actions=rights.ACTIONS,
        page_title="Erasure and restriction decisions",
        breadcrumbs=[
            {"text": "Clients", "href": url_for("clients.list")},
            {"text": client.full_name, "href": url_for("clients.record", client_id=client.id)},
        ],
    )
