"""A request id for every request: echoed in ``X-Request-ID``, audit events and error bodies."""

from __future__ import annotations

import re
import uuid

from flask import g, has_request_context, request

_ACCEPTED = re.compile(r"^[A-Za-z0-9\-_.]{8,64}$")


def request_id() -> str:
    """This request's id: the caller's ``X-Request-ID`` if well-formed, else a new one."""
    if not has_request_context():
        return g.get("job_id", "") or ""
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _ACCEPTED.match(incoming) else uuid.uuid4().hex
    return g.request_id
