"""Need-to-know: which clients the person asking may see.

Trust staff see every client of the tenant their role allows. Staff of a partner organisation
see a client only while an active share with their organisation exists: not ended, not past its
expiry, and its consent not withdrawn. The rule is one SQL clause used by every read path (the
record, lists, search, exports), so withdrawing consent or reaching the expiry ends access at
once, everywhere.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import g

from core.accounts.models import Membership
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


def visible_clients_clause(membership: Membership | None = None) -> sa.ColumnElement[bool]:
    membership = membership or viewer()
    if not is_partner_viewer(membership):
        return sa.true()
    return active_share_clause(membership.organisation_id)


def visible_clients() -> sa.Select[tuple[Client]]:
    """``SELECT client`` limited to what the viewer may see."""
    return sa.select(Client).where(visible_clients_clause())
