"""Consent per purpose, and need-to-know shares with partner organisations."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import g

from core import audit
from core.accounts.models import Organisation
from core.clients.codelists import CONSENT_PURPOSES, PURPOSE_ORGANISATION_KIND
from core.clients.models import Client, Consent, Share
from core.columns import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from core.extensions import db


def consents_of(client: Client) -> list[Consent]:
    return list(
        db.session.execute(
            sa.select(Consent)
            .where(Consent.client_id == client.id)
            .order_by(Consent.recorded_at.desc())
        ).scalars()
    )


def find_consent(client: Client, consent_id: uuid.UUID | None) -> Consent:
    consent = None
    if consent_id is not None:
        consent = db.session.execute(
            sa.select(Consent).where(Consent.id == consent_id, Consent.client_id == client.id)
        ).scalar_one_or_none()
    if consent is None:
        raise NotFound("No such consent for this client.")
    return consent


def give_consent(client: Client, data: dict[str, Any]) -> Consent:
    consent = Consent(client_id=client.id, recorded_by_membership_id=g.membership.id, **data)
    db.session.add(consent)
    db.session.flush()
    audit.record(
        "consent.give",
        object_type="client_consent",
        object_id=consent.id,
        details={"client_id": str(client.id), "purpose": consent.purpose},
    )
    return consent


def withdraw_consent(consent: Consent, reason: str | None) -> Consent:
    """Record withdrawal. The consent stays as history; shares under it stop at once."""
    if consent.withdrawn_at is not None:
        raise Conflict("This consent has already been withdrawn.")
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_membership_id = g.membership.id
    consent.withdrawn_reason = reason
    db.session.flush()
    audit.record(
        "consent.withdraw",
        object_type="client_consent",
        object_id=consent.id,
        details={"client_id": str(consent.client_id)},
    )
    return consent


def shares_of(client: Client, organisation_id: uuid.UUID | None = None) -> list[Share]:
    stmt = sa.select(Share).where(Share.client_id == client.id)
    if organisation_id is not None:
        stmt = stmt.where(Share.organisation_id == organisation_id)
    return list(db.session.execute(stmt.order_by(Share.created_at.desc())).scalars())


def find_share(client: Client, share_id: uuid.UUID | None) -> Share:
    share = None
    if share_id is not None:
        share = db.session.execute(
            sa.select(Share).where(Share.id == share_id, Share.client_id == client.id)
        ).scalar_one_or_none()
    if share is None:
        raise NotFound("No such share for this client.")
    return share


def share_with(
    client: Client, organisation_id: uuid.UUID, consent_id: uuid.UUID, expires_at: datetime | None
) -> Share:
    """Share ``client`` with a partner organisation under a live consent for a matching purpose."""
    errors: dict[str, str] = {}
    org = db.session.execute(
        sa.select(Organisation).where(Organisation.id == organisation_id)
    ).scalar_one_or_none()
    if org is None or not org.active:
        errors["organisation_id"] = "No such active organisation in this tenant."
    elif not org.is_partner:
        errors["organisation_id"] = (
            "Share only with partner organisations; trust staff already see the record."
        )
    consent = db.session.execute(
        sa.select(Consent).where(Consent.id == consent_id, Consent.client_id == client.id)
    ).scalar_one_or_none()
    if consent is None:
        errors["consent_id"] = "No such consent for this client."
    elif consent.withdrawn_at is not None:
        errors["consent_id"] = "That consent has been withdrawn; record a new consent first."
    elif (
        org is not None
        and org.is_partner
        and PURPOSE_ORGANISATION_KIND[consent.purpose] != org.kind
    ):
        errors["consent_id"] = (
            f"That consent is for {CONSENT_PURPOSES.label(consent.purpose).lower()}, "
            f"not for sharing with {org.name}."
        )
    if expires_at is not None and expires_at <= utcnow():
        errors["expires_at"] = "The expiry must be in the future."
    if errors:
        raise InvalidInput(errors)
    assert org is not None and consent is not None
    now = utcnow()
    active = [
        s
        for s in shares_of(client, org.id)
        if s.ended_at is None
        and s.consent_id == consent.id
        and (s.expires_at is None or s.expires_at > now)
    ]
    if active:
        raise Conflict("This client is already shared with that organisation under this consent.")
    share = Share(
        client_id=client.id,
        organisation_id=org.id,
        consent_id=consent.id,
        purpose=consent.purpose,
        expires_at=expires_at,
        created_by_membership_id=g.membership.id,
    )
    db.session.add(share)
    db.session.flush()
    audit.record(
        "share.create",
        object_type="client_share",
        object_id=share.id,
        details={"client_id": str(client.id), "organisation_id": str(org.id)},
    )
    return share


def end_share(share: Share, reason: str | None) -> Share:
    if share.ended_at is not None:
        raise Conflict("This share has already ended.")
    share.ended_at = utcnow()
    share.ended_reason = reason
    db.session.flush()
    audit.record(
        "share.end",
        object_type="client_share",
        object_id=share.id,
        details={"client_id": str(share.client_id)},
    )
    return share
