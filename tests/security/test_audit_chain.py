"""Tamper evidence for the audit trail (SECURITY L2): seal events into per-tenant SHA-256
chains, then change the stored rows behind the application's back (a superuser connection with
triggers off, as a DBA or an attacker holding the database would) and check that verification
names the exact event, and that the head copied to Redis catches a consistent rewrite."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tests.conftest import app_config, free_port

SET_TENANT = sa.text("SELECT set_config('app.current_tenant', :t, true)")


@pytest.fixture(scope="module")
def chain_app(database_urls, redis_url, tmp_path_factory):
    """The app with Redis configured, so seal runs copy each chain's head there."""
    from core import create_app

    tmp = tmp_path_factory.mktemp("chain")
    (tmp / "tenants").mkdir()
    return create_app(app_config(database_urls, tmp, REDIS_URL=redis_url))


@pytest.fixture
def heads(chain_app, database_urls) -> Iterator[object]:
    """Redis, with this test database's head copies removed before and after each test."""
    from redis import Redis

    redis = Redis.from_url(chain_app.config["REDIS_URL"])
    pattern = f"stepping-stones:audit-head:{sa.engine.make_url(database_urls['app']).database}:*"

    def clear() -> None:
        for key in redis.scan_iter(pattern):
            redis.delete(key)

    clear()
    yield redis
    clear()
    redis.close()


def add_events(
    app_engine: sa.Engine, tenant_id: uuid.UUID | None, count: int, oldest: int = 60
) -> list[uuid.UUID]:
    """``count`` committed events, a minute apart from ``oldest`` minutes ago, in order."""
    ids = [uuid.uuid4() for _ in range(count)]
    with app_engine.begin() as conn:
        conn.execute(SET_TENANT, {"t": str(tenant_id) if tenant_id else ""})
        for n, event_id in enumerate(ids):
            conn.execute(
                sa.text(
                    "INSERT INTO audit_event (id, tenant_id, at, action, outcome, details) "
                    "VALUES (:id, :t, now() - make_interval(mins => :m), 'test.chain', "
                    "'success', CAST(:d AS jsonb))"
                ),
                {"id": event_id, "t": tenant_id, "m": oldest - n, "d": f'{{"n": {n}}}'},
            )
    return ids


def seal(app, tenant_id):
    from core.audit.chain import seal_chain

    with app.app_context():
        return seal_chain(tenant_id, settle_seconds=0)


def verify(app, tenant_id):
    from core.audit.chain import verify_chain

    with app.app_context():
        return verify_chain(tenant_id)


def tamper(admin_engine: sa.Engine, statement: str, **params) -> None:
    """Run SQL as the superuser with triggers off (``session_replication_role = replica``)."""
    with admin_engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text(statement), params)


def sealed_count(admin_engine: sa.Engine, tenant_id: uuid.UUID) -> tuple[int, int]:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM audit_event WHERE tenant_id = :t), "
                "(SELECT count(*) FROM audit_seal WHERE tenant_id = :t)"
            ),
            {"t": tenant_id},
        ).one()


# --------------------------------------------------------------------------- clean chains


def test_seal_then_verify_is_clean_for_tenants_and_platform(
    chain_app, world, app_engine, admin_engine, heads
):
    a, b = world.a.tenant_id, world.b.tenant_id
    add_events(app_engine, a, 5)
    add_events(app_engine, None, 2)
    events, _ = sealed_count(admin_engine, a)
    done = seal(chain_app, a)
    assert done.sealed == events and done.length == events and done.head_copied
    assert sealed_count(admin_engine, a) == (events, events)
    # Sealing again adds nothing; B's and the platform's chains are separate.
    assert seal(chain_app, a).sealed == 0
    assert seal(chain_app, b).length == sealed_count(admin_engine, b)[0]
    platform = seal(chain_app, None)
    assert platform.sealed >= 2
    for tenant_id in (a, b, None):
        result = verify(chain_app, tenant_id)
        assert result.ok, [f.line() for f in result.findings]
        assert result.not_yet_sealed == 0
    result = verify(chain_app, a)
    assert (result.length, result.head) == (done.length, done.head)
    stored = heads.hgetall(f"stepping-stones:audit-head:{admin_engine.url.database}:{a}")
    assert stored[b"position"] == str(done.length).encode()
    assert stored[b"hash"] == done.head.encode()


