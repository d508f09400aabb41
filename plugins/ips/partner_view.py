"""Job Centre Plus need-to-know: who may read the IPS summary of a client, and reading it.

A jcp_advisor holds ``ips.partner_read`` (never ``ips.read``): they see the summary of clients
shared with their organisation only — ``find_visible_client`` applies the share rule, so ending
the share ends access at once. IPS staff (``ips.read``) may read the same summary.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort

from core.plugins.api import audit, has_permission

from .common import find_visible_client
from .referral_record import partner_summary

READ, PARTNER_READ = "ips.read", "ips.partner_read"


def can_read_summary() -> bool:
    return has_permission(READ) or has_permission(PARTNER_READ)


def requires_summary_access(view: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``requires(PARTNER_READ)``, but IPS staff (``ips.read``) may pass too."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not can_read_summary():
            abort(403)
        return view(*args, **kwargs)

    wrapper.required_permission = PARTNER_READ  # type: ignore[attr-defined]
    return wrapper


def read_summary(client_id: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The visible client and their IPS summary; the read is audited."""
    client = find_visible_client(client_id)
    audit("ips.summary.read", object_type="client", object_id=client.id, details={})
    return client, partner_summary(client.id)
