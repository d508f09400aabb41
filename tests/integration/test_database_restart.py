"""Fault F5: the database drops the application's connections while it is idle (a PostgreSQL
restart or failover). The next request must still succeed: a connection that sat idle is
checked before use and replaced (core/database_pool.py)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

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


@pytest.mark.hazard("HAZ-013")
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


@pytest.mark.hazard("HAZ-013")
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


# --------------------------------------------------------------------------- F6 during a write


@contextmanager
def backend_killed_at(app, admin_engine, table: str) -> Iterator[list[str]]:
    """Kill the request's own database backend just before it inserts into ``table``.

    A listener on the app's engine sees each statement before it is sent; at the INSERT into
    ``table`` it has a separate superuser connection terminate this connection's server process,
    so the statement reaches a dead connection in the middle of the request's transaction.
    Yields the statements the request sent, to show what had already been written in it.
    """
    from core.extensions import db

    sent: list[str] = []

    def kill(conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        sent.append(statement)
        if statement.startswith(f"INSERT INTO {table} "):
            _drop(admin_engine, conn.connection.dbapi_connection.info.backend_pid)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", kill)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", kill)


def _count(admin_engine, sql: str, **params) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def _inserted_before(sent: list[str], table: str) -> list[str]:
    """Tables the request's transaction had written before it reached ``table``."""
    inserts = [s.split()[2] for s in sent if s.startswith("INSERT INTO ")]
    return inserts[: inserts.index(table)]


NEW_CLIENT = {
    "nhs_number": "999 000 1006",
    "given_name": "Alex",
    "family_name": "Morgan",
    "date_of_birth": "1990-04-01",
}


@pytest.mark.hazard("HAZ-013")
def test_backend_killed_while_creating_a_client_is_503_and_saves_nothing(
    restart_app, world, admin_engine
):
    app = restart_app(3600)
    audit_before = _count(admin_engine, "SELECT count(*) FROM audit_event")
    with backend_killed_at(app, admin_engine, "client") as sent:
        response = app.test_client().post(
            f"/api/v1/{world.a.slug}/clients",
            json=NEW_CLIENT,
            headers=world.a.auth("practitioner"),
        )
    assert any(s.startswith("INSERT INTO client ") for s in sent)  # the kill really happened
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert "retry" in response.json["detail"].lower()
    body = response.get_data(as_text=True)
    for leak in ("INSERT", "SELECT", "terminating connection", "psycopg", "Morgan"):
        assert leak not in body
    assert response.headers["Retry-After"]
    assert _count(admin_engine, "SELECT count(*) FROM client WHERE nhs_number = '9990001006'") == 0
    assert _count(admin_engine, "SELECT count(*) FROM audit_event") == audit_before
    # The next request gets a working connection and the same create succeeds.
    again = app.test_client().post(
        f"/api/v1/{world.a.slug}/clients", json=NEW_CLIENT, headers=world.a.auth("practitioner")
    )
    assert again.status_code == 201, again.get_data(as_text=True)


@pytest.mark.hazard("HAZ-013")
def test_backend_killed_after_a_note_was_written_in_the_transaction_keeps_nothing(
    restart_app, world, admin_engine
):
    """The kill comes at the note's audit event, after the note row was sent: PostgreSQL must
    discard the half-done transaction, and the page says nothing was saved."""
    from tests.integration.test_plugins import signed_in

    app = restart_app(3600)
    browser = signed_in(app, world.a)
    client_id = world.a.ids["client"][0]
    notes = "SELECT count(*) FROM client_note WHERE client_id = :c"
    notes_before = _count(admin_engine, notes, c=client_id)
    audit_before = _count(admin_engine, "SELECT count(*) FROM audit_event")
    with backend_killed_at(app, admin_engine, "audit_event") as sent:
        response = browser.post(
            f"/{world.a.slug}/clients/{client_id}/notes/new",
            data={"text": "Written while the database went away"},
        )
    assert "client_note" in _inserted_before(sent, "audit_event")  # mid-transaction, after a write
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Nothing was saved. Please retry in a moment." in html
    assert "INSERT" not in html and "terminating connection" not in html
    assert _count(admin_engine, notes, c=client_id) == notes_before
    assert _count(admin_engine, "SELECT count(*) FROM audit_event") == audit_before
