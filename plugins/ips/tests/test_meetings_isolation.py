"""The tenant-isolation matrix (tests/security/harness.py) over the meetings, fidelity and
surveys routes only: quick to run while working on them. The full matrix covers them too."""

from __future__ import annotations

import pytest

from tests.security import harness
from tests.security.harness import build_cells, run_matrix, send, sign_in

MINE = ("ips_meetings", "ips_fidelity", "ips_surveys")


def _mine(cells):
    return [c for c in cells if c.route.endpoint.startswith(MINE)]


@pytest.fixture(autouse=True)
def only_these_routes(monkeypatch):
    """Build cells for these slices' routes only (others' schemas are not this test's business)."""
    every_route = harness.tenant_routes
    monkeypatch.setattr(
        harness,
        "tenant_routes",
        lambda app: [r for r in every_route(app) if r.endpoint.startswith(MINE)],
    )


@pytest.fixture(params=[True, False], ids=["orm-and-rls", "rls-only"])
def orm_filter(app, request):
    previous = app.config.get("TENANCY_ORM_FILTER", True)
    app.config["TENANCY_ORM_FILTER"] = request.param
    yield request.param
    app.config["TENANCY_ORM_FILTER"] = previous


def test_foreign_ids_in_every_slot_of_these_routes(app, world, admin_engine, orm_filter):
    cells = _mine(build_cells(app, world.a, world.b))
    endpoints = {c.route.endpoint for c in cells}
    assert len(endpoints) >= 20, sorted(endpoints)
    _outcomes, problems = run_matrix(app, world.a, world.b, admin_engine, cells=cells)
    assert not problems, "\n".join(problems[:80])


def test_own_ids_reach_the_views(app, world):
    """Positive control: with A's own ids, each id slot answers something other than 404."""
    cells = [c for c in _mine(build_cells(app, world.a, world.a)) if c.slot.startswith("path:")]
    own = {str(v) for ids in world.a.ids.values() for v in ids}
    ui = app.test_client()
    sign_in(ui, world.a.emails["admin"])
    api = app.test_client()
    reached: dict[tuple[str, str, str], list[int]] = {}
    for cell in cells:
        if cell.value not in own:
            continue
        key = (cell.route.rule, cell.method, cell.slot)
        if any(s != 404 for s in reached.get(key, [])):
            continue
        response = send(
            api if cell.route.is_api else ui,
            cell.method,
            cell.url,
            api_headers=world.a.auth(),
            json=cell.json,
            form=cell.form,
        )
        assert response.status_code < 500, cell.name
        reached.setdefault(key, []).append(response.status_code)
    missed = {k: v for k, v in reached.items() if all(s == 404 for s in v)}
    assert reached and not missed, missed
