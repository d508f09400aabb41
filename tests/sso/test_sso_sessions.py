"""Server-side sessions after partner SSO (SECURITY S1): a new id at sign-in, revocable.

The same rules as local sign-in (tests/security/test_server_sessions.py), through the real
development provider: the cookie a browser held before the SSO sign-in is worth nothing after
it, and a leaver's other browsers are signed out when the provider stops giving them a role.
"""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD
from tests.sso.conftest import DEMO_USERS, provider_config, set_providers, sso_sign_in

pytestmark = pytest.mark.usefixtures("world")


def stored_sessions(admin_engine) -> list[dict]:
    with admin_engine.connect() as conn:
        return [
            dict(row)
            for row in conn.execute(
                sa.text("SELECT * FROM web_session ORDER BY created_at")
            ).mappings()
        ]


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_sso_sign_in_gives_a_new_session_id_and_ends_the_previous_one(
    app, client, world, admin_engine, oidc_provider
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    response = client.post(
        "/sign-in", data={"email": world.a.emails["practitioner"], "password": PASSWORD}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        before = session["session_id"]
    pre_login_cookie = client.get_cookie("session").value

    assert sso_sign_in(client, "tenant-a").response.status_code == 302

    with client.session_transaction() as session:
        after = session["session_id"]
    assert after != before
    rows = {row["id_hash"]: row for row in stored_sessions(admin_engine)}
    assert rows[hashlib.sha256(before.encode()).hexdigest()]["revoked_at"] is not None
    assert rows[hashlib.sha256(after.encode()).hexdigest()]["method"] == "sso"
    assert signed_in(client)
    copy = app.test_client()
    copy.set_cookie("session", pre_login_cookie)
    assert not signed_in(copy)


def test_sso_leaver_is_signed_out_of_other_browsers(
    app, client, world, admin_engine, oidc_provider
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    assert sso_sign_in(client, "tenant-a").response.status_code == 302
    assert signed_in(client)
    users = {**DEMO_USERS, "jcp-coach": {**DEMO_USERS["jcp-coach"], "groups": ["former-staff"]}}
    oidc_provider.set_users(users)

    other_browser = app.test_client()
    assert sso_sign_in(other_browser, "tenant-a").response.status_code == 403

    assert not signed_in(client)  # the session opened while they still had a role has ended
    assert [row["revoked_at"] is not None for row in stored_sessions(admin_engine)] == [True]
