"""What every page needs: the NHS.UK Jinja components, a CSP nonce, the navigation, timeouts."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, g, request, url_for
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader


def init_templates(app: Flask) -> None:
    """Load our templates first, then nhsuk-frontend-jinja's components (as its README says)."""
    app.jinja_options = {**app.jinja_options, "undefined": ChainableUndefined}
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [FileSystemLoader(app.root_path + "/templates"), PackageLoader("nhsuk_frontend_jinja")]
    )
    app.context_processor(_page_context)
    from core.web import filters

    filters.register(app)


def csp_nonce() -> str:
    """A fresh nonce per request for the one inline script the NHS.UK page template needs."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


#: Core's own sections after Clients: (order, label, endpoint, permission).
CORE_SECTIONS = [
    (700, "Reports", "reports.index", "reports.read"),
    (710, "Jobs", "jobs.list", "jobs.read"),
]


def plugin_navigation() -> list[Any]:
    """The tenant's plugins' navigation items the viewer may use, asked once per request
    (the header and the home page's service cards both show them)."""
    from core.accounts.permissions import has_permission
    from core.plugins.manager import tenant_hooks

    if "plugin_navigation" not in g:
        tenant, membership = g.get("tenant"), g.get("membership")
        items = []
        if tenant is not None and membership is not None:
            for batch in tenant_hooks(tenant).register_navigation(tenant=tenant, viewer=membership):
                items.extend(batch)
        g.plugin_navigation = sorted(
            (i for i in items if i.permission is None or has_permission(i.permission)),
            key=lambda i: (i.order, i.label),
        )
    return g.plugin_navigation


def tenant_navigation() -> list[dict[str, Any]]:
    """Main navigation for a tenant page: core's items, then the tenant's plugins' items."""
    from core.accounts.permissions import has_permission

    tenant, membership = g.get("tenant"), g.get("membership")
    if tenant is None or membership is None:
        return []
    items: list[tuple[int, str, str]] = [(0, "Home", url_for("tenant.home"))]
    if has_permission("clients.read") and "clients.list" in current_app.view_functions:
        items.append((10, "Clients", url_for("clients.list")))
    views = current_app.view_functions
    for order, label, endpoint, permission in CORE_SECTIONS:
        if endpoint in views and has_permission(permission):
            items.append((order, label, url_for(endpoint)))
    for item in plugin_navigation():
        items.append((item.order, item.label, url_for(item.endpoint)))
    if has_permission("memberships.read") and "admin.people" in current_app.view_functions:
        items.append((900, "Admin", url_for("admin.people")))
    items.sort(key=lambda i: (i[0], i[1]))
    return [
        {
            "text": label,
            "href": href,
            "current": request.path == href
            or (href != url_for("tenant.home") and request.path.startswith(href)),
        }
        for _order, label, href in items
    ]


def _page_context() -> dict[str, Any]:
    return {
        "cspNonce": csp_nonce(),
        "nav_items": tenant_navigation() if g.get("tenant") is not None else [],
        "session_timeout_seconds": int(current_app.config["PERMANENT_SESSION_LIFETIME"]),
    }
