"""Browser tests: the real app served over HTTP, driven by Debian's Chromium through Playwright.

One live server and one Chromium per session (per xdist worker: each worker has its own
database, so its own server on its own loopback port); a fresh browser context per test. CSRF
is on, as in production, so every form is posted exactly as a person would post it. The data is
rebuilt for every test (``tests.factories.build_world`` plus a few clients), because the suite's
autouse fixture empties the tables after each test.

We use Playwright's sync API directly, never ``playwright install``: ``.ci/run`` installs
Debian's ``chromium`` and ``SS_CHROMIUM`` may point somewhere else. axe-core comes from npm
(``node_modules/axe-core``, a devDependency in package.json).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    TIMEOUT_MS,
    VIEWPORT,
    BrowserWorld,
    LiveServer,
)
from tests.conftest import ROOT, app_config
from tests.factories import World, build_world, make_membership, make_user


@pytest.fixture(scope="session")
def live_server(
    database_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app with CSRF on, served by werkzeug in a thread on a free loopback port."""
    from core import create_app

    static = ROOT / "core" / "static" / "vendor" / "nhsuk" / "nhsuk-frontend.min.css"
    if not static.exists():
        pytest.fail("NHS.UK frontend assets are missing: run `make assets` (make test does).")
    tmp = tmp_path_factory.mktemp("browser-instance")
    (tmp / "tenants").mkdir()
    # Static files may be cached for the length of a test, as a browser would after its first
    # page: fewer requests per page on a busy machine.
    config = app_config(database_urls, tmp, WTF_CSRF_ENABLED=True, SEND_FILE_MAX_AGE_DEFAULT=600)
    app = create_app(config)
    server = make_server("127.0.0.1", 0, app, threaded=True)  # port 0: the OS picks a free one
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium per session (per xdist worker)."""
    from playwright.sync_api import expect, sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (.ci/run does).")
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


EXTRA_CLIENTS = [
    # (given, family, date of birth, NHS number): no consent, no share, practitioner's caseload.
    ("Alex", "Morgan", date(1990, 3, 14), "9990000026"),
    ("Priya", "Shah", date(1972, 11, 30), None),
    ("Chris", "Evans", date(2001, 7, 9), None),
]


def _add_clients(app: Flask, world: World) -> dict[str, str]:
    from core.clients.models import Client
    from core.extensions import db
    from core.tenancy.context import tenant_context

    tenant = world.a
    names = {
        "Sam Taylor": str(tenant.ids["client"][0]),
        "Jo Unshared": str(tenant.ids["client"][1]),
    }
    with app.app_context(), tenant_context(tenant.tenant_id):
        for given, family, born, nhs_number in EXTRA_CLIENTS:
            client = Client(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                nhs_number=nhs_number,
                key_worker_membership_id=tenant.memberships["practitioner"],
            )
            db.session.add(client)
            db.session.flush()
            names[f"{given} {family}"] = str(client.id)
    return names


@pytest.fixture
def bworld(live_server: LiveServer) -> BrowserWorld:
    world = build_world(live_server.app)
    clients = _add_clients(live_server.app, world)
    people = {"multi": _add_person_in_two_tenants(live_server.app, world)}
    return BrowserWorld(world=world, server=live_server, clients=clients, extra_people=people)


def _add_person_in_two_tenants(app: Flask, world: World) -> str:
    """A practitioner of tenants A and B: signing in shows "choose a tenant"."""
    from core.extensions import db
    from core.tenancy.context import tenant_context

    email = "two-tenants@example.org"
    with app.app_context():
        user_id = make_user(email, "Robin Two-Tenants")
        for tenant in (world.a, world.b):
            with tenant_context(tenant.tenant_id):
                make_membership(user_id, tenant.ids["organisation"][0], ["practitioner"])
                db.session.flush()
    return email


@contextmanager
def _new_context(browser: Any, request: pytest.FixtureRequest, **options: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            # Keep what the browser showed, for whoever reads the failure.
            out = ROOT / "test-results" / "browser"
            out.mkdir(parents=True, exist_ok=True)
            for n, open_page in enumerate(context.pages):
                name = f"{request.node.name}-{n}.png".replace("/", "_")
                with suppress(Exception):  # best effort: the test has failed already
                    open_page.screenshot(path=str(out / name), full_page=True)
        context.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page in a fresh context, with our Content-Security-Policy in force."""
    with _new_context(browser, request) as context:
        yield context.new_page()


@pytest.fixture
def axe_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A page whose context bypasses CSP, so axe-core can be injected (for axe checks only)."""
    with _new_context(browser, request, bypass_csp=True) as context:
        yield context.new_page()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