def test_links_are_sha256_of_previous_hash_and_canonical_event(
    chain_app, world, admin_engine, heads
):
    from core.audit.chain import GENESIS, canonical

    seal(chain_app, world.a.tenant_id)
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT s.chain_hash, e.* FROM audit_seal s "
                "JOIN audit_event e ON e.id = s.event_id "
                "WHERE s.tenant_id = :t ORDER BY s.position"
            ),
            {"t": world.a.tenant_id},
        ).mappings()
        previous = GENESIS
        for row in rows:
            expected = hashlib.sha256(bytes.fromhex(previous) + canonical(row)).hexdigest()
            assert row["chain_hash"] == expected
            previous = row["chain_hash"]
    assert previous != GENESIS


def test_sealing_in_small_batches_gives_the_same_chain(chain_app, world, app_engine, heads):
    from core.audit.chain import seal_chain

    a, b = world.a.tenant_id, world.b.tenant_id
    add_events(app_engine, a, 7)
    add_events(app_engine, b, 7)
    with chain_app.app_context():
        whole = seal_chain(a, settle_seconds=0)
        batched = seal_chain(b, settle_seconds=0, batch_size=2)
    assert batched.sealed == batched.length == whole.length
    assert verify(chain_app, b).ok and verify(chain_app, b).not_yet_sealed == 0


# --------------------------------------------------------------------------- breaks


def test_altered_event_is_named_exactly(chain_app, world, app_engine, admin_engine, heads):
    a = world.a.tenant_id
    ids = add_events(app_engine, a, 5)
    seal(chain_app, a)
    victim = ids[2]
    tamper(
        admin_engine,
        "UPDATE audit_event SET details = '{\"n\": 99}'::jsonb WHERE id = :id",
        id=victim,
    )
    result = verify(chain_app, a)
    assert [(f.problem, f.event_id) for f in result.findings] == [("event altered", victim)]
    with admin_engine.connect() as conn:
        position = conn.execute(
            sa.text("SELECT position FROM audit_seal WHERE event_id = :id"), {"id": victim}
        ).scalar_one()
    assert result.first_break.position == position
    # The command line says the same, and fails.
    cli = chain_app.test_cli_runner().invoke(args=["audit", "verify", "--tenant", world.a.slug])
    assert cli.exit_code == 1
    assert f"event altered: position {position}, event {victim}" in cli.output
    assert "BROKEN" in cli.output


def test_deleted_event_is_reported(chain_app, world, app_engine, admin_engine, heads):
    a = world.a.tenant_id
    ids = add_events(app_engine, a, 4)
    seal(chain_app, a)
    tamper(admin_engine, "DELETE FROM audit_event WHERE id = :id", id=ids[1])
    result = verify(chain_app, a)
    assert [(f.problem, f.event_id) for f in result.findings] == [("event missing", ids[1])]


def test_forged_event_inserted_into_the_past_is_reported(
    chain_app, world, app_engine, admin_engine, heads
):
    a = world.a.tenant_id
    add_events(app_engine, a, 4)
    seal(chain_app, a)
    forged = uuid.uuid4()
    tamper(
        admin_engine,
        "INSERT INTO audit_event (id, tenant_id, at, action, outcome, details) "
        "VALUES (:id, :t, now() - interval '58 minutes', 'client.read', 'success', '{}')",
        id=forged,
        t=a,
    )
    result = verify(chain_app, a)
    assert [(f.problem, f.event_id) for f in result.findings] == [
        ("unsealed event inside the sealed range", forged)
    ]


def test_forged_event_with_an_old_sequence_number_is_reported(
    chain_app, world, app_engine, admin_engine, heads
):
    a = world.a.tenant_id
    add_events(app_engine, a, 4)
    seal(chain_app, a)
    forged = uuid.uuid4()
    tamper(
        admin_engine,
        "INSERT INTO audit_event (id, tenant_id, seq, at, action, outcome, details) "
        "OVERRIDING SYSTEM VALUE VALUES (:id, :t, 0, now(), 'client.read', 'success', '{}')",
        id=forged,
        t=a,
    )
    result = verify(chain_app, a)
    assert [f.event_id for f in result.findings] == [forged]


