"""Tenant administration pages (``/<tenant>/admin/…``): people, organisations, roles, audit log.

This module holds the blueprint, what the pages share (the sub-navigation, role titles) and
the two read-only pages: organisations (managed in the tenant's TOML file by the platform team)
and roles (declared by core and the tenant's plugins). People live in ``admin_people``, the
audit log viewer in ``admin_audit``; both add their routes to this blueprint.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import g, render_template, url_for

from core.accounts.models import ORGANISATION_KINDS, Organisation
from core.accounts.permissions import Role, catalogue, has_permission, requires
from core.extensions import db
from core.tenancy.blueprints import tenant_ui_blueprint

bp = tenant_ui_blueprint("admin", __name__, url_prefix="/admin")

#: The admin pages, in the order of the sub-navigation: (endpoint, label, permission).
SECTIONS = [
    ("admin.people", "People", "memberships.read"),
    ("admin.organisations", "Organisations", "organisations.read"),
    ("admin.roles", "Roles", "memberships.read"),
    ("admin.audit", "Audit log", "audit.read"),
]


def subnav(current: str) -> list[dict[str, Any]]:
    """Links between the admin pages the viewer may open; ``current`` is the page's endpoint."""
    return [
        {"text": label, "href": url_for(endpoint), "current": endpoint == current}
        for endpoint, label, permission in SECTIONS
        if has_permission(permission)
    ]


def tenant_roles() -> list[Role]:
    """Roles that can be given in this tenant: trust roles first, then partner roles."""
    return sorted(catalogue().roles_for(g.tenant), key=lambda r: (r.for_partners, r.title))


def role_title(name: str) -> str:
    """A role's title; a role whose plugin is switched off here keeps its name, marked."""
    entry = catalogue().roles.get(name)
    if entry is None:
        return f"{name} (unknown role)"
    title = entry[1].title
    if entry[1] not in catalogue().roles_for(g.tenant):
        return f"{title} (not available in this tenant)"
    return title


def organisations(*, active_only: bool = False) -> list[Organisation]:
    stmt = sa.select(Organisation).order_by(Organisation.partner, Organisation.name)
    if active_only:
        stmt = stmt.where(Organisation.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def page(template: str, section: str, **context: Any):
    """Render an admin page with its sub-navigation and breadcrumbs."""
    context.setdefault("breadcrumbs", [{"text": g.tenant.name, "href": url_for("tenant.home")}])
    return render_template(template, admin_sections=subnav(section), **context)


@bp.route("/organisations", endpoint="organisations")
@requires("organisations.read")
def organisations_page():
    return page(
        "admin/organisations.html",
        "admin.organisations",
        organisations=organisations(),
        kinds=ORGANISATION_KINDS,
        tenant_file=f"tenants/{g.tenant.slug}.toml",
        page_title="Organisations",
    )


@bp.route("/roles")
@requires("memberships.read")
def roles():
    permissions = catalogue().permissions
    rows = [
        {
            "role": role,
            "permissions": [
                permissions[name][1] for name in sorted(role.permissions) if name in permissions
            ],
        }
        for role in tenant_roles()
    ]
    return page("admin/roles.html", "admin.roles", roles=rows, page_title="Roles")


from core.web import admin_audit, admin_people  # noqa: E402, F401  (they add routes to bp)
