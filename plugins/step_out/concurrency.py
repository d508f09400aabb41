"""Optimistic concurrency for Step Out's API, following core's client API (``core/api/etag.py``).

The Step Out tables have no version column, so the ``ETag`` is the row's id and the time it was
last changed (``updated_at``, which the ``Timestamps`` mixin moves on every UPDATE of the row).
An update without ``If-Match`` is refused with 428; one whose ETag is no longer current with 412
(both problem+json), so two people editing the same referral, application or offer never
silently overwrite each other. ``If-Match: *`` means "whatever is there now".
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import request
from flask_smorest import abort


def etag_for(row: Any) -> str:
    """``"<id>-<microseconds since the epoch of updated_at>"`` (a strong ETag)."""
    changed = row.updated_at
    if changed.tzinfo is None:  # SQLite hands back naive UTC times
        changed = changed.replace(tzinfo=UTC)
    micros = int(changed.timestamp()) * 1_000_000 + changed.microsecond
    return f'"{row.id}-{micros}"'


def with_etag(row: Any, status: int = 200) -> tuple[Any, int, dict[str, str]]:
    """A view's answer: the row, with the ETag the next change must send back."""
    return row, status, {"ETag": etag_for(row)}


def require_if_match(row: Any) -> None:
    """428 without ``If-Match``; 412 when it names neither the current ETag nor ``*``."""
    header = request.headers.get("If-Match")
    if not header:
        abort(428, message="Send If-Match with the ETag you last read, so no change is lost.")
    candidates = {value.strip() for value in header.split(",")}
    if "*" not in candidates and etag_for(row) not in candidates:
        abort(412, message="Someone changed this since you read it. Read it again, then retry.")
