"""Refused SSO callbacks are limited per source address (SECURITY A7), counted in real Redis.

A callback that is not the end of a flow this browser started (a forged or replayed one) is
refused and counted; past the limit every callback from that address is 429 until the window
passes, and with the limit store down the callback fails closed (503). The provider is never
contacted here: the state check refuses first.
"""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import app_config, free_port
from tests.security.test_access_limits import NOBODY_LISTENS
from tests.sso.conftest import provider_config, set_providers

CALLBACK = "/sso/tenant-a/jcp/callback?state=forged&code=forged"


@pytest.fixture
def sso_app(database_urls, tmp_path, redis_url, world, admin_engine):
    from core import create_app

    closed = f"http://127.0.0.1:{free_port()}"
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", closed)])

    def build(**overrides):
        (tmp_path / "tenants").mkdir(exist_ok=True)
        config = app_config(
            database_urls,
            tmp_path,
            REDIS_URL=redis_url,
            RATE_LIMIT_KEY_PREFIX=f"test-sso-limits-{uuid.uuid4().hex}",
            RATE_LIMIT_SSO_REFUSALS_PER_ADDRESS="2 per 15 minutes",
        )
        config.update(overrides)
        return create_app(config)

    return build


def test_the_third_refused_callback_from_an_address_is_429(sso_app):
    client = sso_app().test_client()
    assert [client.get(CALLBACK).status_code for _ in range(2)] == [400, 400]
    limited = client.get(CALLBACK)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many sign-ins from this network were refused" in limited.get_data(as_text=True)
    # Another address is not held back by this one's refusals.
    elsewhere = client.get(CALLBACK, environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert elsewhere.status_code == 400


def test_with_the_limit_store_down_the_callback_fails_closed(sso_app):
    client = sso_app(RATE_LIMIT_STORAGE_URL=NOBODY_LISTENS).test_client()
    response = client.get(CALLBACK)
    assert response.status_code == 503
    assert "Sign-in is paused for a moment" in response.get_data(as_text=True)
