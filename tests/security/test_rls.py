"""PostgreSQL row-level security on its own: raw SQL as the application role (DESIGN §3).

Nothing here goes through the ORM, so the ORM filter cannot help: what these tests see is what
any raw query, report or export the app runs would see.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, ProgrammingError

from core.extensions import db
from core.tenancy.context import tenant_context
from tests.factories import make_membership, make_user

SET_TENANT = sa.text("SELECT set_config('app.current_tenant', :t, true)")
SET_USER = sa.text("SELECT set_config('app.current_user', :u, true)")
CURRENT_TENANT = sa.text("SELECT current_setting('app.current_tenant', true)")


def tenant_tables(engine: sa.Engine) -> list[str]:
    """Every ordinary table in ``public`` with a ``tenant_id`` column."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT c.relname FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public' "
                    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
                    "AND NOT a.attisdropped "
                    "WHERE c.relkind IN ('r', 'p') ORDER BY c.relname"
                )
            ).scalars()
        )


@pytest.fixture(scope="module")
def tables(admin_engine) -> list[str]:
    found = tenant_tables(admin_engine)
    # The catalogue tests below must not pass vacuously.
    assert {"organisation", "membership", "api_token", "audit_event", "canary_note"} <= set(found)
    return found


def _counts_by_tenant(engine: sa.Engine, tables: list[str]) -> dict[str, dict[str | None, int]]:
    result: dict[str, dict[str | None, int]] = {}
    with engine.connect() as conn:
        for table in tables:
            rows = conn.execute(
                sa.text(f'SELECT tenant_id::text, count(*) FROM "{table}" GROUP BY 1')
            ).all()
            result[table] = {tenant: n for tenant, n in rows}
    return result


# --------------------------------------------------------------------------- as the app role


def test_app_role_sees_only_the_current_tenant(world, app_engine, admin_engine, tables):
    truth = _counts_by_tenant(admin_engine, tables)
    a, b = str(world.a.tenant_id), str(world.b.tenant_id)
    seen_some = 0
    with app_engine.begin() as conn:
        conn.execute(SET_TENANT, {"t": a})
        for table in tables:
            rows = conn.execute(
                sa.text(f'SELECT tenant_id::text, count(*) FROM "{table}" GROUP BY 1')
            ).all()
            got = {tenant: n for tenant, n in rows}
            assert set(got) <= {a}, f"{table}: rows of other tenants visible: {got}"
            assert got.get(a, 0) == truth[table].get(a, 0), f"{table}: not all of A's rows"
            seen_some += got.get(a, 0)
            assert truth[table].get(b, 0) == truth[table].get(a, 0), f"{table}: shapes differ"
    assert seen_some > 0, "tenant A has no rows at all: the test would pass vacuously"


def test_nothing_set_means_no_tenant_rows(world, app_engine, admin_engine, tables):
    truth = _counts_by_tenant(admin_engine, tables)
    assert sum(n for t in truth.values() for k, n in t.items() if k is not None) > 0
    with app_engine.begin() as conn:
        assert conn.execute(CURRENT_TENANT).scalar() in (None, "")
        for table in tables:
            n = conn.execute(
                sa.text(f'SELECT count(*) FROM "{table}" WHERE tenant_id IS NOT NULL')
            ).scalar_one()
            assert n == 0, f"{table}: {n} tenant rows visible with no tenant set"


def test_setting_does_not_outlive_its_transaction(world, app_engine):
    a = str(world.a.tenant_id)
    with app_engine.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        conn.commit()
        with conn.begin():
            conn.execute(SET_TENANT, {"t": a})
            assert conn.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one() > 0
        # Same server session, next transaction: the setting is gone (reads back '' → no rows).
        with conn.begin():
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == pid
            assert conn.execute(CURRENT_TENANT).scalar() in (None, "")
            assert conn.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one() == 0
        # A rollback clears it just the same.
        trans = conn.begin()
        conn.execute(SET_TENANT, {"t": a})
        trans.rollback()
        with conn.begin():
            assert conn.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one() == 0


