"""The platform operator sees the list of tenants and nothing of any tenant's clients."""

import sqlalchemy as sa

from tests.factories import PASSWORD


def _operator(admin_engine, world):
    email = world.a.emails["partner"]  # any account; made an operator without memberships
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_account SET is_platform_operator = true WHERE email = :e"),
            {"e": email},
        )
        conn.execute(
            sa.text(
                "DELETE FROM api_token WHERE membership_id IN (SELECT id FROM membership "
                "WHERE user_id = (SELECT id FROM user_account WHERE email = :e))"
            ),
            {"e": email},
        )
        conn.execute(
            sa.text(
                "DELETE FROM membership WHERE user_id = "
                "(SELECT id FROM user_account WHERE email = :e)"
            ),
            {"e": email},
        )
    return email


def test_operator_lists_tenants_but_cannot_open_them(client, world, admin_engine):
    email = _operator(admin_engine, world)
    client.post("/sign-in", data={"email": email, "password": PASSWORD})
    page = client.get("/platform/tenants")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert world.a.slug in text and world.b.slug in text
    assert "Taylor" not in text
    assert client.get(f"/{world.a.slug}/").status_code == 404
    assert client.get(f"/{world.a.slug}/clients/").status_code == 404


def test_platform_page_is_404_for_everyone_else(client, world):
    client.post("/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD})
    assert client.get("/platform/tenants").status_code == 404
