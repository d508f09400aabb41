"""IPS pages: fidelity reviews."""

from __future__ import annotations

from core.plugins.api import tenant_ui_blueprint

bp = tenant_ui_blueprint("ips_fidelity", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/fidelity")
def reviews():
    return "fidelity reviews (being built)"
