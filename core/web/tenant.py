"""The tenant's own pages (``/<tenant>/…``): home and navigation that plugins extend."""

from __future__ import annotations

from flask import g, render_template

from core.accounts.permissions import has_permission, requires
from core.plugins.manager import tenant_hooks
from core.tenancy.blueprints import tenant_ui_blueprint

bp = tenant_ui_blueprint("tenant", __name__)


def navigation() -> list:
    """Navigation items from the tenant's enabled plugins that the viewer may use."""
    items = []
    for batch in tenant_hooks(g.tenant).register_navigation(tenant=g.tenant, viewer=g.membership):
        items.extend(batch)
    return sorted(
        (i for i in items if i.permission is None or has_permission(i.permission)),
        key=lambda i: (i.order, i.label),
    )


@bp.route("/")
@requires("tenant.read")
def home():
    return render_template("web/tenant_home.html", nav=navigation())
