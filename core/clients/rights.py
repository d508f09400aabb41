"""Decisions on a client's data-rights requests: erasure, restriction, lifting a restriction.

UK GDPR Art. 17(3)(c) (with Art. 9(2)(h) and 9(3)): the right to erasure does not apply to
care records kept under professional secrecy, so an erasure request on a client's record is
refused with a reason, and the record is restricted (Art. 18) instead. A restricted client is
hidden from everyone without ``clients.restricted.read`` (see core.clients.access).

Every decision is a new ``client_rights_decision`` row (history, never rewritten), one audit
event, and a call of the plugins' ``on_client_erasure`` hook in the same transaction: a plugin
that raises rolls the whole decision back, the restriction included.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g

from core import audit
from core.clients.models import Client, RightsDecision
from core.columns import utcnow
from core.errors import Conflict, InvalidInput
from core.extensions import db
from core.plugins.manager import tenant_hooks

#: What a person can ask for, in the order forms and the API list them.
REQUESTS = {
    "erasure": "Erasure (right to be forgotten)",
    "restriction": "Restriction of processing",
    "lift_restriction": "Lifting a restriction",
}

#: What can be decided. Refusing an erasure request restricts the record (Art. 17(3)(c)).
ACTIONS = {
    "refuse": "Refuse the request",
    "restrict": "Restrict processing",
    "lift": "Lift the restriction",
}

#: The decisions each request allows. Erasure is always refused for a care record.
ALLOWED = {
    "erasure": ("refuse",),
    "restriction": ("restrict", "refuse"),
    "lift_restriction": ("lift", "refuse"),
}

ERASURE_REFUSED = (
    "Erasure does not apply to care records (UK GDPR Article 17(3)(c)). Refuse the request "
    "with a reason: the record will be restricted."
)


def check_combination(request: str | None, action: str | None) -> str | None:
    """The message for a decision its request does not allow, or None if it is allowed."""
    if request not in ALLOWED or action is None or action in ALLOWED[request]:
        return None
    if request == "erasure":
        return ERASURE_REFUSED
    allowed = " or ".join(ACTIONS[a].lower() for a in ALLOWED[request])
    return f"For this request, choose to {allowed}"


def effect(request: str, action: str) -> str | None:
    """What the decision does to the record: ``restrict``, ``lift`` or nothing (None)."""
    if action == "restrict" or (request == "erasure" and action == "refuse"):
        return "restrict"
    if action == "lift":
        return "lift"
    return None


def decisions_of(client: Client) -> list[RightsDecision]:
    """The client's decisions, newest first."""
    return list(
        db.session.execute(
            sa.select(RightsDecision)
            .where(RightsDecision.client_id == client.id)
            .order_by(RightsDecision.decided_at.desc(), RightsDecision.id)
        ).scalars()
    )


def _apply(client: Client, request: str, change: str | None, reason: str) -> None:
    """Change the client's restriction state, refusing a change that changes nothing."""
    if change == "restrict":
        if client.restricted_at is not None and request != "erasure":
            # A refused erasure on a restricted record is still recorded: it must be answered.
            raise Conflict("This client's record is already restricted.")
        if client.restricted_at is None:
            client.restricted_at = utcnow()
        client.restricted_reason = reason
    elif change == "lift":
        if client.restricted_at is None:
            raise Conflict("This client's record is not restricted.")
        client.restricted_at, client.restricted_reason = None, None


def record_decision(
    client: Client, *, request: str, action: str, received_on: date, reason: str
) -> RightsDecision:
    """Record a decision on ``client``, apply it, audit it and tell the plugins.

    Raises InvalidInput for a decision the request does not allow (or an empty reason) and
    Conflict for restricting a restricted record or lifting an unrestricted one. The caller's
    transaction commits (or, if a plugin raises, rolls back) all of it together.
    """
    reason = (reason or "").strip()
    problems: dict[str, str] = {}
    message = check_combination(request, action)
    if message:
        problems["action"] = message
    if not reason:
        problems["reason"] = "Enter the reason for the decision"
    if problems:
        raise InvalidInput(problems)
    change = effect(request, action)
    _apply(client, request, change, reason)
    decision = RightsDecision(
        client_id=client.id,
        request=request,
        received_on=received_on,
        action=action,
        reason=reason,
        decided_by_membership_id=g.membership.id,
    )
    db.session.add(decision)
    db.session.flush()
    audit.record(
        "client.rights_decision",
        object_type="client",
        object_id=client.id,
        # The reason stays in the decision row: it may hold health details the log should not.
        details={
            "decision_id": str(decision.id),
            "request": request,
            "action": action,
            "effect": change,
            "received_on": received_on.isoformat(),
        },
    )
    if change is not None:
        tenant_hooks(g.tenant).on_client_erasure(
            tenant=g.tenant, client_id=client.id, decision=hook_decision(decision, change)
        )
    return decision


def hook_decision(decision: RightsDecision, change: str) -> dict[str, Any]:
    """What plugins are told: ``action`` is what to do with their rows (restrict or lift)."""
    return {
        "action": change,
        "reason": decision.reason,
        "request": decision.request,
        "decision": decision.action,
        "decision_id": str(decision.id),
    }
