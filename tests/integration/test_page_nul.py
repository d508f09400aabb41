"""A NUL character in a page's form or query string is a clear 400 page, never a 500.

PostgreSQL cannot store NUL; a plugin form without core's ``Text`` field passed it straight to
the database (found by fuzzing). Nothing is saved.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD


@pytest.fixture
def admin(client, world):
    response = client.post(
        "/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def _employers(admin_engine, world) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM ips_employer WHERE tenant_id = :t"),
            {"t": world.a.tenant_id},
        ).scalar_one()


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/tenant-a/ips/employers/new", {"name": "Acme\x00 Ltd"}),
        ("post", "/tenant-a/clients/new", {"given_name": "Al\x00ex", "family_name": "Morgan"}),
        ("get", "/tenant-a/clients/?q=Sam%00", None),
    ],
)
def test_a_nul_character_is_a_400_page_and_nothing_is_saved(
    admin, world, admin_engine, method, path, data
):
    before = _employers(admin_engine, world)
    response = getattr(admin, method)(path, data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "control character (NUL)" in page and "Nothing was saved" in page
    assert _employers(admin_engine, world) == before


def test_signing_in_comes_before_the_nul_check(client):
    response = client.post("/tenant-a/ips/employers/new", data={"name": "\x00"})
    assert response.status_code == 302 and "/sign-in" in response.location
