"""Web sessions: server-side records, idle and absolute timeouts, sign-in and sign-out.

Signing in opens a ``web_session`` row (``core.accounts.sessions``) and puts its random id in
the signed cookie; every request checks that row, so a session is only as good as the server
says. Unknown, revoked, idle (``PERMANENT_SESSION_LIFETIME``, 15 minutes without a request) or
too old (``SESSION_ABSOLUTE_SECONDS``, 10 hours after sign-in) → anonymous. Signing in again
revokes the browser's previous row (a new id: no fixation, and an old copy of the cookie is
dead); signing out revokes it at once. The page warns two minutes before the idle limit and
offers to stay signed in. The Flask-Login id also carries the person's ``session_epoch``,
raised (with every row revoked) by sign out everywhere and password changes.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, g, session
from flask_login import login_user, logout_user

from core.accounts import sessions as records
from core.accounts.models import User, WebSession

ABSOLUTE_DEFAULT = 10 * 60 * 60
#: The cookie key holding the session id (the row stores only its hash).
SESSION_ID = "session_id"
_CHECKED = "web_session_checked"


def _now() -> datetime:
    # Through ``time`` so the timeout tests can move this module's clock alone.
    return datetime.fromtimestamp(time.time(), UTC)


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    idle = config["PERMANENT_SESSION_LIFETIME"]
    idle = idle if isinstance(idle, timedelta) else timedelta(seconds=int(idle))
    absolute = timedelta(seconds=int(config.get("SESSION_ABSOLUTE_SECONDS", ABSOLUTE_DEFAULT)))
    return idle, absolute


def sign_in(user: User, method: str = "password") -> None:
    """Start a fresh signed-in session for ``user``, ending the browser's previous one."""
    now = _now()
    records.revoke(records.find(session.get(SESSION_ID)), now)
    session.clear()  # nothing from before sign-in survives (no fixation)
    login_user(user)
    _idle, absolute = _limits()
    session_id = records.create(user.id, method, now, absolute)
    session[SESSION_ID] = session_id
    session["signed_in_at"] = session["seen_at"] = int(now.timestamp())
    session.permanent = True
    g.pop(_CHECKED, None)


def sign_out() -> None:
    """End this browser's session: its row is revoked, so a copy of the cookie is anonymous."""
    records.revoke(records.find(session.get(SESSION_ID)), _now())
    logout_user()
    session.clear()
    g.pop(_CHECKED, None)


def _check(now: datetime) -> tuple[WebSession | None, str | None]:
    """This request's row and why it cannot be used (None if it can); once per request."""
    if _CHECKED not in g:
        record = records.find(session.get(SESSION_ID))
        idle, _absolute = _limits()
        reason = records.problem(record, now, idle)
        user_id = str(session.get("_user_id", "")).partition(":")[0]
        if reason is None and record is not None and str(record.user_id) != user_id:
            reason = "unknown"  # a row of someone else: never accepted
        g.setdefault(_CHECKED, (record, reason))
    return g.get(_CHECKED)


def is_live(user_id: uuid.UUID) -> bool:
    """Whether the cookie's server-side session is usable and belongs to ``user_id``.

    Flask-Login's user loader asks this, so pages that skip :func:`enforce` (unmatched URLs,
    error pages) cannot see a revoked session as signed in either.
    """
    record, reason = _check(_now())
    return reason is None and record is not None and record.user_id == user_id


def enforce() -> None:
    """Before each request: sign out a dead, idle or too-old session, else note the activity."""
    if "_user_id" not in session:
        return
    now = _now()
    record, reason = _check(now)
    if reason is not None or record is None:
        logout_user()
        session.clear()
        if reason in ("idle", "expired"):
            flash("You were signed out because you had not done anything for a while.")
        return
    record.last_seen_at = now
    session["seen_at"] = int(now.timestamp())
