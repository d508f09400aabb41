"""The audit log is append-only: the app role may INSERT and SELECT, never UPDATE or DELETE
(grants); even the owner role is refused by the trigger."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

SET_TENANT = sa.text("SELECT set_config('app.current_tenant', :t, true)")


def _seed_event_id(world) -> uuid.UUID:
    return world.a.ids["audit_event"][0]


def _audit_hash(admin_engine) -> str:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT md5(string_agg(e::text, ',' ORDER BY e.id)) FROM audit_event e")
        ).scalar_one()


def test_app_role_can_insert_and_select(world, app_engine, admin_engine):
    new_id = uuid.uuid4()
    with app_engine.begin() as conn:
        conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
        conn.execute(
            sa.text(
                "INSERT INTO audit_event (id, tenant_id, at, action, outcome, details) "
                "VALUES (:id, :t, now(), 'test.append', 'success', '{}'::jsonb)"
            ),
            {"id": new_id, "t": world.a.tenant_id},
        )
        ids = set(conn.execute(sa.text("SELECT id FROM audit_event")).scalars())
        assert {new_id, _seed_event_id(world)} <= ids
    with admin_engine.connect() as conn:
        assert conn.execute(
            sa.text("SELECT action FROM audit_event WHERE id = :id"), {"id": new_id}
        ).scalar_one() == ("test.append")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
        "TRUNCATE audit_event",
    ],
    ids=["update", "delete", "truncate"],
)
def test_app_role_cannot_change_or_remove_events(world, app_engine, admin_engine, statement):
    before = _audit_hash(admin_engine)
    with app_engine.connect() as conn:
        conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
        # The row is visible to the app role (so a refusal is not just RLS hiding it).
        assert conn.execute(
            sa.text("SELECT count(*) FROM audit_event WHERE id = :id"),
            {"id": _seed_event_id(world)},
        ).scalar_one()
        with pytest.raises(DBAPIError, match="permission denied") as error:
            conn.execute(sa.text(statement), {"id": _seed_event_id(world)})
        assert getattr(error.value.orig, "sqlstate", None) == "42501"  # insufficient_privilege
        conn.rollback()
    assert _audit_hash(admin_engine) == before


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
    ids=["update", "delete"],
)
def test_owner_role_is_refused_by_the_trigger(world, database_urls, admin_engine, statement):
    before = _audit_hash(admin_engine)
    engine = sa.create_engine(database_urls["owner"])
    try:
        with engine.connect() as conn:
            # RLS is forced even for the owner: set the tenant so the row is really targeted
            # (otherwise the statement would touch 0 rows and the trigger would never fire).
            conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
            assert conn.execute(
                sa.text("SELECT count(*) FROM audit_event WHERE id = :id"),
                {"id": _seed_event_id(world)},
            ).scalar_one()
            with pytest.raises(DBAPIError, match="append-only") as error:
                conn.execute(sa.text(statement), {"id": _seed_event_id(world)})
            assert getattr(error.value.orig, "sqlstate", None) == "42501"
            conn.rollback()
    finally:
        engine.dispose()
    assert _audit_hash(admin_engine) == before


def test_owner_role_holds_the_privileges_the_trigger_guards(database_urls):
    """The owner *has* UPDATE/DELETE privileges: only the trigger stops it (so the test above
    proves the trigger, not a missing grant)."""
    engine = sa.create_engine(database_urls["owner"])
    try:
        with engine.connect() as conn:
            for privilege in ("UPDATE", "DELETE"):
                assert conn.execute(
                    sa.text("SELECT has_table_privilege(current_user, 'audit_event', :p)"),
                    {"p": privilege},
                ).scalar_one()
    finally:
        engine.dispose()
