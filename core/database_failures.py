"""What a request answers when the database fails it: a generic 503 to retry, nothing saved.

Faults F6 and F10 in SECURITY.md: the connection is lost mid-request (PostgreSQL restarted or
the backend was killed), or the audit write that must accompany a read is refused. The
transaction is rolled back, so nothing half-done is kept, and the answer says to retry without
the database's own words (no SQL, no stack trace); the error is logged with the request id.
"""

from __future__ import annotations

import psycopg
import sqlalchemy as sa
from flask import Flask, Response, current_app
from werkzeug.exceptions import ServiceUnavailable

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


def unavailable(error: BaseException) -> Response:
    """Roll back and answer 503 (problem+json under /api/, the NHS error page elsewhere)."""
    try:
        db.session.rollback()
    except sa.exc.DBAPIError:
        db.session.remove()  # the connection is gone; the pool replaces it
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
        if not is_database_failure(error):
            raise error  # a programming error: the ordinary 500
        return unavailable(error)
