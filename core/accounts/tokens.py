"""Personal API tokens: shown once, stored as SHA-256, scoped to one membership, expiring.

A token has 256 bits from the OS random source, so a fast hash is the right one (a slow password
hash buys nothing against guessing and costs every API call). Tokens look like
``sst_<prefix>_<secret>``; the prefix is stored in clear so people can tell tokens apart.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from core.accounts.models import ApiToken, Membership
from core.columns import utcnow
from core.extensions import db

TOKEN_PREFIX = "sst_"  # noqa: S105 - a marker, not a secret
LAST_USED_PRECISION = timedelta(minutes=5)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(membership: Membership, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``membership``; returns the row and the only copy of the secret."""
    max_days = current_app.config["API_TOKEN_MAX_DAYS"]
    days = days or current_app.config["API_TOKEN_DEFAULT_DAYS"]
    if not 1 <= days <= max_days:
        raise ValueError(f"A token lasts between 1 and {max_days} days.")
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        membership_id=membership.id,
        name=name,
        token_hash=hash_token(secret),
        prefix=f"{TOKEN_PREFIX}{prefix}",
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


#: Built once: every API request runs it, and building a statement costs more than running it.
_LOOKUP = (
    sa.select(ApiToken, Membership)
    .join(
        Membership,
        sa.and_(
            Membership.tenant_id == ApiToken.tenant_id, Membership.id == ApiToken.membership_id
        ),
    )
    .where(ApiToken.token_hash == sa.bindparam("token_hash"))
)


def authenticate(secret: str, now: datetime | None = None) -> tuple[ApiToken, Membership] | None:
    """The token and membership for ``secret`` in the current tenant, or None.

    The lookup runs inside the tenant (ORM filter and RLS), so a token of another tenant is
    simply not found.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    row = db.session.execute(_LOOKUP, {"token_hash": hash_token(secret)}).first()
    if row is None:
        return None
    token, membership = row
    now = now or utcnow()
    if not token.is_usable(now) or not membership.active or not membership.user.is_active:
        return None
    last = token.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > LAST_USED_PRECISION:
        # Recorded to the nearest few minutes: a write on every API read would cost more than
        # the detail is worth.
        token.last_used_at = now
    return token, membership


def revoke(token_id: uuid.UUID, membership: Membership) -> tuple[ApiToken | None, bool]:
    """Revoke one of ``membership``'s tokens: (the token or None, whether this call revoked it)."""
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.membership_id == membership.id)
    ).scalar_one_or_none()
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()
        return token, True
    return token, False
