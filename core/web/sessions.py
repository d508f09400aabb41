"""Session lifetime for the web interface: idle and absolute timeouts, sign-out everywhere.

A signed-in session ends after ``PERMANENT_SESSION_LIFETIME`` (15 minutes) without a request,
or ``SESSION_ABSOLUTE_SECONDS`` (10 hours) after sign-in, whichever comes first. The page warns
two minutes before the idle limit and offers to stay signed in. The session id includes the
person's ``session_epoch``: raising it (sign out everywhere, or an administrator disabling the
account) ends every session at the next request.
"""

from __future__ import annotations

import time

from flask import current_app, flash, session
from flask_login import current_user, logout_user

ABSOLUTE_DEFAULT = 10 * 60 * 60


def start() -> None:
    """Call at sign-in, after ``session.clear()`` and ``login_user``."""
    now = int(time.time())
    session["signed_in_at"] = now
    session["seen_at"] = now
    session.permanent = True


def enforce() -> None:
    """Before each request: sign out an idle or too-old session, else note the activity."""
    if "_user_id" not in session:
        return
    now = int(time.time())
    idle_limit = int(current_app.config["PERMANENT_SESSION_LIFETIME"])
    absolute_limit = int(current_app.config.get("SESSION_ABSOLUTE_SECONDS", ABSOLUTE_DEFAULT))
    seen, started = session.get("seen_at", 0), session.get("signed_in_at", 0)
    if now - seen > idle_limit or now - started > absolute_limit:
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash("You were signed out because you had not done anything for a while.")
        return
    session["seen_at"] = now
