"""The tenant-isolation matrix on the work slice's routes only (fast; the full matrix in
tests/security covers them too): tenant B's ids in every id slot of every work route, as A's
team leader, with the ORM tenant filter on and with PostgreSQL row-level security alone."""

from __future__ import annotations

import pytest

from tests.security import harness, matrix_cells

#: The endpoints of the work slice (UI and API blueprints).
WORK_BLUEPRINTS = ("ips_work.", "ips_work_api.")


@pytest.fixture
def work_routes_only(monkeypatch):
    every_route = harness.tenant_routes

    def work_routes(app):
        return [r for r in every_route(app) if r.endpoint.startswith(WORK_BLUEPRINTS)]

    monkeypatch.setattr(harness, "tenant_routes", work_routes)
    monkeypatch.setattr(matrix_cells, "tenant_routes", work_routes)  # what build_cells calls


@pytest.mark.parametrize("orm_filter", [True, False], ids=["orm-and-rls", "rls-only"])
def test_work_routes_hold_isolation(app, world, admin_engine, orm_filter, work_routes_only):
    previous = app.config.get("TENANCY_ORM_FILTER", True)
    app.config["TENANCY_ORM_FILTER"] = orm_filter
    try:
        cells = harness.build_cells(app, world.a, world.b)
        rules = {c.route.rule for c in cells}
        assert len(rules) >= 20, sorted(rules)  # every work route produced cells
        _outcomes, problems = harness.run_matrix(app, world.a, world.b, admin_engine, cells=cells)
    finally:
        app.config["TENANCY_ORM_FILTER"] = previous
    assert not problems, "\n".join(problems[:80])


def test_own_ids_reach_the_work_views(app, world, work_routes_only):
    """Positive control: with A's own ids the same cells are not refused as not-found."""
    from tests.security import test_isolation_matrix as matrix

    matrix.test_controls_own_ids_reach_the_views(app, world)
