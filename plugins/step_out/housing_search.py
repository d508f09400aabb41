"""The housing search: applications made for a referral (actions) and properties offered.

An action's outcome changes as the council or provider answers; an offer is decided once the
client has seen it (accepted, or declined with a reason). Every change is checked whole before
anything is written, so a refused change leaves the row as it was.
"""

from __future__ import annotations

from typing import Any

from core.plugins.api import db

from .date_rules import future_errors, not_before
from .models import StepOutAction, StepOutOffer, StepOutReferral
from .services import StepOutInvalid, audited, find_referral

ACTION_FIELDS = ("application_type", "provider", "action_date", "outcome")
OFFER_FIELDS = (
    "property_description", "provider", "tenure", "weekly_rent", "offered_on", "decision",
    "decline_reason",
)  # fmt: skip


def action_errors(referral: StepOutReferral, values: dict[str, Any]) -> dict[str, str]:
    """An application has happened, and not before the referral it was made for."""
    day = values.get("action_date")
    errors = future_errors({"action_date": day})
    if "action_date" not in errors:
        errors |= not_before("action_date", day, "referred_on", referral.referred_on)
    return errors


def offer_errors(referral: StepOutReferral, values: dict[str, Any]) -> dict[str, str]:
    """An offer has happened, not before the referral; a declined offer says why."""
    day = values.get("offered_on")
    errors = future_errors({"offered_on": day})
    if "offered_on" not in errors:
        errors |= not_before("offered_on", day, "referred_on", referral.referred_on)
    if values.get("decision") == "declined" and not (values.get("decline_reason") or "").strip():
        errors["decline_reason"] = "Say why the offer was declined."
    return errors


def check_action(referral: StepOutReferral, values: dict[str, Any]) -> None:
    if errors := action_errors(referral, values):
        raise StepOutInvalid(errors)


def check_offer(referral: StepOutReferral, values: dict[str, Any]) -> None:
    if errors := offer_errors(referral, values):
        raise StepOutInvalid(errors)


def add_action(referral: StepOutReferral, data: dict[str, Any]) -> StepOutAction:
    """Record an application; the referral moves on to "searching"."""
    check_action(referral, data)
    action = StepOutAction(referral_id=referral.id, **data)
    if referral.status in ("referred", "assessed"):
        referral.status = "searching"
    db.session.add(action)
    db.session.flush()
    audited("action.create", action, referral_id=str(referral.id), client_id=_client(referral))
    return action


def update_action(action: StepOutAction, data: dict[str, Any]) -> StepOutAction:
    """Change an application, usually its outcome once the provider has answered."""
    referral = find_referral(action.referral_id)
    merged = {name: getattr(action, name) for name in ACTION_FIELDS} | data
    check_action(referral, merged)
    changed = _apply(action, data)
    audited("action.update", action, fields=changed, client_id=_client(referral))
    return action


def add_offer(referral: StepOutReferral, data: dict[str, Any]) -> StepOutOffer:
    """Record a property offered (pending, or already decided)."""
    values = _tidy_decision(dict(data))
    check_offer(referral, values)
    offer = StepOutOffer(referral_id=referral.id, **values)
    db.session.add(offer)
    db.session.flush()
    audited(
        "offer.create",
        offer,
        referral_id=str(referral.id),
        decision=offer.decision,
        client_id=_client(referral),
    )
    return offer


def update_offer(offer: StepOutOffer, data: dict[str, Any]) -> StepOutOffer:
    """Change an offer, usually to decide it: accepted, or declined with a reason."""
    referral = find_referral(offer.referral_id)
    merged = _tidy_decision({name: getattr(offer, name) for name in OFFER_FIELDS} | data)
    check_offer(referral, merged)
    changed = _apply(
        offer, {k: merged[k] for k in OFFER_FIELDS if k in data or k == "decline_reason"}
    )
    audited(
        "offer.update",
        offer,
        fields=changed,
        decision=offer.decision,
        client_id=_client(referral),
    )
    return offer


def _tidy_decision(values: dict[str, Any]) -> dict[str, Any]:
    """Only a declined offer keeps a reason; a blank reason is no reason."""
    values.setdefault("decision", "pending")
    reason = (values.get("decline_reason") or "").strip()
    values["decline_reason"] = reason if values["decision"] == "declined" and reason else None
    return values


def _apply(obj: Any, values: dict[str, Any]) -> list[str]:
    changed = sorted(k for k, v in values.items() if getattr(obj, k) != v)
    for key in changed:
        setattr(obj, key, values[key])
    db.session.flush()
    return changed


def _client(referral: StepOutReferral) -> str:
    return str(referral.client_id)
