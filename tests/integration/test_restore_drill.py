"""The restore drill (SECURITY R2): ``flask backup drill`` dumps the test database, restores it
into a scratch database, compares every table's row count and verifies the audit chains of the
copy; a copy that lost rows, or a dump older than the data, is reported table by table."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import app_config

SET_TENANT = sa.text("SELECT set_config('app.current_tenant', :t, true)")


@pytest.fixture(scope="module")
def drill_app(database_urls, redis_url, tmp_path_factory):
    """The app with Redis, so the chains' head copies are there and checked on the copy."""
    from core import create_app

    tmp = tmp_path_factory.mktemp("drill")
    (tmp / "tenants").mkdir()
    return create_app(app_config(database_urls, tmp, REDIS_URL=redis_url))


@pytest.fixture
def heads(drill_app, database_urls) -> Iterator[object]:
    """Redis without this test database's head copies, before and after."""
    from redis import Redis

    redis = Redis.from_url(drill_app.config["REDIS_URL"])
    name = sa.engine.make_url(database_urls["app"]).database

    def clear() -> None:
        for key in redis.scan_iter(f"stepping-stones:audit-head:{name}*"):
            redis.delete(key)

    clear()
    yield redis
    clear()
    redis.close()


def add_events(app_engine: sa.Engine, tenant_id: uuid.UUID | None, count: int) -> None:
    with app_engine.begin() as conn:
        conn.execute(SET_TENANT, {"t": str(tenant_id) if tenant_id else ""})
        for n in range(count):
            conn.execute(
                sa.text(
                    "INSERT INTO audit_event (id, tenant_id, at, action, outcome, details) "
                    "VALUES (:id, :t, now() - make_interval(mins => :m), 'test.drill', "
                    "'success', '{}'::jsonb)"
                ),
                {"id": uuid.uuid4(), "t": tenant_id, "m": 60 - n},
            )


@pytest.fixture
def sealed_world(world, drill_app, app_engine, heads):
    """The world, with audit events in every chain sealed and their heads copied to Redis."""
    from core.audit.chain import seal_chain

    chains = [None, world.a.tenant_id, world.b.tenant_id, world.c.tenant_id]
    for tenant_id in chains:
        add_events(app_engine, tenant_id, 3)
    with drill_app.app_context():
        for tenant_id in chains:
            assert seal_chain(tenant_id, settle_seconds=0).head_copied
    return world


def count(admin_engine: sa.Engine, table: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def databases(admin_engine: sa.Engine) -> set[str]:
    with admin_engine.connect() as conn:
        return set(conn.execute(sa.text("SELECT datname FROM pg_database")).scalars())


def drill(app, *args: str):
    return app.test_cli_runner().invoke(args=["backup", "drill", *args])


def test_drill_of_the_seeded_world_restores_every_row_and_clean_chains(
    sealed_world, drill_app, database_urls, admin_engine, heads
):
    result = drill(drill_app, "--admin-url", database_urls["admin"], "--scratch", "ss_drill_r2")
    assert result.exit_code == 0, result.output
    clients, events = count(admin_engine, "client"), count(admin_engine, "audit_event")
    assert clients > 0 and events >= 12
    lines = result.output.splitlines()
    assert any(line.split() == ["public.client", str(clients), str(clients)] for line in lines)
    assert any(line.split() == ["public.audit_event", str(events), str(events)] for line in lines)
    assert "DIFFERENT" not in result.output
    for label in ("platform", sealed_world.a.slug, sealed_world.b.slug, sealed_world.c.slug):
        assert f"audit chain {label}: ok" in result.output
    # Verified against the source's head copies, written under the scratch database's name.
    assert "head copy: position" in result.output
    assert "Timings: dump" in result.output and "restore" in result.output
    assert "OK: " in result.output
    # The scratch database and its head copies are gone.
    assert "ss_drill_r2" not in databases(admin_engine)
    assert not list(heads.scan_iter("stepping-stones:audit-head:ss_drill_r2:*"))


def test_drill_reports_rows_lost_in_the_copy_and_the_broken_chain(
    sealed_world, drill_app, database_urls, admin_engine
):
    from core.backup.drill import TableCount, run_drill

    def lose_one_event(scratch_url: str) -> None:
        engine = sa.create_engine(scratch_url)
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            conn.execute(
                sa.text(
                    "DELETE FROM audit_event WHERE id = "
                    "(SELECT id FROM audit_event WHERE tenant_id = :t ORDER BY seq LIMIT 1)"
                ),
                {"t": sealed_world.a.tenant_id},
            )
        engine.dispose()

    events = count(admin_engine, "audit_event")
    with drill_app.app_context():
        report = run_drill(database_urls["admin"], after_restore=lose_one_event)
    assert not report.ok
    assert report.differences == [TableCount("public.audit_event", events, events - 1)]
    broken = {check.label: check.problems for check in report.chains if not check.ok}
    assert list(broken) == [sealed_world.a.slug]
    assert broken[sealed_world.a.slug][0].startswith("event missing: position 1")


def test_drill_of_a_dump_older_than_the_data_names_the_table_and_exits_1(
    sealed_world, drill_app, database_urls, admin_engine, app_engine, tmp_path: Path
):
    saved = tmp_path / "before.dump"
    admin = database_urls["admin"]
    assert drill(drill_app, "--admin-url", admin, "--save-dump", str(saved)).exit_code == 0
    assert saved.stat().st_size > 0
    events = count(admin_engine, "audit_event")
    add_events(app_engine, sealed_world.b.tenant_id, 2)  # written after the dump

    result = drill(drill_app, "--admin-url", admin, "--dump", str(saved))
    assert result.exit_code == 1
    different = [line.split() for line in result.output.splitlines() if "DIFFERENT" in line]
    assert different == [["public.audit_event", str(events + 2), str(events), "DIFFERENT"]]
    assert "FAILED: 1 table(s) differ, 0 chain(s) broken." in result.output


def test_drill_refuses_the_owner_role_which_row_level_security_holds(
    drill_app, database_urls, world
):
    result = drill(drill_app, "--admin-url", database_urls["owner"])
    assert result.exit_code == 1
    assert "held by row-level security" in result.output
    assert "FORCEd" in result.output


def test_drill_on_sqlite_says_it_needs_postgresql(tmp_path: Path):
    from core import create_app

    (tmp_path / "tenants").mkdir()
    app = create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-the-check",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
            "INSTANCE_DIR": str(tmp_path),
            "TENANTS_DIR": str(tmp_path / "tenants"),
            "REDIS_URL": None,
        }
    )
    result = drill(app, "--admin-url", "postgresql://postgres@127.0.0.1/postgres")
    assert result.exit_code == 1
    assert "The restore drill needs PostgreSQL; this database is sqlite" in result.output
