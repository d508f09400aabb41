"""CSRF on every cookie-authenticated state change (SECURITY S4).

The rest of the suite runs with ``WTF_CSRF_ENABLED=False`` so tests can post forms simply. Here
the app is built with the production default (the setting absent, so Flask-WTF's default, on),
and a signed-in tenant administrator posts to every web route that accepts POST, without a
token: each must be refused with 400 before the view runs, so the database is unchanged. The
API is exempt by design (bearer tokens only, no cookies) and is not walked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import app_config, tenant_tables
from tests.factories import PASSWORD, World
from tests.security.matrix_cells import RANDOM_UUID, UI_ID_FIELDS, slot_value, tenant_routes

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
#: Posted last: were CSRF broken, they would end the walking session early.
_SIGN_OUTS = ("/sign-out", "/account/sign-out-everywhere")


@pytest.fixture(scope="module")
def csrf_app(database_urls, tmp_path_factory) -> Flask:
    from core import create_app

    tmp = tmp_path_factory.mktemp("csrf")
    (tmp / "tenants").mkdir()
    config = app_config(database_urls, tmp)
    del config["WTF_CSRF_ENABLED"]  # production: nobody sets it, so it is on
    return create_app(config)


@pytest.fixture
def csrf_client(csrf_app: Flask, world: World):
    """A tenant administrator signed in through the real form, token and all."""
    client = csrf_app.test_client()
    token = token_from(client.get("/sign-in"))
    response = client.post(
        "/sign-in",
        data={"email": world.a.emails["admin"], "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def token_from(response) -> str:
    match = _TOKEN.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token field"
    return match.group(1)


def fingerprint(admin_engine: sa.Engine) -> dict[str, str]:
    """An md5 of every table's rows (superuser: through row-level security)."""
    with admin_engine.connect() as conn:
        return {
            table: conn.execute(
                sa.text(
                    f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                    f'FROM "{table}" t'
                )
            ).scalar_one()
            for table in tenant_tables(admin_engine)
        }


def post_urls(app: Flask, world: World) -> Iterator[tuple[str, dict[str, str]]]:
    """(url, form) for every non-API POST route: tenant routes with A's own ids in each slot."""
    forms = {name: str(world.a.ids["client"][0]) for name in UI_ID_FIELDS}
    forms["text"] = "csrf probe"
    for route in tenant_routes(app):
        if route.is_api or "POST" not in route.methods:
            continue
        values = {slot: slot_value(slot, world.a, str(RANDOM_UUID)) for slot in route.id_slots}
        if "key" in values:
            values["key"] = "canary-notes"
        yield route.url(world.a.slug, values), {**forms, **values}
    plain = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ())
        and not rule.arguments
        and not rule.rule.startswith("/api/")
    )
    for url in sorted(plain, key=lambda u: u in _SIGN_OUTS):
        yield url, forms


def test_every_web_post_without_a_csrf_token_is_400_and_changes_nothing(
    csrf_app, csrf_client, world, admin_engine
):
    before = fingerprint(admin_engine)
    walked, wrong = [], []
    for url, form in post_urls(csrf_app, world):
        response = csrf_client.post(url, data=form)
        walked.append(url)
        body = response.get_data(as_text=True)
        if response.status_code != 400 or "CSRF token" not in body:
            wrong.append(f"{url}: {response.status_code}")
    assert not wrong, wrong
    assert len(walked) > 40  # every core and plugin form, not an empty walk
    assert any("/step-out/" in u for u in walked) and any("/ips/" in u for u in walked)
    assert fingerprint(admin_engine) == before
    # Still signed in: the sign-out posts without a token did nothing either.
    assert csrf_client.get(f"/{world.a.slug}/").status_code == 200


def test_a_post_with_a_wrong_csrf_token_is_400(csrf_client, world, admin_engine):
    before = fingerprint(admin_engine)
    target = world.a.memberships["practitioner"]
    response = csrf_client.post(
        f"/{world.a.slug}/admin/people/{target}/sign-out-everywhere",
        data={"csrf_token": "not-a-token"},
    )
    assert response.status_code == 400
    assert fingerprint(admin_engine) == before


def test_the_same_post_with_the_pages_csrf_token_is_carried_out(csrf_client, world, admin_engine):
    target = world.a.memberships["practitioner"]
    page = csrf_client.get(f"/{world.a.slug}/admin/people/{target}")
    assert page.status_code == 200
    response = csrf_client.post(
        f"/{world.a.slug}/admin/people/{target}/sign-out-everywhere",
        data={"csrf_token": token_from(page)},
    )
    assert response.status_code == 302
    with admin_engine.connect() as conn:
        epoch = conn.execute(
            sa.text("SELECT session_epoch FROM user_account WHERE email = :e"),
            {"e": world.a.emails["practitioner"]},
        ).scalar_one()
    assert epoch == 1
