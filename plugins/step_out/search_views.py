"""Step Out pages for the housing search: record an application and change its outcome; record
an offer and decide it (declined offers need a reason). Each page goes back to the referral."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import redirect, url_for
from werkzeug.exceptions import NotFound

from core.plugins.api import requires

from . import housing_search, services
from .forms import ActionForm, DecisionForm, OfferForm
from .models import StepOutAction, StepOutOffer
from .views import _client, _data, _form, _referral, _save, _submitted, bp

ACTION_NAMES = ("application_type", "provider", "action_date", "outcome")
OFFER_NAMES = (
    "property_description", "provider", "tenure", "weekly_rent", "offered_on", "decision",
    "decline_reason",
)  # fmt: skip
DECISION_NAMES = ("decision", "decline_reason")
HINTS = {
    "outcome": "For example, accepted on to the register in band B, or refused.",
    "decline_reason": "Needed when the offer was declined.",
    "weekly_rent": "For example, 112.50",
}


def _child(model: type, child_id: str) -> Any:
    try:
        return services.find_child(model, child_id)
    except services.StepOutNotFound:
        raise NotFound() from None


def _back(referral_id: Any) -> str:
    return url_for("step_out.referral", referral_id=referral_id)


@bp.route("/referrals/<referral_id>/actions/new", methods=["GET", "POST"])
@requires("step_out.write")
def add_action(referral_id: str):
    """Record an application made for the client."""
    referral = _referral(referral_id)
    form = ActionForm()
    rules = partial(housing_search.action_errors, referral)
    if _submitted(form, ACTION_NAMES, rules) and _save(
        form, lambda: housing_search.add_action(referral, _data(form, ACTION_NAMES))
    ):
        return redirect(_back(referral.id))
    client = _client(str(referral.client_id))
    return _form(
        form, ACTION_NAMES, client, "Record an application", "Save application",
        _back(referral.id), HINTS,
    )  # fmt: skip


@bp.route("/actions/<action_id>/edit", methods=["GET", "POST"])
@requires("step_out.write")
def edit_action(action_id: str):
    """Change an application, usually its outcome."""
    action = _child(StepOutAction, action_id)
    form = ActionForm(obj=action)
    rules = partial(housing_search.action_errors, _referral(str(action.referral_id)))
    if _submitted(form, ACTION_NAMES, rules) and _save(
        form, lambda: housing_search.update_action(action, _data(form, ACTION_NAMES))
    ):
        return redirect(_back(action.referral_id))
    client = _client(str(_referral(str(action.referral_id)).client_id))
    return _form(
        form, ACTION_NAMES, client, "Change an application", "Save changes",
        _back(action.referral_id), HINTS,
    )  # fmt: skip


@bp.route("/referrals/<referral_id>/offers/new", methods=["GET", "POST"])
@requires("step_out.write")
def add_offer(referral_id: str):
    """Record a property offered to the client."""
    referral = _referral(referral_id)
    form = OfferForm()
    rules = partial(housing_search.offer_errors, referral)
    if _submitted(form, OFFER_NAMES, rules) and _save(
        form, lambda: housing_search.add_offer(referral, _data(form, OFFER_NAMES))
    ):
        return redirect(_back(referral.id))
    client = _client(str(referral.client_id))
    return _form(
        form, OFFER_NAMES, client, "Record an offer", "Save offer", _back(referral.id), HINTS
    )


@bp.route("/offers/<offer_id>/decide", methods=["GET", "POST"])
@requires("step_out.write")
def decide_offer(offer_id: str):
    """Decide an offer: accepted, or declined with a reason."""
    offer = _child(StepOutOffer, offer_id)
    form = DecisionForm(obj=offer)
    referral = _referral(str(offer.referral_id))
    rules = partial(housing_search.offer_errors, referral)
    if _submitted(form, DECISION_NAMES, rules) and _save(
        form, lambda: housing_search.update_offer(offer, _data(form, DECISION_NAMES))
    ):
        return redirect(_back(offer.referral_id))
    client = _client(str(_referral(str(offer.referral_id)).client_id))
    heading = f"Decide the offer: {offer.property_description}"
    return _form(
        form, DECISION_NAMES, client, heading, "Save decision", _back(offer.referral_id), HINTS
    )
