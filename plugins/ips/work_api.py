"""IPS REST API: employers and their contacts, starts, in-work support, retention."""

from __future__ import annotations

from core.plugins.api import tenant_api_blueprint

blp = tenant_api_blueprint(
    "ips_work_api",
    __name__,
    url_prefix="/ips",
    description="IPS employers, starts, in-work support and retention",
)
