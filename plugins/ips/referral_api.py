"""IPS REST API: referrals, vocational profile, benefits advice, caseloads."""

from __future__ import annotations

from core.plugins.api import tenant_api_blueprint

blp = tenant_api_blueprint(
    "ips_api", __name__, url_prefix="/ips", description="IPS referrals, profiles and caseloads"
)
