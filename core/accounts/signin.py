"""Local sign-in with throttling of repeated failures.

After ``SIGN_IN_MAX_FAILURES_PER_ACCOUNT`` failures for one email (or
``SIGN_IN_MAX_FAILURES_PER_ADDRESS`` from one address) within the window, further attempts are
refused without checking the password until the window has passed. The message never says
whether the account exists.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum

import sqlalchemy as sa
from flask import current_app

from core import audit
from core.accounts.models import SignInFailure, User
from core.accounts.passwords import hash_password, needs_rehash, verify_password
from core.columns import utcnow
from core.extensions import db


class SignInResult(Enum):
    OK = "ok"
    REFUSED = "refused"
    THROTTLED = "throttled"


def _recent_failures(column: sa.ColumnElement[str], value: str) -> int:
    window = timedelta(seconds=current_app.config["SIGN_IN_FAILURE_WINDOW_SECONDS"])
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(SignInFailure)
        .where(column == value, SignInFailure.at > utcnow() - window)
    ).scalar_one()


def is_throttled(email: str, address: str) -> bool:
    config = current_app.config
    return (
        _recent_failures(SignInFailure.email, email) >= config["SIGN_IN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(SignInFailure.source_address, address)
        >= config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"]
    )


def check_credentials(email: str, password: str, address: str) -> tuple[SignInResult, User | None]:
    """Check a local sign-in. Writes the failure row and audit event; the caller commits."""
    email = email.strip().lower()
    if is_throttled(email, address):
        audit.record("sign_in.throttled", outcome="refused", details={"email": email})
        return SignInResult.THROTTLED, None
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        db.session.add(SignInFailure(email=email, source_address=address))
        audit.record("sign_in.failure", outcome="refused", details={"email": email})
        return SignInResult.REFUSED, None
    if needs_rehash(user.password_hash or ""):
        user.password_hash = hash_password(password)
    user.last_signed_in_at = utcnow()
    audit.record(
        "sign_in.success",
        actor_user_id=user.id,
        actor_label=user.email,
        object_type="user",
        object_id=user.id,
    )
    return SignInResult.OK, user
