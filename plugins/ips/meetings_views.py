"""IPS pages: joint caseload meetings with Job Centre Plus."""

from __future__ import annotations

from core.plugins.api import tenant_ui_blueprint

bp = tenant_ui_blueprint("ips_meetings", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/meetings")
def meetings():
    return "joint caseload meetings with Job Centre Plus (being built)"
