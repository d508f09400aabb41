"""Browser safety for every response: security headers, and where ``next`` may lead."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Response, current_app, g, request

_CSP = (
    "default-src 'self'; script-src 'self'{nonce}; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    nonce = g.get("csp_nonce")
    response.headers.setdefault(
        "Content-Security-Policy", _CSP.format(nonce=f" 'nonce-{nonce}'" if nonce else "")
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if request.path.startswith("/api/") or response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


_SAFE_PATH = re.compile(r"^/[A-Za-z0-9\-._~/]*$")


def safe_next(target: str | None) -> str | None:
    """An app-relative path to return to after sign-in, or None (open-redirect defence).

    Only a plain path made of unreserved characters is accepted: no scheme, no host, no
    backslash, no percent-encoding, no control characters (``//evil``, ``/\\evil``,
    ``/%09/evil``, ``https:evil`` and ``javascript:`` all fail).
    """
    if not target or len(target) > 512:
        return None
    if not _SAFE_PATH.match(target) or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
