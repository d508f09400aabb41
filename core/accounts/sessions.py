"""Server-side web sessions (SECURITY S1): create, check and revoke ``web_session`` rows.

The cookie carries a random session id; the database keeps only its SHA-256, so a copy of the
table cannot be replayed as cookies. ``core.web.sessions`` decides *when* (sign-in, each
request, sign-out) and supplies the clock; this module holds the rules, callable from views,
the API and SSO alike. Callers commit.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from core.accounts.models import WebSession
from core.columns import utcnow
from core.extensions import db

#: Bytes of randomness in a session id: 256 bits, well above ASVS's 128.
ID_BYTES = 32
#: Rows this long past their absolute expiry are deleted when the same person signs in again.
KEEP_EXPIRED = timedelta(days=1)


def hash_id(session_id: str) -> str:
    """The stored form of a session id: its SHA-256, hex."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)  # SQLite


def create(user_id: uuid.UUID, method: str, now: datetime, lifetime: timedelta) -> str:
    """Open a session for ``user_id``; return the new id (for the cookie, never stored)."""
    session_id = secrets.token_urlsafe(ID_BYTES)
    db.session.execute(
        sa.delete(WebSession).where(
            WebSession.user_id == user_id, WebSession.expires_at < now - KEEP_EXPIRED
        )
    )
    db.session.add(
        WebSession(
            id_hash=hash_id(session_id),
            user_id=user_id,
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return session_id


def find(session_id: str | None) -> WebSession | None:
    """The row of ``session_id``, revoked or not; None when unknown."""
    if not session_id or not isinstance(session_id, str):
        return None
    return db.session.execute(
        sa.select(WebSession).where(WebSession.id_hash == hash_id(session_id))
    ).scalar_one_or_none()


def problem(record: WebSession | None, now: datetime, idle: timedelta) -> str | None:
    """Why ``record`` cannot be used at ``now``: unknown, revoked, expired or idle; else None."""
    if record is None:
        return "unknown"
    if record.revoked_at is not None:
        return "revoked"
    if now >= _aware(record.expires_at):
        return "expired"
    if now - _aware(record.last_seen_at) > idle:
        return "idle"
    return None


def revoke(record: WebSession | None, now: datetime | None = None) -> None:
    """End one session (sign-out, or a new sign-in in the same browser)."""
    if record is not None and record.revoked_at is None:
        record.revoked_at = now or utcnow()
        db.session.flush()


def revoke_all(user_id: uuid.UUID) -> None:
    """End every session of a person: sign out everywhere, password change, deactivation."""
    db.session.execute(
        sa.update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
