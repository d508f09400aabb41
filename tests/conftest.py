"""Shared fixtures: a fresh PostgreSQL database with the two roles, the app, two tenants.

The suite's truth is PostgreSQL: the app connects as a role without BYPASSRLS that owns nothing,
migrations run as the owner, and assertions about what is really stored use a superuser
connection (``admin_db``) that sees through row-level security. Each test starts from empty
tables (TRUNCATE after each test), so requests commit for real, as in production.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from tests.factories import World, build_world

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "TEST_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TEST_PLUGIN = "tests.plugins.canary"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _worker() -> str:
    """Database/role suffix: one per xdist worker (and per SS_TEST_DB_SUFFIX, for parallel runs)."""
    return os.environ.get("SS_TEST_DB_SUFFIX", "") + os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_urls() -> Iterator[dict[str, str]]:
    """Create ``ss_test_<worker>`` with its own owner and app roles; migrate it as the owner."""
    admin = make_url(ADMIN_URL)
    if not _answers(admin.host or "127.0.0.1", admin.port or 5432):
        pytest.exit("PostgreSQL is not answering; run `make test`, which starts it.", 2)
    name = f"ss_test_{_worker()}"
    owner, app_role = f"ss_owner_{_worker()}", f"ss_app_{_worker()}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(
            sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
            {"d": name},
        )
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    target_admin = admin.set(database=name)
    from core.tenancy.roles import create_roles

    create_roles(target_admin.render_as_string(hide_password=False), owner, None, app_role, None)
    urls = {
        "admin": target_admin.render_as_string(hide_password=False),
        "owner": admin.set(database=name, username=owner, password=None).render_as_string(
            hide_password=False
        ),
        "app": admin.set(database=name, username=app_role, password=None).render_as_string(
            hide_password=False
        ),
        "app_role": app_role,
        "owner_role": owner,
    }
    _migrate(urls)
    yield urls


UNLIMITED = (
    "RATE_LIMIT_EXPORT",
    "RATE_LIMIT_EXPORT_PER_ADDRESS",
    "RATE_LIMIT_SEARCH",
    "RATE_LIMIT_SEARCH_PER_ADDRESS",
    "RATE_LIMIT_SSO_REFUSALS_PER_ADDRESS",
)


def app_config(urls: dict[str, str], tmp: Path, **extra: object) -> dict[str, object]:
    config: dict[str, object] = {
        "ENV": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-the-check",
        "DATABASE_URL": urls["app"],
        "DATABASE_OWNER_URL": urls["owner"],
        "PLUGINS_EXTRA": TEST_PLUGIN,
        "INSTANCE_DIR": str(tmp),
        "TENANTS_DIR": str(tmp / "tenants"),
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        # One app serves a whole test process from 127.0.0.1: the product's per-address export
        # and search limits would trip across unrelated tests. tests/security/test_access_limits
        # builds apps with the real limits.
        **{name: "1000000 per hour" for name in UNLIMITED},
    }
    config.update(extra)
    return config


def _migrate(urls: dict[str, str]) -> None:
    from flask_migrate import upgrade

    from core import create_app

    app = create_app(app_config(urls, Path("/tmp/ss-test-migrate")))  # noqa: S108
    with app.app_context():
        upgrade(revision="heads")


@pytest.fixture(scope="session")
def app(database_urls: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    from core import create_app

    tmp = tmp_path_factory.mktemp("instance")
    (tmp / "tenants").mkdir()
    return create_app(app_config(database_urls, tmp))


@pytest.fixture(scope="session")
def admin_engine(database_urls: dict[str, str]) -> Iterator[sa.Engine]:
    """A superuser connection: sees every row (superusers bypass RLS). For assertions only.

    Pinged before use: the clean-up between tests ends connections left idle in a transaction,
    which may include one of this pool's."""
    engine = sa.create_engine(database_urls["admin"], pool_pre_ping=True)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app_engine(database_urls: dict[str, str]) -> Iterator[sa.Engine]:
    """A raw connection as the application role, for RLS tests with plain SQL."""
    engine = sa.create_engine(database_urls["app"], pool_pre_ping=True)
    yield engine
    engine.dispose()


def tenant_tables(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ).scalars()
        )


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that touch the database leave it empty for the next one."""
    uses_db = {"app", "admin_engine", "app_engine", "database_urls"} & set(request.fixturenames)
    engine = request.getfixturevalue("admin_engine") if uses_db else None
    yield
    if engine is None:
        return
    tables = tenant_tables(engine)
    if tables:
        with engine.begin() as conn:
            # A streamed response a test never read to the end (a CSV export) keeps its
            # transaction open, as a client that stops reading would until the server gives
            # up; end such leftovers so the next test starts clean instead of waiting.
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state LIKE 'idle in transaction%'"
                )
            )
            conn.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> World:
    """Tenants A and B of identical shape (same organisation keys, people, notes)."""
    return build_world(app)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    parsed = make_url(url.replace("redis://", "postgresql://"))
    if not _answers(parsed.host or "127.0.0.1", parsed.port or 6379):
        pytest.exit("Redis is not answering; run `make test`, which starts it.", 2)
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, timeout: float = 60.0, process: subprocess.Popen | None = None) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)