def test_removed_link_is_reported(chain_app, world, app_engine, admin_engine, heads):
    a = world.a.tenant_id
    add_events(app_engine, a, 4)
    seal(chain_app, a)
    tamper(admin_engine, "DELETE FROM audit_seal WHERE tenant_id = :t AND position = 2", t=a)
    problems = [(f.problem, f.position) for f in verify(chain_app, a).findings]
    assert ("link missing", 2) in problems


def test_consistent_rewrite_is_caught_by_the_head_copy(
    chain_app, world, app_engine, admin_engine, heads
):
    """Someone holding the database alters an event and recomputes every link after it: the
    chain is consistent again, but no longer ends at the head copied to Redis."""
    from core.audit.chain import link_hash

    a = world.a.tenant_id
    ids = add_events(app_engine, a, 4)
    done = seal(chain_app, a)
    tamper(
        admin_engine, "UPDATE audit_event SET action = 'nothing.to.see' WHERE id = :id", id=ids[1]
    )
    with admin_engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        rows = conn.execute(
            sa.text(
                "SELECT s.id AS link_id, e.* FROM audit_seal s JOIN audit_event e "
                "ON e.id = s.event_id WHERE s.tenant_id = :t ORDER BY s.position"
            ),
            {"t": a},
        ).mappings()
        previous = "0" * 64
        for row in list(rows):
            previous = link_hash(previous, row)
            conn.execute(
                sa.text("UPDATE audit_seal SET chain_hash = :h WHERE id = :i"),
                {"h": previous, "i": row["link_id"]},
            )
    result = verify(chain_app, a)
    assert [(f.problem, f.position) for f in result.findings] == [
        ("head copy mismatch", done.length)
    ]


def test_removed_newest_events_and_links_are_caught_by_the_head_copy(
    chain_app, world, app_engine, admin_engine, heads
):
    a = world.a.tenant_id
    ids = add_events(app_engine, a, 4)
    done = seal(chain_app, a)
    tamper(admin_engine, "DELETE FROM audit_seal WHERE event_id = :id", id=ids[-1])
    tamper(admin_engine, "DELETE FROM audit_event WHERE id = :id", id=ids[-1])
    result = verify(chain_app, a)
    assert [(f.problem, f.position) for f in result.findings] == [
        ("chain shorter than its head copy", done.length)
    ]


def test_changed_head_copy_is_reported(chain_app, world, app_engine, heads):
    a = world.a.tenant_id
    add_events(app_engine, a, 2)
    done = seal(chain_app, a)
    from core.audit.chain import head_key

    with chain_app.app_context():
        heads.hset(head_key(a), "hash", "f" * 64)
    result = verify(chain_app, a)
    assert [(f.problem, f.position) for f in result.findings] == [
        ("head copy mismatch", done.length)
    ]
    with chain_app.app_context():
        heads.delete(head_key(a))
    assert [f.problem for f in verify(chain_app, a).findings] == ["head copy missing"]


def test_redis_down_is_reported_not_ignored(database_urls, world, app_engine, tmp_path: Path):
    from core import create_app

    (tmp_path / "tenants").mkdir()
    dead = f"redis://127.0.0.1:{free_port()}/0"
    app = create_app(app_config(database_urls, tmp_path, REDIS_URL=dead))
    a = world.a.tenant_id
    add_events(app_engine, a, 2)
    done = seal(app, a)
    assert done.length and not done.head_copied and "Redis" in (done.head_error or "")
    assert [f.problem for f in verify(app, a).findings] == ["head copy unreadable"]
    add_events(app_engine, a, 1)
    cli = app.test_cli_runner().invoke(
        args=["audit", "seal", "--tenant", world.a.slug, "--settle-seconds", "0", "--no-verify"]
    )
    assert cli.exit_code == 1 and "NOT copied" in cli.output