def test_savepoint_rollback_restores_the_outer_tenant(world, app_engine):
    a, b = str(world.a.tenant_id), str(world.b.tenant_id)
    with app_engine.begin() as conn:
        conn.execute(SET_TENANT, {"t": a})
        savepoint = conn.begin_nested()
        conn.execute(SET_TENANT, {"t": b})
        assert conn.execute(CURRENT_TENANT).scalar() == b
        savepoint.rollback()
        assert conn.execute(CURRENT_TENANT).scalar() == a
        tenants = set(
            conn.execute(sa.text("SELECT DISTINCT tenant_id::text FROM organisation")).scalars()
        )
        assert tenants == {a}


def test_app_pool_connection_carries_no_tenant_after_the_unit_of_work(app, world):
    """The app's own wiring (after_begin + transaction-local settings): after a tenant's work
    commits, the same pooled server session sees no tenant and no rows."""
    with app.app_context():
        with tenant_context(world.a.tenant_id):
            pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
            assert db.session.execute(CURRENT_TENANT).scalar() == str(world.a.tenant_id)
            assert db.session.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one()
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() == pid
            assert conn.execute(CURRENT_TENANT).scalar() in (None, "")
            assert conn.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one() == 0


def test_session_level_setting_is_not_how_the_app_isolates(world, app_engine):
    """Isolation does not depend on session state: a stale session-level value (as a buggy
    ``SET`` would leave) is overridden by the transaction-local one for the transaction, and
    the app never relies on it. Shown so the pool hazard of session-level SET stays visible."""
    a, b = str(world.a.tenant_id), str(world.b.tenant_id)
    with app_engine.connect() as conn:
        try:
            conn.execute(sa.text("SELECT set_config('app.current_tenant', :t, false)"), {"t": b})
            conn.commit()
            with conn.begin():
                conn.execute(SET_TENANT, {"t": a})
                seen = set(
                    conn.execute(
                        sa.text("SELECT DISTINCT tenant_id::text FROM organisation")
                    ).scalars()
                )
                assert seen == {a}
            # The hazard: a session-level value survives COMMIT.
            with conn.begin():
                assert conn.execute(CURRENT_TENANT).scalar() == b
        finally:
            conn.rollback()
            conn.execute(sa.text("RESET app.current_tenant"))
            conn.commit()
            conn.invalidate()  # never hand this server session back to the pool


def test_insert_of_another_tenants_row_is_refused(world, app_engine, admin_engine):
    a, b = str(world.a.tenant_id), str(world.b.tenant_id)
    with app_engine.connect() as conn:
        conn.execute(SET_TENANT, {"t": a})
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(
                sa.text(
                    "INSERT INTO organisation (id, tenant_id, key, name, kind, active, "
                    "created_at, updated_at) VALUES (:id, :t, 'sneaky', 'Sneaky', 'trust', true, "
                    "now(), now())"
                ),
                {"id": uuid.uuid4(), "t": b},
            )
        conn.rollback()
    with admin_engine.connect() as conn:
        assert not conn.execute(sa.text("SELECT 1 FROM organisation WHERE key = 'sneaky'")).first()


def test_update_and_delete_cannot_reach_or_move_rows(world, app_engine, admin_engine):
    a, b = str(world.a.tenant_id), str(world.b.tenant_id)
    b_org = world.b.ids["organisation"][0]
    a_org = world.a.ids["organisation"][0]
    with app_engine.connect() as conn:
        conn.execute(SET_TENANT, {"t": a})
        hit = conn.execute(
            sa.text("UPDATE organisation SET name = 'hijacked' WHERE id = :id"), {"id": b_org}
        )
        assert hit.rowcount == 0
        gone = conn.execute(sa.text("DELETE FROM api_token WHERE tenant_id = :t"), {"t": b})
        assert gone.rowcount == 0
        with pytest.raises(ProgrammingError, match="row-level security"):
            conn.execute(
                sa.text("UPDATE organisation SET tenant_id = :b WHERE id = :id"),
                {"b": b, "id": a_org},
            )
        conn.rollback()
    with admin_engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT name FROM organisation WHERE id = :id"), {"id": b_org}
            ).scalar_one()
            != "hijacked"
        )
        assert conn.execute(
            sa.text("SELECT count(*) FROM api_token WHERE tenant_id = :t"), {"t": b}
        ).scalar_one() == len(world.b.ids["api_token"])


