"""NHS-style error pages for the web interface (the API answers problem+json instead)."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import HTTPException

from core.request_ids import request_id

_TITLES = {
    400: "There was a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "This page cannot be used that way",
    413: "The file or form you sent is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def error_page(error: HTTPException):
    status = error.code or 500
    title = _TITLES.get(status, "Sorry, there is a problem")
    # Only our own words reach the page: never exception text, a client name or NHS number.
    detail = error.description if status in (400, 413, 429, 503) else None
    response = render_template(
        "errors/error.html",
        status=status,
        title=title,
        detail=detail,
        request_id=request_id(),
    )
    headers = {k: v for k, v in error.get_headers() if k.lower() in {"allow", "retry-after"}}
    return response, status, headers
