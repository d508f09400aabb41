"""IPS REST API: fidelity reviews."""

from __future__ import annotations

from core.plugins.api import tenant_api_blueprint

blp = tenant_api_blueprint(
    "ips_fidelity_api", __name__, url_prefix="/ips", description="IPS fidelity reviews"
)
