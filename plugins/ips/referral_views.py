"""IPS pages: caseloads, referrals, vocational profile and plan, benefits advice."""

from __future__ import annotations

from core.plugins.api import tenant_ui_blueprint

bp = tenant_ui_blueprint("ips", __name__, url_prefix="/ips", template_folder="templates")


@bp.get("/")
def caseload():
    return "IPS caseload (being built)"
