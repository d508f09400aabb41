"""The tenant-isolation matrix (tests/security) over Step Out's routes alone.

The full matrix walks every plugin's routes; this runs the same checks on ``/step-out`` routes
only, so Step Out's isolation is proven even while another plugin's routes are being built.
"""

from __future__ import annotations

import pytest

import tests.security.harness as harness
import tests.security.matrix_cells as matrix_cells
import tests.security.test_isolation_matrix as matrix


@pytest.fixture(autouse=True)
def step_out_routes_only(monkeypatch):
    everything = harness.tenant_routes

    def step_out_routes(app):
        return [r for r in everything(app) if "/step-out" in r.rule]

    monkeypatch.setattr(harness, "tenant_routes", step_out_routes)
    monkeypatch.setattr(matrix_cells, "tenant_routes", step_out_routes)  # what build_cells calls
    monkeypatch.setattr(matrix, "tenant_routes", step_out_routes)


@pytest.fixture(params=[True, False], ids=["orm-and-rls", "rls-only"])
def orm_filter(app, request):
    previous = app.config.get("TENANCY_ORM_FILTER", True)
    app.config["TENANCY_ORM_FILTER"] = request.param
    yield request.param
    app.config["TENANCY_ORM_FILTER"] = previous


def test_the_routes_are_step_outs_and_all_of_them(app, world):
    routes = harness.tenant_routes(app)
    rules = {r.rule for r in routes}
    assert "/api/v1/<tenant>/step-out/crisis-imports" in rules
    assert "/<tenant>/step-out/offers/<offer_id>/decide" in rules
    assert "/api/v1/<tenant>/step-out/actions/<action_id>" in rules
    assert len(routes) >= 20
    matrix.test_every_tenant_route_yields_cells(app, world)


def test_foreign_ids_in_own_tenant(app, world, admin_engine, orm_filter, record_property):
    matrix.test_matrix_foreign_ids_in_own_tenant(
        app, world, admin_engine, orm_filter, record_property
    )


def test_own_ids_reach_the_views(app, world):
    """The world's one client has an open referral, and a second open referral is refused
    (409): close it first so ``POST referrals`` with A's client can succeed (201)."""
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from plugins.step_out.models import StepOutReferral

    with app.app_context(), tenant_context(world.a.tenant_id):
        db.session.get(StepOutReferral, world.a.ids["step_out_referral"][0]).status = "closed"
    matrix.test_controls_own_ids_reach_the_views(app, world)


def test_other_tenants_urls_with_own_credentials(app, world, admin_engine, orm_filter):
    matrix.test_other_tenants_urls_with_own_credentials(app, world, admin_engine, orm_filter)


def test_anonymous_and_bad_slugs_are_refused(app, world, admin_engine):
    matrix.test_anonymous_is_refused_everywhere(app, world, admin_engine)
    matrix.test_bad_tenant_slugs_are_404(app, world, admin_engine)
