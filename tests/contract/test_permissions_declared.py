"""SECURITY.md A6: every route declares the permission it needs, or that it is public.

Walks the URL map of the application with the canary plugin installed, so plugin routes are
checked too. ``@requires`` sets ``required_permission``; ``@public`` sets ``is_public``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

#: Endpoints that legitimately carry neither mark, and why.
ALLOWLIST = {
    # Flask's own static files (CSS, JavaScript, the NHS frontend, Swagger UI's assets).
    "static": "static assets; no data",
    # flask-smorest's documentation views: the OpenAPI description and the Swagger UI page
    # that reads it. They describe the API's shape and expose no tenant data.
    "api-docs.openapi_json": "public API description",
    "api-docs.openapi_swagger_ui": "public API documentation page",
}

#: Methods Flask answers on its own (HEAD runs GET's view, OPTIONS is automatic).
AUTOMATIC = {"HEAD", "OPTIONS"}


def view_handlers(app: Flask) -> Iterator[tuple[str, str, str, Callable[..., Any]]]:
    """(endpoint, rule, HTTP method, the function that runs) for every route in the app."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        for method in sorted((rule.methods or set()) - AUTOMATIC):
            if view_class is not None:
                handler = getattr(view_class, method.lower(), None)
                assert handler is not None, f"{rule.endpoint}: {method} has no handler"
                yield rule.endpoint, rule.rule, method, handler
            else:
                yield rule.endpoint, rule.rule, method, view


def declared(handler: Callable[..., Any]) -> str | None:
    """The handler's declaration: its permission, "public", or None for neither."""
    if getattr(handler, "is_public", False) is True:
        return "public"
    permission = getattr(handler, "required_permission", None)
    return permission if isinstance(permission, str) and permission else None


def test_the_walk_sees_core_and_plugin_routes(app: Flask):
    endpoints = {endpoint for endpoint, *_ in view_handlers(app)}
    assert {"tenant.home", "web.sign_in", "accounts_api.Me"} <= endpoints
    assert {"canary.notes", "canary_api.Notes", "canary_api.NoteById"} <= endpoints


def test_every_route_declares_a_permission_or_public(app: Flask):
    undeclared = sorted(
        f"{method} {rule} ({endpoint})"
        for endpoint, rule, method, handler in view_handlers(app)
        if endpoint not in ALLOWLIST and declared(handler) is None
    )
    assert undeclared == [], "use @requires(...) or @public on these views"


def test_allowlist_is_not_stale(app: Flask):
    assert set(ALLOWLIST) <= set(app.view_functions)


def test_tenant_routes_are_never_public(app: Flask):
    """A route under /<tenant>/ or /api/v1/<tenant>/ always works on tenant data."""
    public_tenant_routes = sorted(
        f"{method} {rule}"
        for endpoint, rule, method, handler in view_handlers(app)
        if "<tenant>" in rule and declared(handler) == "public"
    )
    assert public_tenant_routes == []


def test_every_required_permission_is_declared(app: Flask):
    catalogue = app.extensions["stepping_stones.catalogue"]
    unknown = sorted(
        f"{method} {rule}: {declared(handler)}"
        for endpoint, rule, method, handler in view_handlers(app)
        if declared(handler) not in (None, "public")
        and declared(handler) not in catalogue.permissions
    )
    assert unknown == []


def test_every_role_names_only_declared_permissions(app: Flask):
    catalogue = app.extensions["stepping_stones.catalogue"]
    assert catalogue.roles, "no roles at all"
    for name, (_owner, role) in catalogue.roles.items():
        assert role.permissions, f"role {name} grants nothing"
        assert role.permissions <= set(catalogue.permissions), name
    catalogue.check()


def test_plugin_permissions_are_named_after_their_plugin(app: Flask):
    catalogue = app.extensions["stepping_stones.catalogue"]
    for name, (owner, _permission) in catalogue.permissions.items():
        if owner != "core":
            assert name.startswith(f"{owner}."), f"{name} belongs to {owner}"


@pytest.mark.parametrize("mark", ["requires", "public"])
def test_the_marks_survive_wrapping(mark: str):
    """The attribute the walk reads is on the function Flask calls, however it is decorated."""
    from functools import wraps

    from core.accounts.permissions import public, requires

    def view() -> str:
        return "ok"

    marked = requires("tenant.read")(view) if mark == "requires" else public(view)

    @wraps(marked)
    def outer() -> str:
        return marked()

    assert declared(outer) == ("tenant.read" if mark == "requires" else "public")
