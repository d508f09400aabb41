"""IPS REST API: client satisfaction surveys."""

from __future__ import annotations

from core.plugins.api import tenant_api_blueprint

blp = tenant_api_blueprint(
    "ips_surveys_api", __name__, url_prefix="/ips", description="IPS client satisfaction surveys"
)
