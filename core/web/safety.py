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


_ALWAYS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


def add_security_headers(response: Response) -> Response:
    """Add each header the view did not set itself (one pass: this runs on every response)."""
    headers = response.headers
    present = {key.lower() for key in headers.keys()}  # noqa: SIM118 - Headers, not a dict

    def default(name: str, value: str) -> None:
        if name.lower() not in present:
            headers.add(name, value)

    nonce = g.get("csp_nonce")
    default("Content-Security-Policy", _CSP.format(nonce=f" 'nonce-{nonce}'" if nonce else ""))
    for name, value in _ALWAYS:
        default(name, value)
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        default("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/api/") or response.mimetype == "text/html":
        default("Cache-Control", "no-store")
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
