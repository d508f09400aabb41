"""IPS pages: employers and their contacts, starts, in-work support, retention."""

from __future__ import annotations

from core.plugins.api import tenant_ui_blueprint

bp = tenant_ui_blueprint("ips_work", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/employers")
def employers():
    return "employers (being built)"