def test_app_role_is_not_privileged_and_owns_nothing(app_engine, database_urls):
    with app_engine.connect() as conn:
        role = conn.execute(
            sa.text(
                "SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb "
                "FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        assert role.rolname == database_urls["app_role"]
        assert not role.rolsuper and not role.rolbypassrls
        assert not role.rolcreaterole and not role.rolcreatedb
        owned = conn.execute(
            sa.text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            )
        ).all()
        assert owned == []
        assert not conn.execute(
            sa.text("SELECT has_schema_privilege(current_user, 'public', 'CREATE')")
        ).scalar_one()
        with pytest.raises(DBAPIError, match="must be owner"):
            conn.execute(sa.text("ALTER TABLE organisation DISABLE ROW LEVEL SECURITY"))
        conn.rollback()
        with pytest.raises(DBAPIError, match="must be owner"):
            conn.execute(sa.text("ALTER TABLE organisation NO FORCE ROW LEVEL SECURITY"))
        conn.rollback()


def test_owner_role_is_held_by_forced_rls(world, database_urls):
    """FORCE makes even the table owner (migrations) subject to the policies."""
    engine = sa.create_engine(database_urls["owner"])
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one() == 0
            conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
            tenants = set(
                conn.execute(sa.text("SELECT DISTINCT tenant_id FROM organisation")).scalars()
            )
            assert tenants == {world.a.tenant_id}
            conn.rollback()
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- membership policy


@pytest.fixture
def person_in_two_tenants(app, world):
    """(user id, membership in A, membership in B)."""
    with app.app_context():
        user_id = make_user("two@example.org", "Two Tenants")
        with tenant_context(world.a.tenant_id):
            in_a = make_membership(user_id, world.a.ids["organisation"][0], ["practitioner"]).id
        with tenant_context(world.b.tenant_id):
            in_b = make_membership(user_id, world.b.ids["organisation"][0], ["practitioner"]).id
    return user_id, in_a, in_b


def _visible_memberships(conn, *, tenant=None, user=None) -> set[uuid.UUID]:
    if tenant is not None:
        conn.execute(SET_TENANT, {"t": str(tenant)})
    if user is not None:
        conn.execute(SET_USER, {"u": str(user)})
    return set(conn.execute(sa.text("SELECT id FROM membership")).scalars())


def test_membership_policy_own_rows_across_tenants_only(world, app_engine, person_in_two_tenants):
    user_id, in_a, in_b = person_in_two_tenants
    with app_engine.connect() as conn:
        # Outside any tenant, with app.current_user: exactly their own, in every tenant.
        assert _visible_memberships(conn, user=user_id) == {in_a, in_b}
        conn.rollback()
        # Another person's id shows that person's own rows, never these.
        admin_a = world.a.ids["user"][0]
        assert _visible_memberships(conn, user=admin_a) == {world.a.memberships["admin"]}
        conn.rollback()
        # Nobody: nothing.
        assert _visible_memberships(conn) == set()
        conn.rollback()
        # Inside tenant A: only A's memberships, even with app.current_user set to this person
        # (else A's tenant gate could find, and let in, a member of B).
        seen = _visible_memberships(conn, tenant=world.a.tenant_id, user=user_id)
        assert seen == set(world.a.ids["membership"]) | {in_a}
        conn.rollback()


def test_membership_cross_tenant_visibility_is_read_only(world, app_engine, person_in_two_tenants):
    """The extra SELECT visibility never extends to UPDATE or DELETE."""
    user_id, in_a, in_b = person_in_two_tenants
    with app_engine.connect() as conn:
        conn.execute(SET_USER, {"u": str(user_id)})
        assert _visible_memberships(conn) == {in_a, in_b}
        changed = conn.execute(
            sa.text("UPDATE membership SET roles = '[]'::jsonb WHERE user_id = :u"), {"u": user_id}
        )
        assert changed.rowcount == 0
        gone = conn.execute(sa.text("DELETE FROM membership WHERE user_id = :u"), {"u": user_id})
        assert gone.rowcount == 0
        conn.rollback()
        conn.execute(SET_TENANT, {"t": str(world.a.tenant_id)})
        conn.execute(SET_USER, {"u": str(user_id)})
        changed = conn.execute(
            sa.text("UPDATE membership SET roles = '[]'::jsonb WHERE user_id = :u"), {"u": user_id}
        )
        assert changed.rowcount == 1  # A's only
        conn.rollback()


# --------------------------------------------------------------------------- catalogue (superuser)


def test_every_tenant_table_has_forced_rls_and_a_tenant_policy(admin_engine, tables):
    with admin_engine.connect() as conn:
        for table in tables:
            row = conn.execute(
                sa.text(
                    "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE oid = to_regclass(:t)"
                ),
                {"t": f'public."{table}"'},
            ).one()
            assert row.relrowsecurity, f"{table}: RLS not enabled"
            assert row.relforcerowsecurity, f"{table}: RLS not forced (the owner would bypass)"
            policies = conn.execute(
                sa.text(
                    "SELECT policyname, permissive, cmd, qual, with_check FROM pg_policies "
                    "WHERE schemaname = 'public' AND tablename = :t"
                ),
                {"t": table},
            ).all()
            assert policies, f"{table}: no policy"
            for policy in policies:
                assert "app.current_tenant" in (policy.qual or ""), (table, policy.policyname)
                if policy.cmd in ("ALL", "INSERT", "UPDATE"):
                    assert "app.current_tenant" in (policy.with_check or ""), (
                        table,
                        policy.policyname,
                    )


def test_unique_constraints_on_tenant_tables_include_tenant_id(admin_engine, tables):
    """A global UNIQUE on tenant data is an existence oracle across tenants (SECURITY §6)."""
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT c.relname AS tbl, i.relname AS idx, "
                "array(SELECT a.attname FROM unnest(x.indkey) k "
                "      JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k) AS cols, "
                "x.indexprs IS NOT NULL AS expr "
                "FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indisunique AND NOT x.indisprimary AND c.relname = ANY(:tables)"
            ),
            {"tables": tables},
        ).all()
    assert rows, "no unique constraints found at all: the query is broken"
    offenders = [(r.tbl, r.idx, r.cols) for r in rows if "tenant_id" not in r.cols or r.expr]
    assert not offenders, f"UNIQUE without tenant_id: {offenders}"


def test_foreign_keys_between_tenant_tables_are_composite_on_tenant_id(admin_engine, tables):
    """RI checks bypass RLS: a plain FK would let A's row point at B's (SECURITY §6)."""
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT con.conname, src.relname AS src, dst.relname AS dst, "
                "array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o) "
                "      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n "
                "      ORDER BY k.o) AS cols, "
                "array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o) "
                "      JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n "
                "      ORDER BY k.o) AS refcols "
                "FROM pg_constraint con JOIN pg_class src ON src.oid = con.conrelid "
                "JOIN pg_class dst ON dst.oid = con.confrelid "
                "WHERE con.contype = 'f' AND src.relname = ANY(:tables) "
                "AND dst.relname = ANY(:tables)"
            ),
            {"tables": tables},
        ).all()
    assert rows, "no FK between tenant tables found: the query is broken"
    for row in rows:
        pairs = dict(zip(row.cols, row.refcols, strict=True))
        assert len(row.cols) > 1, f"{row.conname}: single-column FK {row.src} → {row.dst}"
        assert pairs.get("tenant_id") == "tenant_id", (
            f"{row.conname}: {row.src}{row.cols} → {row.dst}{row.refcols} "
            "does not pair tenant_id with tenant_id"
        )
