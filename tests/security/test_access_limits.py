"""Limits on bulk exports and searches (SECURITY A7), counted in real Redis.

The shared test app lifts these limits (one address serves every test); the apps here keep the
product's defaults unless a test lowers one to stay short. Each test counts under its own Redis
key prefix, so tests never see each other's counts. "Redis down" is a real refused connection:
the limit store points at a port nothing listens on.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import UNLIMITED, app_config
from tests.factories import PASSWORD

NOBODY_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def limited_app(database_urls, tmp_path, redis_url):
    """Build an app with the product's limits; ``overrides`` lower or redirect them."""
    from core import create_app

    def build(**overrides):
        (tmp_path / "tenants").mkdir(exist_ok=True)
        config = app_config(
            database_urls,
            tmp_path,
            REDIS_URL=redis_url,
            RATE_LIMIT_KEY_PREFIX=f"test-limits-{uuid.uuid4().hex}",
        )
        for name in UNLIMITED:
            del config[name]  # the product's defaults
        config.update(overrides)
        return create_app(config)

    return build


def _status(client, url: str, **kw) -> int:
    """GET and read the body to its end (a streamed export holds its context until then)."""
    response = client.get(url, **kw)
    response.get_data()
    response.close()
    return response.status_code


def _audited(admin_engine, action: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM audit_event WHERE action = :a"), {"a": action}
        ).scalar_one()


def test_the_eleventh_export_in_an_hour_is_429_with_retry_after(limited_app, world, admin_engine):
    client = limited_app().test_client()
    url = f"/api/v1/{world.a.slug}/clients/export.csv"
    for _ in range(10):
        assert _status(client, url, headers=world.a.auth()) == 200
    refused = client.get(url, headers=world.a.auth())
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert "10 per 1 hour" in refused.json["detail"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert _audited(admin_engine, "client.export") == 10  # the refused one exported nothing
    assert _audited(admin_engine, "export.limited") == 1


def test_subject_access_exports_count_against_the_same_limit(limited_app, world):
    client = limited_app(RATE_LIMIT_EXPORT="2 per hour").test_client()
    client_id = world.a.ids["client"][0]
    csv = _status(client, f"/api/v1/{world.a.slug}/clients/export.csv", headers=world.a.auth())
    assert csv == 200
    sar = f"/api/v1/{world.a.slug}/clients/{client_id}/export"
    assert client.get(sar, headers=world.a.auth()).status_code == 200
    assert client.get(sar, headers=world.a.auth()).status_code == 429


def test_the_limit_is_per_person_and_per_address(limited_app, world):
    client = limited_app(
        RATE_LIMIT_EXPORT="2 per hour", RATE_LIMIT_EXPORT_PER_ADDRESS="3 per hour"
    ).test_client()
    url = f"/api/v1/{world.a.slug}/clients/export.csv"
    admin, partner = world.a.auth("admin"), world.a.auth("partner")
    assert [_status(client, url, headers=admin) for _ in range(3)] == [200, 200, 429]
    # Another person from the same address: the address has one export left.
    assert _status(client, url, headers=partner) == 200
    assert _status(client, url, headers=partner) == 429
    # The same person from another address is still over their own limit.
    elsewhere = _status(client, url, headers=admin, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere == 429


def test_searches_are_limited_but_plain_lists_are_not(limited_app, world):
    client = limited_app(RATE_LIMIT_SEARCH="3 per hour").test_client()
    base = f"/api/v1/{world.a.slug}/clients"
    for _ in range(5):  # one's own list, by status: not a search
        assert client.get(f"{base}?status=open", headers=world.a.auth()).status_code == 200
    searches = [f"{base}?q=Morgan", f"{base}?nhs_number=9990000018", f"{base}?local_id=X1"]
    assert [client.get(u, headers=world.a.auth()).status_code for u in searches] == [200] * 3
    refused = client.get(f"{base}?date_of_birth=1990-04-01", headers=world.a.auth())
    assert refused.status_code == 429
    assert "searches" in refused.json["detail"]


def test_when_redis_is_down_exports_stop_and_reads_go_on(limited_app, world, admin_engine):
    client = limited_app(
        RATE_LIMIT_STORAGE_URL=NOBODY_LISTENS, RATE_LIMIT_SEARCH_FALLBACK="2 per hour"
    ).test_client()
    base = f"/api/v1/{world.a.slug}/clients"
    export = client.get(f"{base}/export.csv", headers=world.a.auth())
    assert export.status_code == 503
    assert export.mimetype == "application/problem+json"
    assert export.headers["Retry-After"] == "60"
    assert "Nothing was exported" in export.json["detail"]
    assert _audited(admin_engine, "client.export") == 0
    client_id = world.a.ids["client"][0]
    assert client.get(f"{base}/{client_id}", headers=world.a.auth()).status_code == 200
    assert client.get(base, headers=world.a.auth()).status_code == 200
    # Searches go on under the low per-process cap.
    statuses = [client.get(f"{base}?q=Morgan", headers=world.a.auth()).status_code for _ in "abc"]
    assert statuses == [200, 200, 429]


def test_the_web_export_shows_the_nhs_error_page_over_the_limit(limited_app, world):
    client = limited_app(RATE_LIMIT_EXPORT="1 per hour").test_client()
    signed_in = client.post(
        "/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    url = f"/{world.a.slug}/clients/export.csv"
    assert _status(client, url) == 200
    refused = client.get(url)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html"
    assert "limit of 1 per 1 hour for exports" in page


def test_a_limit_that_is_not_a_limit_stops_start_up(limited_app):
    with pytest.raises(ValueError):
        limited_app(RATE_LIMIT_EXPORT="ten an hour")
