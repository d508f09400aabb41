"""Optimistic concurrency: every updatable row has an ``ETag``; updates must send ``If-Match``.

Nobody silently overwrites a colleague's change: an update without ``If-Match`` is 428, one
with a stale ETag is 412 (both problem+json); ``If-Match: *`` means "whatever is there now".
Core and plugins share this one implementation (plugins through ``core.plugins.api``).

A row whose model has an ORM version counter (``version_id_col``, as clients and memberships
do) is tagged ``"<id>-<version>"``; any other row ``"<id>-<updated_at in µs since 1970>"``,
which the ``Timestamps`` mixin moves on every UPDATE of the row (and :func:`touch` when only
its children changed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import request
from flask_smorest import abort

from core.columns import utcnow

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

MISSING_MESSAGE = "Send If-Match with the ETag you last read, so no change is lost."
STALE_MESSAGE = "Someone changed this since you read it. Read it again, then retry."


def etag_for(row: Any) -> str:
    """The row's current strong ETag.

    Flushes the row's session first, so a change just made (and not yet written) has already
    moved the version or ``updated_at`` the tag is made from.
    """
    state = sa.inspect(row, raiseerr=False)
    if state is not None and state.session is not None:
        state.session.flush()
    version = _version_attribute(state)
    if version is not None:
        return f'"{row.id}-{getattr(row, version)}"'
    return f'"{row.id}-{_micros_since_epoch(row.updated_at)}"'


def require_if_match(row: Any) -> None:
    """428 without ``If-Match``; 412 when it names neither the row's current ETag nor ``*``."""
    header = request.headers.get("If-Match")
    if not header:
        abort(428, message=MISSING_MESSAGE)
    candidates = {value.strip() for value in header.split(",")}
    if "*" not in candidates and etag_for(row) not in candidates:
        abort(412, message=STALE_MESSAGE)


def with_etag(row: Any, status: int = 200, *, body: Any = None) -> tuple[Any, int, dict[str, str]]:
    """A view's answer: ``body`` (the row itself by default) with the row's ETag, the one the
    next change must send back."""
    return (row if body is None else body), status, {"ETag": etag_for(row)}


def touch(row: Any) -> None:
    """Mark ``row`` changed even when only its children changed (scores, attendees), so its
    ETag moves on with every accepted update."""
    row.updated_at = utcnow()


def guarded_update(row: Any, change: Callable[[Any], Any]) -> tuple[Any, int, dict[str, str]]:
    """Apply ``change(row)`` only if the caller read the current version (``If-Match``), and
    answer what it returned (the row when it returned None) with the new ETag."""
    require_if_match(row)
    body = change(row)
    touch(row)
    return with_etag(row, body=body)


def _version_attribute(state: Any) -> str | None:
    """The attribute holding the model's ORM version counter, if it declares one."""
    if state is None or state.mapper.version_id_col is None:
        return None
    return state.mapper.get_property_by_column(state.mapper.version_id_col).key


def _micros_since_epoch(stamp: datetime) -> int:
    """Whole microseconds since 1970 UTC; naive times (SQLite gives those) are read as UTC, so
    PostgreSQL's aware times in any zone and SQLite's naive ones tag the same instant alike."""
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return (stamp - _EPOCH) // _MICROSECOND
