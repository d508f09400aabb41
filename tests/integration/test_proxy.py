"""Behind a reverse proxy (SECURITY A7): whose address the per-address sign-in limit counts.

Every request reaches the app from the proxy's address, so without ``TRUSTED_PROXY_HOPS`` one
person's failures would lock everyone out. With ``TRUSTED_PROXY_HOPS=1`` the address comes from
the proxy's ``X-Forwarded-For``; with the default 0 that header is ignored, so nobody can forge
it to get a fresh allowance of attempts.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import app_config
from tests.factories import PASSWORD

PER_ADDRESS = 3
SETTINGS = {"SIGN_IN_MAX_FAILURES_PER_ADDRESS": PER_ADDRESS}


@pytest.fixture(scope="module")
def proxied_app(database_urls, tmp_path_factory):
    from core import create_app

    tmp = tmp_path_factory.mktemp("proxied")
    (tmp / "tenants").mkdir()
    return create_app(app_config(database_urls, tmp, TRUSTED_PROXY_HOPS=1, **SETTINGS))


def attempt(client, email: str, password: str, forwarded_for: str):
    """A sign-in arriving from the proxy (127.0.0.1) on behalf of ``forwarded_for``."""
    return client.post(
        "/sign-in",
        data={"email": email, "password": password},
        headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"},
    )


def fail_from(client, forwarded_for: str, times: int) -> None:
    """Failures for different, unknown emails: only the per-address limit can be reached."""
    for n in range(times):
        response = attempt(client, f"nobody-{n}@nowhere.example", "wrong password", forwarded_for)
        assert response.status_code == 200


def failure_addresses(admin_engine) -> set[str]:
    with admin_engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT source_address FROM sign_in_failure")).scalars())


def test_with_one_trusted_hop_the_forwarded_address_is_the_one_throttled(
    proxied_app, world, admin_engine
):
    client = proxied_app.test_client()
    fail_from(client, "203.0.113.7", PER_ADDRESS)
    assert failure_addresses(admin_engine) == {"203.0.113.7"}
    email = world.a.emails["admin"]
    assert attempt(client, email, PASSWORD, "203.0.113.7").status_code == 429
    # Someone else behind the same proxy is not locked out by those failures.
    assert attempt(client, email, PASSWORD, "203.0.113.8").status_code == 302


def test_with_one_trusted_hop_only_the_address_the_proxy_saw_counts(
    proxied_app, world, admin_engine
):
    """A client's own X-Forwarded-For entries come before the proxy's; they are not trusted."""
    client = proxied_app.test_client()
    for n in range(PER_ADDRESS):
        attempt(client, f"nobody-{n}@nowhere.example", "wrong", f"10.0.0.{n}, 203.0.113.7")
    assert failure_addresses(admin_engine) == {"203.0.113.7"}
    assert (
        attempt(client, world.a.emails["admin"], PASSWORD, "1.2.3.4, 203.0.113.7").status_code
        == 429
    )


def test_without_trusted_hops_a_forged_forwarded_address_is_ignored(
    app, client, world, admin_engine, monkeypatch
):
    assert app.config["TRUSTED_PROXY_HOPS"] == 0  # the default
    for name, value in SETTINGS.items():
        monkeypatch.setitem(app.config, name, value)
    for n in range(PER_ADDRESS):  # a fresh forged address every time
        attempt(client, f"nobody-{n}@nowhere.example", "wrong password", f"198.51.100.{n}")
    assert failure_addresses(admin_engine) == {"127.0.0.1"}
    assert attempt(client, world.a.emails["admin"], PASSWORD, "198.51.100.99").status_code == 429


def test_trusted_proxy_hops_is_read_from_the_environment(monkeypatch):
    from core import config

    assert config.load({"ENV": "test"})["TRUSTED_PROXY_HOPS"] == 0
    monkeypatch.setenv("STEPPING_STONES_TRUSTED_PROXY_HOPS", "1")
    assert config.load({"ENV": "test"})["TRUSTED_PROXY_HOPS"] == 1
