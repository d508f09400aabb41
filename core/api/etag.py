"""Optimistic concurrency: ``ETag`` from a row's version, ``If-Match`` required on updates.

Nobody silently overwrites a colleague's change: an update without ``If-Match`` is 428, one
with a stale version is 412 (both problem+json).
"""

from __future__ import annotations

from flask import request
from flask_smorest import abort


def etag_for(obj: object) -> str:
    return f'"{obj.id}-{obj.version}"'  # type: ignore[attr-defined]


def require_if_match(obj: object) -> None:
    header = request.headers.get("If-Match")
    if not header:
        abort(428, message="Send If-Match with the ETag you last read, so no change is lost.")
    candidates = {value.strip() for value in header.split(",")}
    if "*" not in candidates and etag_for(obj) not in candidates:
        abort(412, message="Someone changed this since you read it. Read it again, then retry.")
