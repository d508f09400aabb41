"""Fault F11: a migration that needs a table another session holds locked gives up in seconds.

``migrations/env.py`` sets ``lock_timeout = '3s'``: a migration queued behind a long query or an
open transaction would otherwise queue every request behind itself too (PostgreSQL grants locks
in order). The test runs a real Alembic step through env.py on a throwaway database: migrated to
revision 0001, then ``0001 -> 0002`` (which creates tables with foreign keys to ``tenant``) while
another session holds ``tenant`` in ACCESS EXCLUSIVE mode.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.conftest import ADMIN_URL, _worker, app_config

#: If lock_timeout did not work the holder's session ends after this long, so a broken build
#: fails the test (too slow) instead of hanging.
HOLDER_GIVES_UP = "12s"


@pytest.fixture
def scratch_database(database_urls) -> Iterator[str]:
    """A database of its own, dropped afterwards: the migration must not touch the suite's."""
    name = f"ss_test_{_worker()}_locks"
    admin = sa.create_engine(make_url(ADMIN_URL), isolation_level="AUTOCOMMIT")

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"
                ),
                {"d": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))

    drop()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        drop()
        admin.dispose()


def migrate_to(app, revision: str) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision=revision)


def test_a_migration_blocked_by_a_lock_fails_within_seconds(scratch_database, tmp_path: Path):
    from core import create_app

    app = create_app(
        app_config(
            {"app": scratch_database, "owner": scratch_database},
            tmp_path,
            DATABASE_ROLE_CHECK=False,
        )
    )
    migrate_to(app, "0001")
    holder = sa.create_engine(scratch_database)
    try:
        with holder.connect() as conn:
            conn.execute(sa.text(f"SET idle_in_transaction_session_timeout = '{HOLDER_GIVES_UP}'"))
            conn.execute(sa.text("LOCK TABLE tenant IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                migrate_to(app, "0002")
            waited = time.monotonic() - started
            conn.rollback()
    finally:
        holder.dispose()
    assert 2.5 < waited < 5, waited  # the 3 s of env.py, not the holder giving up
    reader = sa.create_engine(scratch_database)
    with reader.connect() as check:  # rolled back: still at 0001, no table of 0002
        assert check.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001"
        assert check.execute(sa.text("SELECT to_regclass('client')")).scalar() is None
    reader.dispose()
    # Once the lock is gone the same step goes through.
    migrate_to(app, "0002")
