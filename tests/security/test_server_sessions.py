"""Server-side sessions (SECURITY S1; ASVS 7.2.3, 7.2.4, 11.5.1).

A signed-in browser's cookie carries a random session id; ``web_session`` keeps its SHA-256
and whether it is still usable. These tests copy cookies between test clients the way an
attacker would copy them between browsers: a copy must be worth nothing once the server has
ended its session (new sign-in, sign-out, deactivation).
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask.testing import FlaskClient

from tests.factories import PASSWORD, World


def sign_in(client: FlaskClient, email: str) -> None:
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def session_id(client: FlaskClient) -> str:
    with client.session_transaction() as session:
        return session["session_id"]


def cookie_of(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def browser_with(app, cookie: str) -> FlaskClient:
    """Another browser, holding a copy of ``cookie``."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def is_signed_in(client: FlaskClient, world: World) -> bool:
    """``/account/`` needs a signed-in person in any tenant: 200 signed in, else to sign-in."""
    response = client.get("/account/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302, response.status_code
    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    return False


def stored_sessions(admin_engine) -> list[dict]:
    with admin_engine.connect() as conn:
        return [
            dict(row)
            for row in conn.execute(
                sa.text("SELECT * FROM web_session ORDER BY created_at")
            ).mappings()
        ]


def test_session_id_changes_when_signing_in_again(app, client, world, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    first = session_id(client)
    sign_in(client, world.a.emails["practitioner"])  # a re-authentication in the same browser
    second = session_id(client)
    assert first != second
    revoked = {
        row["id_hash"]: row["revoked_at"] is not None for row in stored_sessions(admin_engine)
    }
    assert revoked == {
        hashlib.sha256(first.encode()).hexdigest(): True,
        hashlib.sha256(second.encode()).hexdigest(): False,
    }


def test_cookie_held_before_sign_in_is_anonymous_after_it(app, client, world):
    # A fresh visitor's cookie carries no server identity at all.
    client.get("/sign-in")
    anonymous = cookie_of(client)
    # Someone signed in at a shared desk; the next person signs in over it (pre-login cookie).
    sign_in(client, world.a.emails["practitioner"])
    before_sign_in = cookie_of(client)
    sign_in(client, world.a.emails["admin"])
    assert is_signed_in(client, world)
    assert not is_signed_in(browser_with(app, before_sign_in), world)
    assert not is_signed_in(browser_with(app, anonymous), world)
    # The page that sent it back to sign-in also dropped the dead session from its cookie.
    stale = browser_with(app, before_sign_in)
    stale.get("/account/")
    with stale.session_transaction() as session:
        assert "_user_id" not in session and "session_id" not in session


def test_cookie_copied_before_sign_out_is_anonymous_after_sign_out(app, client, world):
    sign_in(client, world.a.emails["practitioner"])
    copied = cookie_of(client)
    assert is_signed_in(browser_with(app, copied), world)  # the copy works while signed in
    assert client.post("/sign-out").status_code == 302
    thief = browser_with(app, copied)
    assert not is_signed_in(thief, world)
    assert thief.get(f"/{world.a.slug}/").status_code == 302
    assert not is_signed_in(browser_with(app, copied), world)  # and stays dead


def test_sign_out_revokes_the_stored_session_at_once(client, world, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    assert [row["revoked_at"] for row in stored_sessions(admin_engine)] == [None]
    client.post("/sign-out")
    assert [row["revoked_at"] is not None for row in stored_sessions(admin_engine)] == [True]


def test_deactivated_persons_session_is_anonymous(app, client, world):
    person = app.test_client()
    sign_in(person, world.a.emails["practitioner"])
    copied = cookie_of(person)
    assert is_signed_in(person, world)
    sign_in(client, world.a.emails["admin"])
    response = client.post(
        f"/{world.a.slug}/admin/people/{world.a.memberships['practitioner']}/change",
        data={
            "organisation_id": str(world.a.ids["organisation"][0]),
            "roles": ["practitioner"],
            "active": "inactive",
            "version": "1",
        },
    )
    assert response.status_code == 302
    # Not only this tenant's pages (404 since the membership is off): signed out everywhere.
    assert not is_signed_in(person, world)
    assert not is_signed_in(browser_with(app, copied), world)
    assert is_signed_in(client, world)  # the administrator's own session is untouched


def test_administrators_sign_out_everywhere_revokes_every_stored_session(
    app, client, world, admin_engine
):
    for _ in range(2):  # two browsers
        sign_in(app.test_client(), world.a.emails["practitioner"])
    sign_in(client, world.a.emails["admin"])
    client.post(
        f"/{world.a.slug}/admin/people/{world.a.memberships['practitioner']}/sign-out-everywhere"
    )
    rows = stored_sessions(admin_engine)
    assert len(rows) == 3
    assert sorted(row["revoked_at"] is None for row in rows) == [False, False, True]


def test_session_id_has_at_least_128_bits_and_is_new_each_time(client, world):
    seen = set()
    for _ in range(3):
        sign_in(client, world.a.emails["practitioner"])
        value = session_id(client)
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        assert len(raw) * 8 >= 128
        seen.add(value)
    assert len(seen) == 3


def test_table_stores_only_the_hash_of_the_session_id(client, world, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    value = session_id(client)
    (row,) = stored_sessions(admin_engine)
    assert row["id_hash"] == hashlib.sha256(value.encode()).hexdigest()
    assert all(value not in str(column) for column in row.values())
    assert row["method"] == "password"
    assert row["revoked_at"] is None
    assert row["expires_at"] > row["created_at"]


def test_app_role_can_read_write_and_revoke_sessions(world, app_engine, admin_engine):
    """The app role (no BYPASSRLS, owns nothing) uses the table outside any tenant."""
    with app_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO web_session (id, id_hash, user_id, method, created_at, "
                "last_seen_at, expires_at) SELECT gen_random_uuid(), repeat('a', 64), id, "
                "'password', now(), now(), now() + interval '1 hour' FROM user_account "
                "WHERE email = :e"
            ),
            {"e": world.a.emails["practitioner"]},
        )
        conn.execute(sa.text("UPDATE web_session SET revoked_at = now()"))
        assert conn.execute(sa.text("SELECT count(*) FROM web_session")).scalar_one() == 1
    assert [row["revoked_at"] is not None for row in stored_sessions(admin_engine)] == [True]
