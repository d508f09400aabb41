"""IPS REST API: joint caseload meetings with Job Centre Plus."""

from __future__ import annotations

from core.plugins.api import tenant_api_blueprint

blp = tenant_api_blueprint(
    "ips_meetings_api",
    __name__,
    url_prefix="/ips",
    description="IPS joint caseload meetings with Job Centre Plus",
)
