"""Personal API tokens: scoped to one membership in one tenant, expiring, revocable, hashed."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa


def prefix_of(secret: str) -> str:
    """``sst_<prefix>`` of ``sst_<prefix>_<random>`` (the random part may hold underscores)."""
    return "_".join(secret.split("_", 2)[:2])


def random_part(secret: str) -> str:
    return secret.split("_", 2)[2]


def me(client, tenant: str, token: str):
    return client.get(f"/api/v1/{tenant}/me", headers={"Authorization": f"Bearer {token}"})


def execute(admin_engine, sql: str, **params) -> None:
    with admin_engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def test_token_works_for_its_own_tenant(client, world):
    response = me(client, world.a.slug, world.a.tokens["admin"])
    assert response.status_code == 200
    assert response.json["membership"]["user"]["email"] == world.a.emails["admin"]


def test_token_is_401_when_used_for_another_tenant(client, world):
    response = me(client, world.b.slug, world.a.tokens["admin"])
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


def test_token_is_401_when_unknown(client, world):
    assert me(client, world.a.slug, "sst_00000000_made-up").status_code == 401
    assert me(client, world.a.slug, "not-even-a-token").status_code == 401


def test_token_is_401_when_expired(client, world, admin_engine):
    execute(
        admin_engine,
        "UPDATE api_token SET expires_at = now() - interval '1 minute' WHERE id = :id",
        id=world.a.ids["api_token"][0],
    )
    assert me(client, world.a.slug, world.a.tokens["admin"]).status_code == 401
    # other tokens are untouched
    assert me(client, world.a.slug, world.a.tokens["practitioner"]).status_code == 200


def test_token_is_401_when_its_membership_is_deactivated(client, world, admin_engine):
    execute(
        admin_engine,
        "UPDATE membership SET active = false WHERE id = :id",
        id=world.a.memberships["practitioner"],
    )
    assert me(client, world.a.slug, world.a.tokens["practitioner"]).status_code == 401


def test_token_is_401_when_its_user_is_deactivated(client, world, admin_engine):
    execute(
        admin_engine,
        "UPDATE user_account SET is_active = false WHERE email = :e",
        e=world.a.emails["practitioner"],
    )
    assert me(client, world.a.slug, world.a.tokens["practitioner"]).status_code == 401


def test_token_is_401_after_it_is_revoked(client, world, admin_engine):
    token_id = world.a.ids["api_token"][0]
    response = client.delete(f"/api/v1/{world.a.slug}/tokens/{token_id}", headers=world.a.auth())
    assert response.status_code == 204
    assert me(client, world.a.slug, world.a.tokens["admin"]).status_code == 401
    with admin_engine.connect() as conn:
        revoked_at = conn.execute(
            sa.text("SELECT revoked_at FROM api_token WHERE id = :id"), {"id": token_id}
        ).scalar_one()
        actions = (
            conn.execute(
                sa.text("SELECT action FROM audit_event WHERE object_id = :id"),
                {"id": str(token_id)},
            )
            .scalars()
            .all()
        )
    assert revoked_at is not None
    assert actions == ["api_token.revoke"]


def test_token_revoke_is_404_when_token_belongs_to_another_member(client, world):
    other = world.a.ids["api_token"][1]  # the practitioner's
    response = client.delete(f"/api/v1/{world.a.slug}/tokens/{other}", headers=world.a.auth())
    assert response.status_code == 404
    assert me(client, world.a.slug, world.a.tokens["practitioner"]).status_code == 200


def test_token_revoke_is_404_when_token_belongs_to_another_tenant(client, world):
    other = world.b.ids["api_token"][0]
    response = client.delete(f"/api/v1/{world.a.slug}/tokens/{other}", headers=world.a.auth())
    assert response.status_code == 404
    assert me(client, world.b.slug, world.b.tokens["admin"]).status_code == 200


def test_tokens_list_shows_only_own_tokens_without_secrets(client, world):
    response = client.get(f"/api/v1/{world.a.slug}/tokens", headers=world.a.auth())
    assert response.status_code == 200
    assert [t["id"] for t in response.json] == [str(world.a.ids["api_token"][0])]
    text = response.get_data(as_text=True)
    for secret in world.a.tokens.values():
        assert secret not in text
        assert random_part(secret) not in text
    assert all("token" not in t and "token_hash" not in t for t in response.json)
    assert response.json[0]["prefix"] == prefix_of(world.a.tokens["admin"])


def test_token_create_returns_secret_once_and_it_works(client, world, admin_engine):
    response = client.post(
        f"/api/v1/{world.a.slug}/tokens", json={"name": "laptop", "days": 7}, headers=world.a.auth()
    )
    assert response.status_code == 201
    secret = response.json["token"]
    assert secret.startswith(response.json["prefix"] + "_")
    assert me(client, world.a.slug, secret).status_code == 200

    listed = client.get(f"/api/v1/{world.a.slug}/tokens", headers=world.a.auth())
    assert secret not in listed.get_data(as_text=True)
    assert {t["name"] for t in listed.json} == {"laptop", "admin token"}
    again = client.get(f"/api/v1/{world.a.slug}/tokens", headers=world.a.auth())
    assert secret not in again.get_data(as_text=True)

    with admin_engine.connect() as conn:
        row = (
            conn.execute(
                sa.text("SELECT * FROM api_token WHERE id = :id"), {"id": response.json["id"]}
            )
            .mappings()
            .one()
        )
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in row.values())
    assert secret not in stored
    assert random_part(secret) not in stored


def test_token_create_refuses_lifetime_over_maximum(client, world):
    response = client.post(
        f"/api/v1/{world.a.slug}/tokens",
        json={"name": "forever", "days": 366},
        headers=world.a.auth(),
    )
    assert response.status_code == 422
    assert {e["pointer"] for e in response.json["errors"]} == {"#/days"}


def test_token_secrets_are_never_stored_in_the_database(world, admin_engine):
    with admin_engine.connect() as conn:
        dump = " ".join(
            str(v)
            for table in ("api_token", "audit_event", "membership", "user_account")
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')).all()
            for v in row
        )
    for tenant in (world.a, world.b, world.c):
        for secret in tenant.tokens.values():
            assert secret not in dump
            assert random_part(secret) not in dump
            assert hashlib.sha256(secret.encode()).hexdigest() in dump


def test_create_token_command_prints_a_working_token(app, client, world):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-token",
            "--email",
            world.a.emails["practitioner"],
            "--tenant",
            world.a.slug,
            "--days",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("sst_")
    response = me(client, world.a.slug, secret)
    assert response.status_code == 200
    assert response.json["membership"]["user"]["email"] == world.a.emails["practitioner"]
    assert me(client, world.b.slug, secret).status_code == 401


def test_create_token_command_fails_when_person_has_no_membership(app, world):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-token",
            "--email",
            world.a.emails["admin"],
            "--tenant",
            world.b.slug,
        ],
    )
    assert result.exit_code != 0
    assert "no active membership" in result.output
