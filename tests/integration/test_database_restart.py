"""Fault F5: the database drops the application's connections while it is idle (a PostgreSQL
restart or failover). The next request must still succeed: a connection that sat idle is
checked before use and replaced (core/database_pool.py)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.conftest import app_config


def _pooled_backend(app) -> int:
    """The server process behind the connection the pool will hand out next (LIFO)."""
    from core.extensions import db

    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.rollback()
        db.session.remove()
    return pid


def _drop(admin_engine, pid: int) -> None:
    with admin_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        conn.commit()


def _read_client(app, world):
    client_id = world.a.ids["client"][0]
    return app.test_client().get(
        f"/api/v1/{world.a.slug}/clients/{client_id}", headers=world.a.auth()
    )


@pytest.fixture
def restart_app(database_urls, tmp_path):
    from core import create_app

    def build(idle_seconds: float):
        app = create_app(
            app_config(database_urls, tmp_path, DATABASE_PING_AFTER_IDLE_SECONDS=idle_seconds)
        )
        return app

    return build


def test_next_request_after_the_database_dropped_an_idle_connection_succeeds(
    restart_app, world, admin_engine
):
    app = restart_app(0.2)
    assert _read_client(app, world).status_code == 200
    _drop(admin_engine, _pooled_backend(app))
    time.sleep(0.3)  # idle for longer than the setting

    response = _read_client(app, world)

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["id"] == str(world.a.ids["client"][0])


def test_without_the_idle_check_the_same_drop_fails_the_request(restart_app, world, admin_engine):
    """The control: the connection really was dead, so the test above proves the check works."""
    app = restart_app(3600)
    assert _read_client(app, world).status_code == 200
    _drop(admin_engine, _pooled_backend(app))
    time.sleep(0.3)

    response = _read_client(app, world)

    assert response.status_code == 503, response.get_data(as_text=True)  # F6's answer
    assert response.mimetype == "application/problem+json"
    assert "please retry" in response.json["detail"].lower()
    assert "SELECT" not in response.get_data(as_text=True)
    # and the pool recovers by itself: the failed statement invalidated it
    assert _read_client(app, world).status_code == 200


def test_a_page_whose_database_connection_died_shows_the_nhs_unavailable_page(
    restart_app, world, admin_engine
):
    from tests.integration.test_plugins import signed_in

    app = restart_app(3600)
    browser = signed_in(app, world.a)
    page = f"/{world.a.slug}/clients/{world.a.ids['client'][0]}"
    assert browser.get(page).status_code == 200
    _drop(admin_engine, _pooled_backend(app))

    response = browser.get(page)

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in html
    assert "Nothing was saved. Please retry in a moment." in html
    assert "terminating connection" not in html and "SELECT" not in html