def test_a_second_seal_run_of_one_chain_is_refused(chain_app, world, app_engine, heads):
    from core.audit.chain import SealBusy

    a = world.a.tenant_id
    with app_engine.connect() as first_run:
        first_run.execute(
            sa.text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"audit_seal:{a}"}
        )
        with pytest.raises(SealBusy):
            seal(chain_app, a)
        assert seal(chain_app, world.b.tenant_id).length  # other chains are not held up
        first_run.rollback()
    assert seal(chain_app, a).length


# --------------------------------------------------------------------------- late events


def test_event_committed_after_a_seal_run_is_sealed_by_the_next(
    chain_app, world, app_engine, admin_engine, heads
):
    """A transaction open across a seal run holds a lower seq and an earlier ``at`` than events
    the run sealed: it is reported once, then sealed by the next run, never skipped."""
    a = world.a.tenant_id
    late = uuid.uuid4()
    with app_engine.connect() as open_transaction:
        open_transaction.execute(SET_TENANT, {"t": str(a)})
        open_transaction.execute(
            sa.text(
                "INSERT INTO audit_event (id, tenant_id, at, action, outcome, details) "
                "VALUES (:id, :t, now() - interval '2 hours', 'client.export', 'success', '{}')"
            ),
            {"id": late, "t": a},
        )
        add_events(app_engine, a, 3)  # committed meanwhile, with higher sequence numbers
        first = seal(chain_app, a)
        open_transaction.commit()
    result = verify(chain_app, a)
    assert [(f.problem, f.event_id) for f in result.findings] == [
        ("unsealed event inside the sealed range", late)
    ]
    second = seal(chain_app, a)
    assert second.sealed == 1 and second.length == first.length + 1
    result = verify(chain_app, a)
    assert result.ok, [f.line() for f in result.findings]
    with admin_engine.connect() as conn:
        position = conn.execute(
            sa.text("SELECT position FROM audit_seal WHERE event_id = :id"), {"id": late}
        ).scalar_one()
    assert position == second.length
    events, links = sealed_count(admin_engine, a)
    assert events == links


def test_events_inside_the_settle_window_wait_for_the_next_run(
    chain_app, world, app_engine, admin_engine, heads
):
    from core.audit.chain import seal_chain

    a = world.a.tenant_id
    old = add_events(app_engine, a, 2)
    (fresh,) = add_events(app_engine, a, 1, oldest=0)
    with chain_app.app_context():
        first = seal_chain(a, settle_seconds=30 * 60)  # up to the newest event 30 minutes old
    result = verify(chain_app, a)
    assert result.ok and result.not_yet_sealed == 1
    assert first.length == sealed_count(admin_engine, a)[0] - 1
    with admin_engine.connect() as conn:
        sealed = set(
            conn.execute(
                sa.text("SELECT event_id FROM audit_seal WHERE tenant_id = :t"), {"t": a}
            ).scalars()
        )
    assert set(old) <= sealed and fresh not in sealed
    assert seal(chain_app, a).sealed == 1
    assert verify(chain_app, a).ok


# --------------------------------------------------------------------------- the command


def test_seal_command_reports_and_records_a_break(
    chain_app, world, app_engine, admin_engine, heads
):
    a = world.a.tenant_id
    ids = add_events(app_engine, a, 3)
    runner = chain_app.test_cli_runner()
    first = runner.invoke(args=["audit", "seal", "--settle-seconds", "0"])
    assert first.exit_code == 0, first.output
    assert f"{world.a.slug}: sealed" in first.output and "platform: sealed" in first.output
    tamper(admin_engine, "UPDATE audit_event SET actor_label = 'x' WHERE id = :id", id=ids[0])
    second = runner.invoke(args=["audit", "seal", "--settle-seconds", "0"])
    assert second.exit_code == 1
    assert "event altered: position" in second.output and str(ids[0]) in second.output
    with admin_engine.connect() as conn:
        recorded = conn.execute(
            sa.text(
                "SELECT outcome, details FROM audit_event "
                "WHERE tenant_id = :t AND action = 'audit.chain.broken'"
            ),
            {"t": a},
        ).one()
    assert recorded.outcome == "failure" and str(ids[0]) in recorded.details["first"][0]


