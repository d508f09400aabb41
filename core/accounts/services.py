"""Rules about people and memberships; views and API call these, then the request commits."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from core import audit
from core.accounts import sessions
from core.accounts.models import Membership, Organisation, User
from core.accounts.permissions import catalogue
from core.errors import Conflict, InvalidInput, NotFound
from core.extensions import db
from core.tenancy.context import current_tenant


def find_organisation(organisation_id: uuid.UUID) -> Organisation:
    org = db.session.execute(
        sa.select(Organisation).where(Organisation.id == organisation_id)
    ).scalar_one_or_none()
    if org is None:
        raise NotFound("No such organisation.")
    return org


def find_membership(membership_id: uuid.UUID) -> Membership:
    membership = db.session.execute(
        sa.select(Membership).where(Membership.id == membership_id)
    ).scalar_one_or_none()
    if membership is None:
        raise NotFound("No such membership.")
    return membership


def _check_roles(roles: list[str], organisation: Organisation | None) -> list[str]:
    tenant = current_tenant()
    assert tenant is not None
    available = {role.name: role for role in catalogue().roles_for(tenant)}
    unknown = [r for r in roles if r not in available]
    if unknown:
        raise InvalidInput({"roles": f"Not a role in this tenant: {', '.join(sorted(unknown))}."})
    if organisation is not None and organisation.is_partner:
        # Need-to-know: partner staff get only roles made for partners.
        wrong = [r for r in roles if not available[r].for_partners]
        if wrong:
            raise InvalidInput(
                {"roles": f"Staff of a partner organisation cannot have: {', '.join(wrong)}."}
            )
    return sorted(set(roles))


def _organisation_for_input(organisation_id: uuid.UUID) -> Organisation:
    try:
        org = find_organisation(organisation_id)
    except NotFound:
        raise InvalidInput({"organisation_id": "No such organisation in this tenant."}) from None
    if not org.active:
        raise InvalidInput({"organisation_id": "That organisation is no longer active."})
    return org


def add_member(email: str, display_name: str, organisation_id: uuid.UUID, roles: list[str]):
    """Give a person (found or created by email) a membership in the current tenant."""
    org = _organisation_for_input(organisation_id)
    roles = _check_roles(roles, org)
    email = email.strip().lower()
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, display_name=display_name.strip())
        db.session.add(user)
        db.session.flush()
    existing = db.session.execute(
        sa.select(Membership).where(Membership.user_id == user.id)
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict("This person already has a membership in this tenant; change that one.")
    membership = Membership(user_id=user.id, organisation_id=org.id, roles=roles)
    db.session.add(membership)
    db.session.flush()
    audit.record(
        "membership.create",
        object_type="membership",
        object_id=membership.id,
        details={"roles": roles, "organisation_id": str(org.id)},
    )
    db.session.refresh(membership)
    return membership


def update_member(membership: Membership, changes: dict[str, Any]) -> Membership:
    """Change a membership's organisation, roles or active flag."""
    org = None
    if "organisation_id" in changes:
        org = _organisation_for_input(changes["organisation_id"])
    if "roles" in changes or org is not None:
        target_org = org or membership.organisation
        roles = _check_roles(changes.get("roles", membership.roles), target_org)
        membership.roles = roles
    if org is not None:
        membership.organisation_id = org.id
    if "active" in changes:
        membership.active = bool(changes["active"])
        if not membership.active:
            # Deactivated: their signed-in sessions end now, not at the next timeout (S1).
            sessions.revoke_all(membership.user_id)
    db.session.flush()
    audit.record(
        "membership.update",
        object_type="membership",
        object_id=membership.id,
        details={k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in changes.items()},
    )
    db.session.refresh(membership)
    return membership
