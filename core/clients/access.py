"""Need-to-know: which clients the person asking may see.

Trust staff see every client of the tenant their role allows. Staff of a partner organisation
see a client only while an active share with their organisation exists: not ended, not past its
expiry, and its consent not withdrawn. The rule is one SQL clause used by every read path (the
record, lists, search, exports), so withdrawing consent or reaching the expiry ends access at
once, everywhere.

A client whose processing is restricted (UK GDPR Art. 18, ``Client.restricted_at``) is hidden
by the same clause from everyone without ``clients.restricted.read`` (the information
governance role), whatever else their role allows.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import g

from core.accounts.models import Membership
from core.accounts.permissions import has_permission, permissions_for
from core.clients.models import Client, Consent, Share
from core.columns import utcnow


def viewer() -> Membership:
    return g.membership


def is_partner_viewer(membership: Membership | None = None) -> bool:
    membership = membership or viewer()
    return membership.organisation.is_partner


def active_share_clause(organisation_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """True for clients with an active share with ``organisation_id`` (correlated EXISTS)."""
    now = utcnow()
    return sa.exists(
        sa.select(Share.id)
        .join(
            Consent,
            sa.and_(Consent.tenant_id == Share.tenant_id, Consent.id == Share.consent_id),
        )
        .where(
            Share.tenant_id == Client.tenant_id,
            Share.client_id == Client.id,
            Share.organisation_id == organisation_id,
            Share.ended_at.is_(None),
            sa.or_(Share.expires_at.is_(None), Share.expires_at > now),
            Consent.withdrawn_at.is_(None),
        )
    )


RESTRICTED_READ = "clients.restricted.read"


def sees_restricted(membership: Membership | None = None) -> bool:
    """May ``membership`` (default: the viewer) see clients whose processing is restricted?"""
    if membership is None or membership is g.get("membership"):
        return has_permission(RESTRICTED_READ)
    tenant = g.get("tenant")
    return tenant is not None and RESTRICTED_READ in permissions_for(membership, tenant)


def visible_clients_clause(membership: Membership | None = None) -> sa.ColumnElement[bool]:
    """The need-to-know rule as one WHERE clause on ``Client``: every read path uses it."""
    membership = membership or viewer()
    conditions: list[sa.ColumnElement[bool]] = []
    if not sees_restricted(membership):
        conditions.append(Client.restricted_at.is_(None))
    if is_partner_viewer(membership):
        conditions.append(active_share_clause(membership.organisation_id))
    return sa.and_(sa.true(), *conditions)


def visible_clients() -> sa.Select[tuple[Client]]:
    """``SELECT client`` limited to what the viewer may see."""
    return sa.select(Client).where(visible_clients_clause())
