"""The ORM layer on its own (DESIGN §3 layer one).

To prove the ORM guards rather than RLS, the queries here run on a *superuser* connection,
which bypasses row-level security: whatever keeps tenants apart there is the ORM filter and the
flush guard. Each test also shows the bypass is real (with the filter off the same query sees
every tenant), so none of them can pass because RLS quietly did the work.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import Session

from core.accounts.models import Organisation
from core.extensions import db
from core.tenancy.context import tenant_context
from core.tenancy.scoping import TenantIsolationError


@contextmanager
def orm_filter(app, enabled: bool) -> Iterator[None]:
    previous = app.config.get("TENANCY_ORM_FILTER", True)
    app.config["TENANCY_ORM_FILTER"] = enabled
    try:
        yield
    finally:
        app.config["TENANCY_ORM_FILTER"] = previous


@contextmanager
def superuser_session(app, admin_engine, tenant_id=None) -> Iterator[Session]:
    """A Session on the superuser engine (RLS bypassed) inside ``tenant_id``'s context."""
    with app.app_context():
        if tenant_id is None:
            with Session(admin_engine) as session:
                yield session
                session.rollback()
            return
        with tenant_context(tenant_id, commit=False), Session(admin_engine) as session:
            yield session
            session.rollback()


def _org_ids(session: Session) -> set:
    return set(session.execute(sa.select(Organisation.id)).scalars())


def test_control_superuser_session_really_bypasses_rls(app, world, admin_engine):
    everyone = {i for t in (world.a, world.b, world.c) for i in t.ids["organisation"]}
    with orm_filter(app, False), superuser_session(app, admin_engine, world.a.tenant_id) as s:
        assert _org_ids(s) == everyone


def test_select_returns_only_the_current_tenant(app, world, admin_engine):
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        assert _org_ids(session) == set(world.a.ids["organisation"])
        rows = session.execute(sa.select(Organisation)).scalars().all()
        assert {r.tenant_id for r in rows} == {world.a.tenant_id}
        alias = sa.orm.aliased(Organisation)
        assert set(session.execute(sa.select(alias.id)).scalars()) == set(
            world.a.ids["organisation"]
        )
        count = session.execute(sa.select(sa.func.count()).select_from(Organisation)).scalar_one()
        assert count == len(world.a.ids["organisation"])


def test_no_tenant_means_no_rows(app, world, admin_engine):
    with superuser_session(app, admin_engine) as session:
        assert g.get("tenant_id") is None
        assert _org_ids(session) == set()


def test_get_of_another_tenants_id_is_none(app, world, admin_engine):
    b_org = world.b.ids["organisation"][0]
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        assert session.get(Organisation, b_org) is None
        assert session.get(Organisation, world.a.ids["organisation"][0]) is not None
    with orm_filter(app, False), superuser_session(app, admin_engine, world.a.tenant_id) as s:
        assert s.get(Organisation, b_org) is not None  # control


def test_new_row_for_another_tenant_is_refused_at_flush(app, world, admin_engine):
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        session.add(
            Organisation(tenant_id=world.b.tenant_id, key="x", name="X", kind="trust", active=True)
        )
        with pytest.raises(TenantIsolationError):
            session.flush()


def test_new_row_outside_any_tenant_is_refused(app, world, admin_engine):
    with superuser_session(app, admin_engine) as session:
        session.add(Organisation(key="x", name="X", kind="trust"))
        with pytest.raises(TenantIsolationError):
            session.flush()


def test_new_row_is_stamped_with_the_current_tenant(app, world, admin_engine):
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        org = Organisation(key="stamped", name="Stamped", kind="trust")
        assert org.tenant_id is None
        session.add(org)
        session.flush()
        assert org.tenant_id == world.a.tenant_id
        stored = session.execute(
            sa.text("SELECT tenant_id FROM organisation WHERE id = :id"), {"id": org.id}
        ).scalar_one()
        assert stored == world.a.tenant_id


def test_moving_a_loaded_row_to_another_tenant_is_refused(app, world, admin_engine):
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        org = session.get(Organisation, world.a.ids["organisation"][0])
        org.tenant_id = world.b.tenant_id
        with pytest.raises(TenantIsolationError):
            session.flush()