def test_verify_on_sqlite_says_it_needs_postgresql(tmp_path: Path):
    from core import create_app

    (tmp_path / "tenants").mkdir()
    app = create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-the-check",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}",
            "DATABASE_OWNER_URL": None,
            "PLUGINS_EXTRA": "",
            "INSTANCE_DIR": str(tmp_path),
            "TENANTS_DIR": str(tmp_path / "tenants"),
            "REDIS_URL": None,
        }
    )
    from flask_migrate import upgrade

    from core.extensions import db

    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    for command in ("verify", "seal"):
        result = app.test_cli_runner().invoke(args=["audit", command])
        assert result.exit_code == 1
        assert "need PostgreSQL" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


# --------------------------------------------------------------------------- append-only seals


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_seal SET chain_hash = repeat('0', 64)",
        "DELETE FROM audit_seal",
        "TRUNCATE audit_seal",
    ],
    ids=["update", "delete", "truncate"],
)
def test_app_role_cannot_change_or_remove_seals(chain_app, world, app_engine, statement, heads):
    seal(chain_app, world.a.tenant_id)
    with app_engine.connect() as conn:
        conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
        assert conn.execute(sa.text("SELECT count(*) FROM audit_seal")).scalar_one()
        with pytest.raises(DBAPIError, match="permission denied") as error:
            conn.execute(sa.text(statement))
        assert getattr(error.value.orig, "sqlstate", None) == "42501"
        conn.rollback()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_seal SET chain_hash = repeat('0', 64)", "DELETE FROM audit_seal"],
    ids=["update", "delete"],
)
def test_owner_role_is_refused_by_the_seal_trigger(
    chain_app, world, database_urls, statement, heads
):
    seal(chain_app, world.a.tenant_id)
    engine = sa.create_engine(database_urls["owner"])
    try:
        with engine.connect() as conn:
            conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
            with pytest.raises(DBAPIError, match="append-only") as error:
                conn.execute(sa.text(statement))
            assert getattr(error.value.orig, "sqlstate", None) == "42501"
            conn.rollback()
    finally:
        engine.dispose()


def test_seals_are_tenant_isolated(chain_app, world, app_engine, heads):
    seal(chain_app, world.a.tenant_id)
    seal(chain_app, None)
    with app_engine.connect() as conn:
        conn.execute(SET_TENANT, {"t": str(world.b.tenant_id)})
        assert conn.execute(sa.text("SELECT count(*) FROM audit_seal")).scalar_one() == 0
        conn.rollback()
        conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
        tenants = set(conn.execute(sa.text("SELECT tenant_id FROM audit_seal")).scalars())
        assert tenants == {world.a.tenant_id}
        conn.rollback()


def test_sealing_is_due_once_a_day_from_the_configured_hour():
    from datetime import UTC, date, datetime

    from core.jobs.cli import seal_due

    today, yesterday = date(2026, 11, 24), date(2026, 11, 23)
    at = lambda hour: datetime(2026, 11, 24, hour, 5, tzinfo=UTC)  # noqa: E731
    assert seal_due(None, at(3), hour=2)
    assert seal_due(yesterday, at(2), hour=2)
    assert not seal_due(today, at(23), hour=2)  # done today already
    assert not seal_due(yesterday, at(1), hour=2)  # not yet the hour


def test_the_scheduler_seals_every_chain_once_a_day(
    chain_app, world, app_engine, admin_engine, heads
):
    from datetime import UTC, datetime

    from core.jobs.cli import _seal_audit_daily

    add_events(app_engine, world.a.tenant_id, 3)
    chain_app.config["AUDIT_SEAL_HOUR"] = 0
    with chain_app.app_context():
        sealed_on = _seal_audit_daily(None)
        assert sealed_on == datetime.now(UTC).date()
        events, links = sealed_count(admin_engine, world.a.tenant_id)
        assert events >= links >= 3  # the world's own, just written, wait for the settle window
        add_events(app_engine, world.a.tenant_id, 2, oldest=5)
        assert _seal_audit_daily(sealed_on) == sealed_on  # not again the same day
    assert sealed_count(admin_engine, world.a.tenant_id)[1] == links
    assert heads.exists(
        f"stepping-stones:audit-head:{sa.engine.make_url(str(app_engine.url)).database}:{world.a.tenant_id}"
    )
