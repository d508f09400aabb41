"""Restricting and lifting a client's processing (UK GDPR Art. 18) the way the information
governance lead does it: a rights decision through the API. The world's ``admin`` holds the
``information_governance`` role, so ``tenant.auth()`` may decide."""

from __future__ import annotations

from datetime import date

from tests.factories import TenantData

REASON = "Restricted while the accuracy of the record is checked (Art. 18(1)(a))."


def _decide(client, tenant: TenantData, client_id, request: str, action: str) -> None:
    response = client.post(
        f"/api/v1/{tenant.slug}/clients/{client_id}/rights-decisions",
        json={
            "request": request,
            "action": action,
            "received_on": date.today().isoformat(),
            "reason": REASON,
        },
        headers=tenant.auth(),
    )
    assert response.status_code == 201, response.get_data(as_text=True)


def restrict(client, tenant: TenantData, client_id) -> None:
    """Accept a restriction request: ``client_id`` is restricted from now on."""
    _decide(client, tenant, client_id, "restriction", "restrict")


def lift(client, tenant: TenantData, client_id) -> None:
    """Accept a request to lift the restriction: processing may resume."""
    _decide(client, tenant, client_id, "lift_restriction", "lift")
