"""IPS pages: client satisfaction surveys."""

from __future__ import annotations

from core.plugins.api import tenant_ui_blueprint

bp = tenant_ui_blueprint("ips_surveys", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/surveys")
def summary():
    return "client satisfaction surveys (being built)"
