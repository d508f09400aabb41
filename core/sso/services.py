"""From verified claims to a signed-in person: find or create, map roles, or refuse.

Deny by default (DESIGN §6): roles come only from the tenant's rules for that provider, are
re-evaluated at every sign-in, and a person no rule matches gets nothing. Someone signing in
for the first time with no matching rule is refused and nothing is stored; someone whose rules
no longer match (a leaver) has their membership switched off and is refused.

Accounts are matched on (tenant, issuer, subject) only, never on email (account takeover).
``User.email`` is unique across the platform and is what local sign-in looks up, so an SSO user
gets a placeholder address under the reserved ``.invalid`` domain (RFC 2606) built from the
claimed address's local part and a random suffix: it can never collide with, or be signed in
to as, a local account, and the claimed address is kept on the identity as contact detail.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import g

from core import audit
from core.accounts import sessions
from core.accounts.models import Membership, Organisation, User
from core.accounts.permissions import catalogue
from core.columns import utcnow
from core.extensions import db
from core.sso.config import ProviderConfig
from core.sso.models import Identity

#: Refusal reasons (audit ``details.reason``) → what the person is told. One sentence each,
#: in plain English (NHS service manual); no detail that would help an attacker.
MESSAGES = {
    "no_role": "Your account at {label} does not give you access to this service. "
    "If you need access, ask your manager to arrange it with {tenant}.",
    "membership_inactive": "Your access to this service has been switched off. "
    "Ask an administrator at {tenant} if you think this is wrong.",
    "user_inactive": "Your account has been switched off. Ask an administrator at {tenant}.",
    "organisation_inactive": "{label} is not currently set up to sign in to this service.",
    "state_mismatch": "This sign-in was not started here or has expired. Start again.",
    "mix_up": "The answer came from a different identity provider than the one you chose. "
    "Start again.",
    "provider_error": "{label} did not sign you in. Start again, or contact their IT support.",
    "token_refused": "{label} could not confirm who you are. Start again.",
    "invalid_token": "The sign-in from {label} could not be verified, so we did not accept it. "
    "Start again.",
    "unavailable": "We cannot reach {label} at the moment. Try again later.",
    "not_configured": "Signing in with {label} is not set up correctly. "
    "Tell an administrator at {tenant}.",
}


class SignInRefused(Exception):
    """The sign-in is refused. ``reason`` is a key of :data:`MESSAGES`; ``detail`` is for the
    audit log only (never shown)."""

    def __init__(self, reason: str, detail: str = "", **audit_details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.audit_details = audit_details

    def message(self, provider: ProviderConfig | None) -> str:
        label = provider.label if provider else "your organisation"
        tenant = g.tenant.name if g.get("tenant") is not None else "the trust"
        return MESSAGES[self.reason].format(label=label, tenant=tenant)


@dataclass
class SignInOutcome:
    user: User
    membership: Membership
    identity: Identity
    created: bool


def mapped_roles(provider: ProviderConfig, claims: dict[str, Any], partner: bool) -> list[str]:
    """Roles the claims earn under the provider's rules, limited to roles this tenant has and,
    for a partner organisation, to roles meant for partners (checked at sync too)."""
    available = {role.name: role for role in catalogue().roles_for(g.tenant)}
    roles: list[str] = []
    for rule in provider.roles:
        role = available.get(rule.role)
        if role is None or (partner and not role.for_partners):
            continue
        if rule.matches(claims) and rule.role not in roles:
            roles.append(rule.role)
    return roles


def _placeholder_email(claimed: Any) -> str:
    local = claimed.split("@", 1)[0] if isinstance(claimed, str) else ""
    local = re.sub(r"[^a-z0-9._-]", "", local.lower())[:40].strip(".") or "user"
    return f"{local}+{secrets.token_hex(6)}@{g.tenant.slug}.sso.invalid"


def _display_name(claims: dict[str, Any]) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return (name or "Partner staff member").strip()[:200]


def _contact_email(claims: dict[str, Any]) -> str | None:
    email = claims.get("email")
    return email[:320] if isinstance(email, str) and "@" in email else None


def sign_in(provider: ProviderConfig, claims: dict[str, Any]) -> SignInOutcome:
    """Find or provision the person ``claims`` describe in the current tenant.

    ``claims`` are verified (signature, issuer, audience, expiry, nonce) before this is called.
    Raises :class:`SignInRefused`; adds rows and audit events to the session, the request
    commits. A leaver's deactivation is committed here, before the refusal.
    """
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise SignInRefused("invalid_token", "sub missing or too long")
    organisation = db.session.execute(
        sa.select(Organisation).where(Organisation.key == provider.organisation)
    ).scalar_one_or_none()
    if organisation is None or not organisation.active:
        raise SignInRefused("organisation_inactive", provider.organisation)
    roles = mapped_roles(provider, claims, organisation.partner)
    identity = db.session.execute(
        sa.select(Identity).where(Identity.issuer == provider.issuer, Identity.subject == subject)
    ).scalar_one_or_none()
    now = utcnow()
    if identity is None:
        if not roles:
            raise SignInRefused("no_role", subject=subject)
        user = User(
            email=_placeholder_email(claims.get("email")),
            display_name=_display_name(claims),
            password_hash=None,
        )
        db.session.add(user)
        db.session.flush()
        identity = Identity(
            provider=provider.name,
            issuer=provider.issuer,
            subject=subject,
            user_id=user.id,
            email=_contact_email(claims),
        )
        membership = Membership(user_id=user.id, organisation_id=organisation.id, roles=roles)
        db.session.add_all([identity, membership])
        db.session.flush()
        audit.record(
            "sso.user.provisioned",
            actor_user_id=user.id,
            actor_label=user.display_name,
            object_type="membership",
            object_id=membership.id,
            details={"provider": provider.name, "organisation": organisation.key, "roles": roles},
        )
        created = True
    else:
        user = db.session.get(User, identity.user_id)
        if user is None or not user.is_active:
            raise SignInRefused("user_inactive", subject=subject)
        membership = db.session.execute(
            sa.select(Membership).where(Membership.user_id == user.id)
        ).scalar_one_or_none()
        if not roles:
            if membership is not None and membership.active:
                # A leaver: their organisation no longer gives them a role here.
                membership.active = False
                sessions.revoke_all(user.id)  # a leaver's open sessions end too (S1)
                audit.record(
                    "sso.membership.deactivated",
                    actor_user_id=user.id,
                    actor_label=user.display_name,
                    object_type="membership",
                    object_id=membership.id,
                    details={"provider": provider.name, "reason": "no matching role rule"},
                )
                db.session.commit()
            raise SignInRefused("no_role", subject=subject)
        if membership is None:
            membership = Membership(user_id=user.id, organisation_id=organisation.id, roles=roles)
            db.session.add(membership)
        elif not membership.active:
            # Switched off (by an administrator, or as a leaver): only a person turns it back on.
            raise SignInRefused("membership_inactive", subject=subject)
        else:
            if list(membership.roles or []) != roles:
                audit.record(
                    "sso.membership.roles_changed",
                    actor_user_id=user.id,
                    actor_label=user.display_name,
                    object_type="membership",
                    object_id=membership.id,
                    details={"before": list(membership.roles or []), "after": roles},
                )
                membership.roles = roles
            if membership.organisation_id != organisation.id:
                membership.organisation_id = organisation.id
        identity.provider = provider.name
        identity.email = _contact_email(claims)
        user.display_name = _display_name(claims)
        created = False
    identity.last_used_at = now
    user.last_signed_in_at = now
    db.session.flush()
    audit.record(
        "sso.sign_in.success",
        actor_user_id=user.id,
        actor_label=user.display_name,
        object_type="user",
        object_id=user.id,
        details={
            "provider": provider.name,
            "issuer": provider.issuer,
            "subject": subject,
            "roles": roles,
            "acr": claims.get("acr"),
            "new": created,
        },
    )
    return SignInOutcome(user=user, membership=membership, identity=identity, created=created)


def refusal_details(provider_name: str, error: SignInRefused) -> dict[str, Any]:
    """Audit details of a refusal (the detail text goes to the log, never the page)."""
    details: dict[str, Any] = {"provider": provider_name, "reason": error.reason}
    if error.detail:
        details["detail"] = error.detail[:500]
    details.update(error.audit_details)
    return details