def test_changing_a_row_of_another_tenant_is_refused(app, world, admin_engine):
    """Loaded while the filter was off (as a buggy path might), then flushed under A."""
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        with orm_filter(app, False):
            org = session.get(Organisation, world.b.ids["organisation"][0])
        org.name = "changed under A"
        with pytest.raises(TenantIsolationError):
            session.flush()


@pytest.mark.parametrize("operation", ["update", "delete"])
def test_orm_update_and_delete_of_another_tenants_id_touch_nothing(
    app, world, admin_engine, operation
):
    from tests.plugins.canary.models import CanaryNote  # referenced by nothing: deletable

    b_note = world.b.ids["canary_note"][0]

    def statement():
        if operation == "update":
            return sa.update(CanaryNote).where(CanaryNote.id == b_note).values(text="hijacked")
        return sa.delete(CanaryNote).where(CanaryNote.id == b_note)

    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        result = session.execute(statement(), execution_options={"synchronize_session": False})
        assert result.rowcount == 0
    # Control: the same statement with the filter off does reach B's row (then rolls back).
    with orm_filter(app, False), superuser_session(app, admin_engine, world.a.tenant_id) as s:
        result = s.execute(statement(), execution_options={"synchronize_session": False})
        assert result.rowcount == 1
        s.rollback()
    with admin_engine.connect() as conn:
        text = conn.execute(
            sa.text("SELECT text FROM canary_note WHERE id = :id"), {"id": b_note}
        ).scalar_one()
        assert text != "hijacked"


def test_paginated_count_query_is_filtered(app, world, admin_engine):
    """The count ``core.api.pagination`` runs (a COUNT over the statement as a subquery)."""
    stmt = sa.select(Organisation).order_by(Organisation.name)
    count = sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    with superuser_session(app, admin_engine, world.a.tenant_id) as session:
        assert session.execute(count).scalar_one() == len(world.a.ids["organisation"])
    with orm_filter(app, False), superuser_session(app, admin_engine, world.a.tenant_id) as s:
        assert s.execute(count).scalar_one() == 3 * len(world.a.ids["organisation"])


def _paginated_list_paths(app) -> list[str]:
    """API list routes that answer with ``X-Pagination`` (from the OpenAPI document)."""
    from tests.security.harness import OpenApi

    spec = OpenApi(app).spec
    paths = []
    for path, operations in spec["paths"].items():
        get = operations.get("get") or {}
        headers = (get.get("responses", {}).get("200") or {}).get("headers") or {}
        if "X-Pagination" in headers and "{tenant}" in path and path.count("{") == 1:
            paths.append(path)
    return sorted(paths)


def test_paginated_api_totals_with_rls_bypassed(app, world, admin_engine, monkeypatch):
    """Through the real API: the app's engine swapped for the superuser one (RLS bypassed),
    every paginated list of tenant A reports the same total and ids as with RLS on; with the
    ORM filter also off, the totals grow (so the swap really bypassed RLS)."""
    paths = _paginated_list_paths(app)
    assert "/api/v1/{tenant}/organisations" in paths
    client = app.test_client()

    def fetch_all() -> dict[str, tuple[int, set[str]]]:
        found = {}
        for path in paths:
            url = path.replace("{tenant}", world.a.slug) + "?page_size=100"
            response = client.get(url, headers=world.a.auth())
            assert response.status_code == 200, (url, response.status_code)
            total = json.loads(response.headers["X-Pagination"])["total"]
            found[path] = (total, {str(row.get("id")) for row in response.json})
        return found

    with_rls = fetch_all()
    engines = db._app_engines[app]  # Flask-SQLAlchemy's per-app engines
    monkeypatch.setitem(engines, None, admin_engine)
    with app.app_context():
        assert db.session.execute(sa.text("SELECT current_user")).scalar_one() == "postgres"
        db.session.remove()
    orm_only = fetch_all()
    for path in paths:
        total, ids = orm_only[path]
        assert total == len(ids) or total > 100, path
        if path.endswith("/audit-events"):
            # Each API call is audited only in its own tenant; totals move between calls.
            assert not ids & {str(i) for i in world.b.ids["audit_event"]}
            continue
        assert orm_only[path] == with_rls[path], path
    with orm_filter(app, False):
        unfiltered = fetch_all()
    grew = [p for p in paths if unfiltered[p][0] > orm_only[p][0]]
    assert "/api/v1/{tenant}/organisations" in grew, "control: RLS was not really bypassed"
