"""Blueprints whose URLs carry a tenant: ``/<tenant>/…`` (UI) and ``/api/v1/<tenant>/…`` (API).

Their ``url_value_preprocessor`` resolves the slug before any view runs, in this order, so that
nothing leaks whether a tenant or an object exists:

1. who is asking (UI: the signed-in person, else a redirect to sign in; API: the bearer token,
   else 401);
2. the tenant: unknown, suspended or malformed slugs are 404;
3. the membership: a person with no active membership there gets 404, never 403;
4. the plugin: a plugin's routes are 404 for a tenant that has not switched it on.

Nothing ever reads the tenant from a form field, header or JSON body.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, request
from flask_login import current_user

from core.extensions import db
from core.tenancy.context import activate_tenant
from core.tenancy.models import Tenant

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{0,38}[a-z0-9]$")


class SignInRequired(Exception):
    """The UI needs a signed-in person; the web layer turns this into a redirect."""


class Unauthorised(Exception):
    """The API needs a valid bearer token; the API layer turns this into a 401 problem."""


@functools.cache
def _tenant_lookup(dialect: str) -> sa.Select:
    """The tenant by slug; on PostgreSQL the RLS setting travels with it (one round trip instead
    of two; harmless for a suspended tenant: 404 below, and the transaction rolls back).
    Built once per dialect: every request runs it."""
    query = sa.select(Tenant).where(Tenant.slug == sa.bindparam("slug"))
    if dialect == "postgresql":
        query = query.add_columns(
            sa.func.set_config("app.current_tenant", sa.cast(Tenant.id, sa.String), True)
        )
    return query


def _find_tenant(slug: str) -> Tenant:
    if not SLUG_PATTERN.match(slug or ""):
        abort(404)
    tenant = g.get("tenant")
    if tenant is not None and tenant.slug == slug:
        return tenant
    row = db.session.execute(_tenant_lookup(db.engine.dialect.name), {"slug": slug}).first()
    tenant = row[0] if row is not None else None
    if tenant is None or not tenant.is_active:
        abort(404)
    g.tenant_settings_applied = tenant.id
    return tenant


def _check_plugin(tenant: Tenant) -> None:
    owners = current_app.extensions["stepping_stones.blueprint_plugins"]
    plugin = owners.get((request.blueprint or "").split(".")[0])
    if plugin is not None and plugin not in tenant.enabled_plugins:
        abort(404)


def enter_tenant_ui(slug: str) -> None:
    """Resolve the tenant of a UI request for the signed-in person."""
    from core.accounts.membership import membership_of

    if not current_user.is_authenticated:
        raise SignInRequired()
    tenant = _find_tenant(slug)
    activate_tenant(tenant)
    membership = membership_of(current_user.id)
    if membership is None:
        abort(404)
    g.membership = membership
    _check_plugin(tenant)


def enter_tenant_api(slug: str) -> None:
    """Resolve the tenant of an API request from its bearer token."""
    from core.accounts import tokens

    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorised("Send a personal access token: Authorization: Bearer sst_…")
    tenant = _find_tenant(slug)
    activate_tenant(tenant)
    found = tokens.authenticate(secret.strip())
    if found is None:
        raise Unauthorised("The token is not valid for this tenant, has expired or was revoked.")
    token, membership = found
    g.membership, g.api_token = membership, token
    g._login_user = membership.user  # Flask-Login's current_user for this request only
    # Noted for later transactions only: inside a tenant the user setting changes nothing
    # (the own-memberships policy applies outside any tenant), so no extra round trip now.
    g.rls_user_id = membership.user_id
    _check_plugin(tenant)


def _pop_tenant(values: dict[str, Any] | None) -> str:
    if not values or "tenant" not in values:
        abort(404)
    return values.pop("tenant")


def _keep_tenant(_endpoint: str, values: dict[str, Any]) -> None:
    if "tenant" not in values and g.get("tenant") is not None:
        values["tenant"] = g.tenant.slug


def tenant_ui_blueprint(name: str, import_name: str, url_prefix: str = "", **kw: Any) -> Blueprint:
    """A UI blueprint under ``/<tenant>{url_prefix}``, resolved and gated as described above."""
    bp = Blueprint(name, import_name, url_prefix=f"/<tenant>{url_prefix}", **kw)
    bp.url_value_preprocessor(lambda _e, values: enter_tenant_ui(_pop_tenant(values)))
    bp.url_defaults(_keep_tenant)
    return bp


def tenant_api_blueprint(name: str, import_name: str, url_prefix: str = "", **kw: Any) -> Any:
    """A flask-smorest blueprint under ``/api/v1/<tenant>{url_prefix}``."""
    from flask_smorest import Blueprint as ApiBlueprint

    bp = ApiBlueprint(name, import_name, url_prefix=f"/api/v1/<tenant>{url_prefix}", **kw)
    bp.url_value_preprocessor(lambda _e, values: enter_tenant_api(_pop_tenant(values)))
    bp.url_defaults(_keep_tenant)
    return bp
