"""The real development OpenID provider (tests/sso/provider, npm ``oidc-provider``), on loopback.

``oidc_provider`` starts ``node server.js`` once per session on a free port with a JSON config
this file writes (clients for the test tenants, demo users); ``skewed_provider`` is a second one
whose clock runs two hours behind, so every ID token it issues has already expired.
``sso_sign_in`` drives a whole sign-in over HTTP: our start URL, the provider's authorization
and interaction pages (a ``requests`` session plays the browser there), back to our callback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import free_port, wait_for_http

PROVIDER_DIR = Path(__file__).resolve().parent / "provider"
APP_BASE = "http://localhost"
TENANTS = ("tenant-a", "tenant-b", "tenant-c")
PROVIDER_NAMES = ("jcp", "college", "other")
SECRETS = {slug: f"test-secret-{slug}" for slug in TENANTS}

DEMO_USERS = {
    "jcp-coach": {
        "sub": "jcp-coach-0001",
        "name": "Jo Coach",
        "email": "partner@tenant-a.example",  # the same address as a local account: never linked
        "groups": ["jcp-work-coach"],
    },
    "college-tutor": {
        "sub": "college-tutor-0001",
        "name": "Ria Tutor",
        "email": "ria.tutor@college.example",
        "groups": ["recovery-college-tutor"],
    },
    "no-role": {
        "sub": "no-role-0001",
        "name": "Noor Visitor",
        "email": "noor@jcp.example",
        "groups": ["jcp-reception"],
    },
}


@dataclass
class Provider:
    """A running dev provider: its issuer, port and the users file tests may rewrite."""

    issuer: str
    port: int
    config_file: Path
    config: dict

    def set_users(self, users: dict) -> None:
        self.config["users"] = users
        self.config_file.write_text(json.dumps(self.config))


def _clients(app_base: str = APP_BASE) -> list[dict]:
    return [
        {
            "client_id": f"{slug}-app",
            "client_secret": SECRETS[slug],
            "redirect_uris": [f"{app_base}/sso/{slug}/{name}/callback" for name in PROVIDER_NAMES],
            "post_logout_redirect_uris": [f"{app_base}/sign-in?tenant={slug}"],
        }
        for slug in TENANTS
    ]


def start_provider(
    tmp: Path, name: str, skew: int = 0, app_base: str = APP_BASE
) -> Iterator[Provider]:
    """Run a dev provider until the generator is closed; ``app_base`` is where the app answers
    (the test client's ``http://localhost``, or a live server's address for the browser)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the SSO tests need Node.js 20+ for oidc-provider")
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is not installed; run `make test` (installs tests/sso/provider)")
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, check=True)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = {
        "port": port,
        "issuer": issuer,
        "clockSkewSeconds": skew,
        "clients": _clients(app_base),
        "users": DEMO_USERS,
    }
    config_file = tmp / f"{name}.json"
    config_file.write_text(json.dumps(config))
    log = (tmp / f"{name}.log").open("w")
    process = subprocess.Popen(
        [node, "server.js"],
        cwd=PROVIDER_DIR,
        env={**os.environ, "OIDC_CONFIG": str(config_file)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_http(f"{issuer}/.well-known/openid-configuration", timeout=15, process=process)
        yield Provider(issuer=issuer, port=port, config_file=config_file, config=config)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    yield from start_provider(tmp_path_factory.mktemp("oidc"), "provider")


@pytest.fixture(scope="session")
def skewed_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    yield from start_provider(tmp_path_factory.mktemp("oidc-skewed"), "skewed", skew=-7200)


@pytest.fixture(autouse=True)
def _client_secrets() -> Iterator[None]:
    """The secrets live in environment variables named by ``client_secret_env``."""
    for slug, secret in SECRETS.items():
        os.environ[f"SSO_TEST_SECRET_{slug.upper().replace('-', '_')}"] = secret
    yield
    from core.sso import client as sso_clients

    sso_clients.forget()


@pytest.fixture(autouse=True)
def _fresh_provider_users(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "oidc_provider" in request.fixturenames:
        request.getfixturevalue("oidc_provider").set_users(DEMO_USERS)


def provider_config(
    slug: str, issuer: str, *, name: str = "jcp", client_id: str | None = None, **extra
) -> dict:
    """A checked ``[[sso]]`` entry (as stored in ``tenant.sso``) for a test tenant."""
    config = {
        "name": name,
        "label": {"jcp": "Job Centre Plus", "college": "Recovery College"}.get(name, "Other"),
        "issuer": issuer,
        "client_id": client_id or f"{slug}-app",
        "client_secret_env": f"SSO_TEST_SECRET_{slug.upper().replace('-', '_')}",
        "organisation": "jcp",
        "scopes": ["openid", "profile", "email", "groups"],
        "roles": [{"claim": "groups", "contains": "jcp-work-coach", "role": "partner_advisor"}],
        "acr_values": None,
        "required_acr": [],
    }
    config.update(extra)
    return config


def set_providers(admin_engine: sa.Engine, slug: str, providers: list[dict]) -> None:
    """Give a test tenant its providers (what ``tenants sync`` stores from its file)."""
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE tenant SET sso = CAST(:sso AS jsonb) WHERE slug = :slug"),
            {"sso": json.dumps(providers), "slug": slug},
        )


@dataclass
class Journey:
    """What happened: our final response, and the callback URL the provider sent back."""

    response: object
    callback: str | None = None
    provider_response: requests.Response | None = None


def start(client, slug: str, name: str = "jcp"):
    return client.get(f"/sso/{slug}/{name}/start")


def through_provider(authorize_url: str, user: str) -> tuple[str | None, requests.Response]:
    """Play the browser at the provider: follow redirects, choose ``user``, stop at our URL."""
    browser = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _ in range(10):
        response = browser.request(method, url, data=data, allow_redirects=False, timeout=5)
        location = response.headers.get("Location")
        if response.status_code in (302, 303) and location:
            url = urljoin(url, location)
            method, data = "GET", None
            if url.startswith(APP_BASE + "/"):
                return url, response
            continue
        if response.status_code == 200 and "/interaction/" in url:
            method, data = "POST", {"login": user}
            continue
        return None, response
    raise AssertionError("too many redirects at the provider")


def sso_sign_in(client, slug: str, user: str = "jcp-coach", name: str = "jcp") -> Journey:
    """A whole sign-in; ``response`` is our callback's answer (or our start's, if it refused)."""
    first = start(client, slug, name)
    if first.status_code != 302 or first.location.startswith("/"):
        return Journey(response=first)
    callback, provider_response = through_provider(first.location, user)
    if callback is None:
        return Journey(response=None, provider_response=provider_response)
    return Journey(response=client.get(relative(callback)), callback=callback)


def relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def counts(admin_engine: sa.Engine) -> dict[str, int]:
    with admin_engine.connect() as conn:
        return {
            table: conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
            for table in ("user_account", "membership", "sso_identity")
        }


def audit_events(admin_engine: sa.Engine, action: str) -> list[dict]:
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT tenant_id, action, outcome, details, actor_user_id FROM audit_event "
                "WHERE action = :action ORDER BY at"
            ),
            {"action": action},
        ).mappings()
        return [dict(row) for row in rows]
