"""Browser-safety headers on every response (SECURITY S5), not only on sample pages.

Walks every GET route of the app (anonymous and as a signed-in tenant administrator, tenant
routes filled with tenant A's own ids), every static file, a 404 and a 500 from a view that
raises. ``tests/integration/test_sign_in.py`` checks a few pages in more detail (Cache-Control).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.conftest import app_config
from tests.factories import PASSWORD, World
from tests.security.matrix_cells import RANDOM_UUID, slot_value, tenant_routes


def header_problems(response) -> list[str]:
    """What is missing from one response; empty when it is safe to hand to a browser."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    wanted = {
        "CSP object-src 'none'": "object-src 'none'" in csp,
        "CSP base-uri 'none'": "base-uri 'none'" in csp,
        "CSP frame-ancestors 'none'": "frame-ancestors 'none'" in csp,
        "CSP default-src 'self'": "default-src 'self'" in csp,
        "no inline script": "script-src" in csp
        and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0],
        "nosniff": headers.get("X-Content-Type-Options") == "nosniff",
        "Referrer-Policy": headers.get("Referrer-Policy") in {"same-origin", "no-referrer"},
        "X-Frame-Options": headers.get("X-Frame-Options") == "DENY",
    }
    return [name for name, ok in wanted.items() if not ok]


def check(responses: dict[str, object]) -> None:
    wrong = {url: header_problems(r) for url, r in responses.items() if header_problems(r)}
    assert not wrong, wrong


def get_urls(app: Flask, world: World) -> list[str]:
    """Every GET rule without variables, and every tenant GET rule with A's own ids."""
    urls = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and not rule.arguments
    )
    for route in tenant_routes(app):
        if "GET" in route.methods:
            values = {s: slot_value(s, world.a, str(RANDOM_UUID)) for s in route.id_slots}
            if "key" in values:
                values["key"] = "canary-notes"
            urls.append(route.url(world.a.slug, values))
    return urls


def sign_in(client, world: World) -> None:
    response = client.post(
        "/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD}
    )
    assert response.status_code == 302


def test_every_get_route_has_the_security_headers_when_anonymous(app, client, world):
    urls = get_urls(app, world)
    assert len(urls) > 50
    check({url: client.get(url) for url in urls})


def test_every_get_route_has_the_security_headers_when_signed_in(app, client, world):
    sign_in(client, world)
    responses = {url: client.get(url) for url in get_urls(app, world)}
    assert sum(r.status_code == 200 for r in responses.values()) > 30  # real pages, not 404s
    check(responses)


def test_every_static_file_has_the_security_headers(app, client):
    root = Path(app.static_folder or "")
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert files
    responses = {f"/static/{f}": client.get(f"/static/{f}") for f in files}
    assert {r.status_code for r in responses.values()} == {200}
    check(responses)


@pytest.mark.parametrize("path", ["/no/such/page", "/static/no-such-file.js", "/api/v1/nothing"])
def test_not_found_has_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code == 404
    check({path: response})


@pytest.fixture
def crashing_app(database_urls, tmp_path):
    """Not in testing mode, so an exception becomes the 500 page as in production."""
    from core import create_app

    app = create_app(app_config(database_urls, tmp_path, TESTING=False))

    def boom():
        raise RuntimeError("boom")

    boom.is_public = True
    app.add_url_rule("/boom", "page_boom", boom)
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    return app


@pytest.mark.parametrize("path", ["/boom", "/api/v1/boom"])
def test_unexpected_error_has_the_security_headers(crashing_app, path):
    response = crashing_app.test_client().get(path)
    assert response.status_code == 500
    check({path: response})
