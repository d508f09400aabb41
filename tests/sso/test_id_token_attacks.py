"""Forged ID tokens are refused (SECURITY A2): wrong ``aud`` or ``iss``, ``alg: none``, HS256
keyed with the provider's RSA public key, and a key smuggled in a ``jwk`` or ``jku`` header.

A hostile provider on loopback (:mod:`tests.sso.forging_provider`) runs the whole sign-in
correctly and gets exactly one thing wrong in the ID token it returns from its token endpoint.
The genuine case proves the rest of the flow is accepted, so each refusal is the check named
in its ``detail``: with that check gone, the sign-in would succeed or fail differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.conftest import free_port
from tests.sso.conftest import (
    SECRETS,
    audit_events,
    counts,
    provider_config,
    set_providers,
    sso_sign_in,
)
from tests.sso.forging_provider import ForgingProvider, running

pytestmark = pytest.mark.usefixtures("world")

PERSON = {
    "sub": "forged-coach-0001",
    "name": "Fran Forged",
    "email": "fran@jcp.example",
    "groups": ["jcp-work-coach"],  # maps to partner_advisor: a genuine token signs in
}


@pytest.fixture(scope="module")
def forging_provider() -> Iterator[ForgingProvider]:
    clients = {f"{slug}-app": secret for slug, secret in SECRETS.items()}
    with running(free_port(), clients, PERSON) as provider:
        yield provider


@pytest.fixture
def forging(forging_provider, admin_engine) -> Iterator[ForgingProvider]:
    """tenant-a signs in with the forging provider; every test starts with genuine tokens."""
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", forging_provider.issuer)])
    forging_provider.forgery = "genuine"
    forging_provider.attacker_jwks_fetches = 0
    yield forging_provider
    forging_provider.forgery = "genuine"


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        held = "_user_id" in session or "sso" in session
    return held or client.get("/tenant-a/").status_code == 200


def test_genuine_token_from_the_forging_provider_signs_in(client, admin_engine, forging):
    """The control: without a forgery the same flow succeeds, so the refusals below are real."""
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    assert journey.response.status_code == 302
    assert journey.response.location.endswith("/tenant-a/")
    assert _signed_in(client)
    assert counts(admin_engine) == {k: v + 1 for k, v in before.items()}


@pytest.mark.hazard("HAZ-011")
@pytest.mark.parametrize(
    ("forgery", "why"),
    [
        ("wrong_aud", "aud"),
        ("wrong_iss", "iss"),
        ("iss_trailing_slash", "iss"),
        ("alg_none", "UnsupportedAlgorithmError"),
        ("hs256_public_key", "UnsupportedAlgorithmError"),
        ("jwk_header", "BadSignatureError"),
        ("jku_header", "InvalidKeyIdError"),
    ],
)
def test_forged_id_token_is_refused(client, world, admin_engine, forging, forgery, why):
    forging.forgery = forgery
    before = counts(admin_engine)

    journey = sso_sign_in(client, "tenant-a")

    response = journey.response
    assert response is not None and response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<h1>You cannot sign in</h1>" in page
    assert 'data-sso-refusal="invalid_token"' in page
    assert "could not be verified" in page and "nhsuk-grid-row" in page
    # The technical reason is for the audit log only (attribute values — a random CSP nonce
    # may contain "iss" — are left out of the comparison).
    shown = re.sub(r'="[^"]*"', '=""', page)
    assert not _signed_in(client)
    assert counts(admin_engine) == before  # no user, membership or identity
    assert audit_events(admin_engine, "sso.sign_in.success") == []
    event = audit_events(admin_engine, "sso.sign_in.refused")[-1]
    assert event["tenant_id"] == world.a.tenant_id and event["outcome"] == "refused"
    assert event["details"]["reason"] == "invalid_token"
    assert why in event["details"]["detail"]
    assert event["details"]["detail"] not in shown
    # an error class by name; a claim name ("iss", "aud") as the library quotes it
    assert (why if len(why) > 3 else f'"{why}"') not in shown
    # The key is only ever the provider's published one: the jku URL is never dereferenced.
    assert forging.attacker_jwks_fetches == 0
