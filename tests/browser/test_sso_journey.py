"""Partner SSO in a real browser (issue 6): a Job Centre Plus work coach signs in with their own
organisation's account, at the real development OpenID provider (npm ``oidc-provider``), and
then sees only the clients shared with Job Centre Plus.

The provider is the one ``tests/sso`` runs, started here with the live server's address in its
clients' redirect URIs (each xdist worker has its own live server, so its own provider). The
journey runs with our Content-Security-Policy in force; axe-core then checks the signed-in pages
in a second context (CSP bypassed, so axe can be injected) that carries the same session cookie.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.support import BrowserWorld, LiveServer, axe_violations, format_violations
from tests.sso.conftest import (
    DEMO_USERS,
    SECRETS,
    Provider,
    audit_events,
    provider_config,
    set_providers,
    start_provider,
)

pytestmark = pytest.mark.browser

T = "/tenant-a"
SECRET_ENV = "SSO_TEST_SECRET_TENANT_A"


@pytest.fixture(scope="module")
def browser_oidc_provider(
    live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Provider]:
    """The dev provider, redirecting back to this worker's live server."""
    yield from start_provider(
        tmp_path_factory.mktemp("oidc-browser"), "browser", app_base=live_server.url
    )


@pytest.fixture
def sso_tenant_a(
    bworld: BrowserWorld,
    admin_engine: sa.Engine,
    browser_oidc_provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Provider]:
    """Tenant A's ``[[sso]]``: "groups contains jcp-work-coach" -> partner_advisor in jcp."""
    from core.sso import client as sso_clients

    # The live server runs in this process: it reads the secret from this environment.
    monkeypatch.setenv(SECRET_ENV, SECRETS["tenant-a"])
    config = provider_config("tenant-a", browser_oidc_provider.issuer)
    assert config["client_secret_env"] == SECRET_ENV
    assert config["organisation"] == "jcp"
    assert config["roles"] == [
        {"claim": "groups", "contains": "jcp-work-coach", "role": "partner_advisor"}
    ]
    set_providers(admin_engine, "tenant-a", [config])
    yield browser_oidc_provider
    sso_clients.forget()


def _client_links(page: Any) -> list[str]:
    return sorted(page.locator("table.nhsuk-table-responsive tbody a").all_inner_texts())


def test_partner_advisor_signs_in_with_sso_and_sees_only_shared_clients(
    page: Any,
    axe_page: Any,
    bworld: BrowserWorld,
    admin_engine: sa.Engine,
    sso_tenant_a: Provider,
) -> None:
    a = bworld.world.a
    coach = DEMO_USERS["jcp-coach"]

    # Our sign-in page, opened for tenant A, offers the tenant's provider.
    page.goto(bworld.url("/sign-in?tenant=tenant-a"))
    button = page.get_by_role("link", name="Sign in with Job Centre Plus")
    expect(button).to_be_visible()
    button.click()

    # The provider's own page (another origin): choose the work coach.
    page.wait_for_url(re.compile(re.escape(sso_tenant_a.issuer) + r"/interaction/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Development OpenID provider")
    page.get_by_role("button", name=re.compile(r"^" + re.escape(coach["name"]))).click()

    # Back at our callback, then the tenant's home page, signed in as the coach.
    page.wait_for_url(bworld.url(T + "/"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_text("1 client is shared with your organisation.")).to_be_visible()
    expect(page.locator("body")).to_contain_text(coach["name"])

    # The clients list has exactly the shared client.
    page.get_by_role("navigation", name=re.compile("menu", re.I)).get_by_role(
        "link", name="Clients", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Clients")
    expect(page.get_by_role("status")).to_have_text("1 client")
    assert _client_links(page) == ["TAYLOR, Sam"]
    expect(page.locator("main")).not_to_contain_text("Unshared")
    page.get_by_role("link", name="TAYLOR, Sam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Taylor")

    # The unshared client's record does not exist for them: the NHS "Page not found".
    unshared = f"{T}/clients/{bworld.clients['Jo Unshared']}"
    response = page.goto(bworld.url(unshared))
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Unshared")

    # axe-core on the signed-in pages, in a CSP-bypassing context with the same session.
    axe_page.context.add_cookies(page.context.cookies(bworld.url("/")))
    failures = []
    pages = [
        ("home", T + "/", 200),
        ("clients list", T + "/clients/", 200),
        ("shared client", f"{T}/clients/{bworld.clients['Sam Taylor']}", 200),
        ("unshared client", unshared, 404),
    ]
    for name, path, status in pages:
        response = axe_page.goto(bworld.url(path))
        assert response is not None and response.status == status, (name, response)
        expect(axe_page.get_by_role("button", name="Sign out")).to_be_visible()
        if violations := axe_violations(axe_page):
            failures.append(format_violations(f"{name} ({axe_page.url})", violations))
    assert not failures, "\n\n".join(failures)

    # The sign-in is audited in tenant A, as the provisioned coach.
    success = audit_events(admin_engine, "sso.sign_in.success")
    assert len(success) == 1
    assert success[0]["tenant_id"] == a.tenant_id and success[0]["outcome"] == "success"
    assert success[0]["details"]["provider"] == "jcp"
    assert success[0]["actor_user_id"] is not None
    assert audit_events(admin_engine, "sso.sign_in.refused") == []
