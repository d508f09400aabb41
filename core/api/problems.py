"""RFC 9457 ``application/problem+json`` for every API error, from one place.

Problem types are URNs listed in docs/problems.md. Validation errors carry ``errors``: one
``{"pointer": "#/field", "detail": "…"}`` per message, pointers in JSON Pointer fragment form.
500s say only "Something went wrong" and the request id; the details go to the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, json
from werkzeug.exceptions import HTTPException

from core.request_ids import request_id

PROBLEM_TYPE_PREFIX = "urn:stepping-stones:problem:"
MEDIA_TYPE = "application/problem+json"

#: status → (type slug, title). Types are documented in docs/problems.md.
PROBLEM_TYPES: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorised", "Sign-in required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Changed by someone else"),
    413: ("too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Some of the data is not valid"),
    428: ("precondition-required", "If-Match required"),
    429: ("too-many-requests", "Too many requests"),
    500: ("server-error", "Something went wrong"),
    503: ("unavailable", "Service unavailable"),
}


def _pointer(path: Iterable[str]) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "#/" + "/".join(parts) if parts else "#"


def field_errors(messages: Any, path: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """Flatten marshmallow/webargs messages into ``[{pointer, detail}]``."""
    found: list[dict[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            found.extend(field_errors(value, (*path, str(key))))
    elif isinstance(messages, list | tuple):
        if all(isinstance(m, str) for m in messages):
            found.extend({"pointer": _pointer(path), "detail": m} for m in messages)
        else:
            for item in messages:
                found.extend(field_errors(item, path))
    elif messages is not None:
        found.append({"pointer": _pointer(path), "detail": str(messages)})
    return found


def problem(
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    slug, default_title = PROBLEM_TYPES.get(status, ("error", "Error"))
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug,
        "title": title or default_title,
        "status": status,
        "detail": detail or default_title,
        "instance": f"urn:request:{request_id()}",
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def from_http_exception(error: HTTPException) -> Response:
    """A problem response for any werkzeug/flask-smorest HTTP error, keeping its headers."""
    status = error.code or 500
    # Our own words for client errors and for 503 (what to do: retry); never a crash's text.
    detail = error.description if status < 500 or status == 503 else None
    errors = None
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") if isinstance(data, dict) else None
    message = data.get("message") if isinstance(data, dict) else None
    if message and detail is not None:
        # Our own words from ``flask_smorest.abort(status, message=…)`` (what to do about a 412
        # or 428), rather than werkzeug's generic description of the status.
        detail = str(message)
    if messages:
        # webargs nests messages under the location ("json", "query"); the pointer is the field.
        flat: Any = messages
        if isinstance(messages, Mapping) and len(messages) == 1:
            flat = next(iter(messages.values()))
        errors = field_errors(flat)
        detail = "Check the fields listed in errors."
    if status == 400 and "Invalid JSON body." in str(messages or detail):
        detail, errors = "The request body is not valid JSON.", None
    headers = {}
    for key, value in error.get_headers():
        if key.lower() in {"allow", "retry-after", "www-authenticate", "etag"}:
            headers[key] = value
    if status == 401 and "WWW-Authenticate" not in headers:
        headers["WWW-Authenticate"] = 'Bearer realm="stepping-stones"'
    if getattr(error, "headers", None):
        headers.update({k: v for k, v in dict(error.headers).items() if k.lower() == "etag"})
    return problem(status, detail, errors=errors, headers=headers)
