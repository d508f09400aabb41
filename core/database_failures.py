"""What a request answers when the database fails it: a generic 503 to retry, nothing saved.

A second case is not a failure but a lost race: two requests both checked that a value was free
(an NHS number, a local id) and both wrote it; the database's unique index refuses the second.
That one answers 409 "someone saved the same thing at the same moment", also nothing saved.

Faults F6 and F10 in SECURITY.md: the connection is lost mid-request (PostgreSQL restarted or
the backend was killed), or the audit write that must accompany a read is refused. The
transaction is rolled back, so nothing half-done is kept, and the answer says to retry without
the database's own words (no SQL, no stack trace); the error is logged with the request id.
"""

from __future__ import annotations

import psycopg
import sqlalchemy as sa
from flask import Flask, Response, current_app
from werkzeug.exceptions import Conflict, ServiceUnavailable

from core.extensions import db

RETRY_AFTER_SECONDS = 5


def is_database_failure(error: BaseException) -> bool:
    """A failure of the database or of a refused write, not a bug in a statement."""
    if isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError):
        return True
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.ProgrammingError) and isinstance(
        error.orig, psycopg.errors.InsufficientPrivilege
    )


#: SQLSTATEs of a constraint that another transaction's committed write made us break.
_RACE_STATES = {"23505", "23503"}  # unique_violation, foreign_key_violation


def is_lost_race(error: BaseException) -> bool:
    """A unique or foreign-key violation: another request saved a clashing row (or removed the
    one referred to) between our check and our write. Other integrity errors are bugs (a 500)."""
    if not isinstance(error, sa.exc.IntegrityError):
        return False
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return state in _RACE_STATES
    message = str(error.orig)  # SQLite (``make run``) has no SQLSTATE
    return message.startswith(("UNIQUE constraint failed", "FOREIGN KEY constraint failed"))


def _roll_back() -> None:
    try:
        db.session.rollback()
    except sa.exc.DBAPIError:
        db.session.remove()  # the connection is gone; the pool replaces it


def lost_race(error: BaseException) -> Response:
    """Roll back and answer 409: the person reloads, sees what the other request saved, and
    decides again (the usual duplicate checks then apply)."""
    _roll_back()
    answer = Conflict(
        "Someone else saved a record that clashes with this one at the same moment. Nothing "
        "was saved. Reload the page or record and check it before trying again."
    )
    answer.original_exception = error
    api = current_app.extensions["stepping_stones.api"]
    return current_app.make_response(api.handle_http_exception(answer))


def answer_for(error: sa.exc.DBAPIError) -> Response | None:
    """The answer for a database error a request cannot help, or None for a bug (a 500)."""
    if is_database_failure(error):
        return unavailable(error)
    if is_lost_race(error):
        return lost_race(error)
    return None


def unavailable(error: BaseException) -> Response:
    """Roll back and answer 503 (problem+json under /api/, the NHS error page elsewhere)."""
    _roll_back()
    answer = ServiceUnavailable(
        "The service could not reach its database. Nothing was saved. Please retry in a moment."
    )
    answer.retry_after = RETRY_AFTER_SECONDS
    answer.original_exception = error  # logged with the request id, never shown
    api = current_app.extensions["stepping_stones.api"]
    return current_app.make_response(api.handle_http_exception(answer))


def install(app: Flask) -> None:
    @app.errorhandler(sa.exc.DBAPIError)
    def _database_failed(error: sa.exc.DBAPIError):  # type: ignore[no-untyped-def]
        answer = answer_for(error)
        if answer is None:
            raise error  # a programming error: the ordinary 500
        return answer
