"""The tenant-isolation matrix (DESIGN §3 "Proof", SECURITY.md §8).

Every route under ``<tenant>`` (UI and API, core and plugins), every method but HEAD/OPTIONS,
called as tenant A's admin with A's slug and tenant B's ids of every type in every id slot
(path, id-shaped query parameters, id-shaped body fields), plus a random UUID and a non-UUID.
Run twice: with the ORM filter on, and with it off so PostgreSQL row-level security alone holds.
The harness lives in ``tests/security/harness.py``; new routes are covered without edits here.
"""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import sqlalchemy as sa

from core.accounts import tokens
from core.accounts.models import Membership
from core.extensions import db
from core.tenancy.context import tenant_context
from tests.factories import World, make_membership, make_user
from tests.security.harness import (
    ALL_IDS,
    CONTROL_GAPS,
    WRITE_METHODS,
    Cell,
    Snapshotter,
    all_ids,
    build_cells,
    foreign_values,
    one_per_route,
    run_matrix,
    send,
    sign_in,
    slot_kind,
    tenant_routes,
)

#: Hostile or wrong tenant slugs, inserted into URLs as written (some already percent-encoded).
BAD_SLUGS = [
    "no-such-tenant",
    "..",
    "%2e%2e",
    "tenant-a%2f..",
    "tenant-a%2F..%2Ftenant-b",
    "TENANT-A",
    "tenant-a%00",
    "a" * 300,
]


@pytest.fixture(params=[True, False], ids=["orm-and-rls", "rls-only"])
def orm_filter(app, request):
    """Run with the ORM tenant filter on, then off (PostgreSQL RLS alone must hold)."""
    previous = app.config.get("TENANCY_ORM_FILTER", True)
    app.config["TENANCY_ORM_FILTER"] = request.param
    yield request.param
    app.config["TENANCY_ORM_FILTER"] = previous


@pytest.mark.hazard("HAZ-002")
def test_matrix_foreign_ids_in_own_tenant(app, world, admin_engine, orm_filter, record_property):
    started = time.monotonic()
    cells = build_cells(app, world.a, world.b)
    assert cells, "the matrix produced no cells"
    outcomes, problems = run_matrix(app, world.a, world.b, admin_engine, cells=cells)
    assert len(outcomes) == len(cells)
    assert not problems, f"{len(problems)} isolation failures in {len(cells)} cells:\n" + "\n".join(
        problems[:150]
    )
    # A's admin still works after the whole matrix (no cell revoked or broke it).
    client = app.test_client()
    assert client.get(f"/api/v1/{world.a.slug}/me", headers=world.a.auth()).status_code == 200
    # Speed is reported, never asserted (a timed assertion fails on a busy machine, not on a bug).
    record_property("matrix", f"{len(cells)} cells in {time.monotonic() - started:.1f} s")


def _refused(app, world, engine, cells, expected, *, signed_in=True, foreign=()):
    """Send ``cells`` with A's credentials (or none); each must get ``expected(cell)``.

    The database must not change at all: every request is refused, so one hash before and one
    after the whole batch suffices (and keeps this fast).
    """
    api_client = app.test_client()
    ui_client = app.test_client()
    headers = {}
    if signed_in:
        sign_in(ui_client, world.a.emails["admin"])
        headers = world.a.auth()
    snapshotter = Snapshotter(engine, world.b.tenant_id, all_ids(world.b))
    before = snapshotter.take()
    problems = []
    for cell in cells:
        client = api_client if cell.route.is_api else ui_client
        response = send(
            client, cell.method, cell.url, api_headers=headers, json=cell.json, form=cell.form
        )
        wanted = expected(cell)
        ok = wanted(response) if callable(wanted) else response.status_code == wanted
        if not ok:
            problems.append(f"{cell.method} {cell.url} ({cell.name}): {response.status_code}")
        body = response.get_data(as_text=True)
        leaked = [i for i in foreign if i != cell.value and i in body]
        if leaked:
            problems.append(f"{cell.method} {cell.url}: response names {leaked}")
    changed = before.diff(snapshotter.take())
    if changed:
        problems.append(f"refused requests changed the database: {changed}")
    return problems


@pytest.mark.hazard("HAZ-002")
def test_other_tenants_urls_with_own_credentials(app, world, admin_engine, orm_filter):
    """B's (and C's) URLs with their real ids: A's token → 401, A's session → 404."""
    cells = one_per_route(build_cells(app, world.b, world.b)) + one_per_route(
        build_cells(app, world.c, world.c)
    )
    assert len(cells) == 2 * sum(len(r.methods) for r in tenant_routes(app))
    problems = _refused(
        app,
        world,
        admin_engine,
        cells,
        lambda cell: 401 if cell.route.is_api else 404,
        foreign=all_ids(world.b) + all_ids(world.c),
    )
    assert not problems, "\n".join(problems[:150])


def _bad_slug_cells(app, world):
    cells = []
    for route in tenant_routes(app):
        ids = {slot: str(world.a.ids["organisation"][0]) for slot in route.id_slots}
        for method in route.methods:
            json_body = {} if route.is_api and method in WRITE_METHODS - {"DELETE"} else None
            for slug in BAD_SLUGS:
                url = route.url(slug, ids, raw_tenant=True)
                cells.append(Cell(route, method, "tenant", slug, slug, url, json_body, None))
    return cells


def test_bad_tenant_slugs_are_404(app, world, admin_engine):
    """Unknown, upper-case and path-traversal-ish slugs: 404 (never 5xx, never another tenant)."""
    cells = _bad_slug_cells(app, world)
    assert len(cells) >= len(BAD_SLUGS)
    problems = _refused(app, world, admin_engine, cells, lambda cell: 404)
    assert not problems, "\n".join(problems[:150])


def test_anonymous_is_refused_everywhere(app, world, admin_engine):
    """No token → 401 (API); no session → redirect to sign-in (UI). For A and B alike."""
    cells = one_per_route(build_cells(app, world.a, world.b)) + one_per_route(
        build_cells(app, world.b, world.b)
    )

    def expected(cell):
        if cell.route.is_api:
            return 401
        return lambda r: r.status_code == 302 and "/sign-in" in r.headers["Location"]

    problems = _refused(app, world, admin_engine, cells, expected, signed_in=False)
    assert not problems, "\n".join(problems[:150])


# --------------------------------------------------------------------------- meta-tests


def test_every_tenant_route_yields_cells(app, world):
    """Fails if the harness silently skipped a route, a method or an id slot."""
    routes = tenant_routes(app)
    assert any(r.is_api for r in routes) and any(not r.is_api for r in routes)
    assert any(r.id_slots for r in routes), "no route with an id slot: the matrix proves nothing"
    cells = build_cells(app, world.a, world.b)
    per_route = Counter((c.route.rule, c.method) for c in cells)
    per_slot = Counter((c.route.rule, c.method, c.slot) for c in cells)
    values = len(foreign_values(world.b))
    kinds = {kind for kind, ids in world.b.ids.items() if ids}
    assert {"organisation", "membership", "api_token", "canary_note", "audit_event"} <= kinds
    for route in routes:
        assert route.methods, f"{route.rule} has no method to call"
        for method in route.methods:
            assert per_route[(route.rule, method)] > 0, f"no cell for {method} {route.rule}"
            for slot in route.id_slots:
                counts = [
                    n
                    for (r, m, s), n in per_slot.items()
                    if (r, m) == (route.rule, method)
                    and (s == f"path:{slot}" or s.startswith(f"path:{slot}("))
                ]
                # Several slots: the others hold A's own ids (and also B's with ALL_IDS).
                wanted = 2 if len(route.id_slots) > 1 and ALL_IDS else 1
                assert counts == [values] * wanted, (
                    f"{method} {route.rule}: slot {slot} not given every foreign value"
                )
    # Parent/child routes: every slot's kind is known, so "A's parent, B's child" is real.
    for route in routes:
        if len(route.id_slots) > 1:
            unknown = [s for s in route.id_slots if slot_kind(s, world.a) is None]
            assert not unknown, f"{route.rule}: add {unknown} to harness.SLOT_KINDS"
    # Every foreign value lands in every path slot, as its own cell.
    for (rule, method, slot), n in per_slot.items():
        if slot.startswith("path:") or slot.startswith("query:") or slot == "body":
            labels = {
                c.label for c in cells if (c.route.rule, c.method, c.slot) == (rule, method, slot)
            }
            assert len(labels) == values == n, (rule, method, slot)


def _fresh_headers(world: World) -> dict[str, str]:
    """A new token for A's admin, so a control that revokes a token does not stop the next."""
    with tenant_context(world.a.tenant_id):
        membership = db.session.get(Membership, world.a.memberships["admin"])
        _token, secret = tokens.issue(membership, "control", 1)
    return {"Authorization": f"Bearer {secret}"}


def test_controls_own_ids_reach_the_views(app, world):
    """Positive control: with A's own ids the same cells are *not* refused as not-found.

    Without this the 404s above could come from a broken URL or a missing route. Each id-slot
    cell must answer something other than 404 for at least one of A's ids; each create whose body
    carries an id must succeed (2xx, or 409 for a rule about the found object) for at least one
    of A's ids.
    """
    cells = build_cells(app, world.a, world.a)
    own = {str(v) for ids in world.a.ids.values() for v in ids}
    groups: dict[tuple[str, str, str], list] = {}
    for cell in cells:
        if (cell.slot.startswith("path:") or cell.slot == "body") and cell.value in own:
            groups.setdefault((cell.route.rule, cell.method, cell.slot), []).append(cell)
    assert groups
    ui_client = app.test_client()
    sign_in(ui_client, world.a.emails["admin"])
    api_client = app.test_client()
    failures = []
    # Deletions last, so they cannot remove what a read or update control needs.
    for key in sorted(groups, key=lambda k: (k[1] == "DELETE", k)):
        answers = []
        for cell in groups[key]:
            with app.app_context():
                headers = _fresh_headers(world)
            client = api_client if cell.route.is_api else ui_client
            try:
                response = send(
                    client,
                    cell.method,
                    cell.url,
                    api_headers=headers,
                    json=cell.json,
                    form=cell.form,
                )
            except Exception as error:  # TESTING propagates view exceptions (a 500)
                failures.append(f"{cell.name}: server error with own id: {error!r}")
                answers.append(500)
                continue
            answers.append(response.status_code)
            # A 409 on a create also proves the id was found in A: the view resolved it and
            # applied a rule about that very object (one open referral per client, say).
            wanted = (
                200 <= response.status_code < 300 or response.status_code == 409
                if key[2] == "body"
                else (response.status_code != 404)
            )
            if response.status_code >= 500:
                failures.append(f"{cell.name}: server error with own id")
            if wanted:
                break
        else:
            slot = key[2].removeprefix("path:").split("(")[0]
            if slot not in CONTROL_GAPS:
                failures.append(f"{key}: no id of A reached the view; answers {answers}")
    assert not failures, "\n".join(failures)


# --------------------------------------------------------------------------- targeted


@pytest.fixture
def stranger(app, world):
    """A person with a membership (tenant admin, and information governance for its pages) in
    B only, signed in to the UI."""
    with app.app_context():
        user_id = make_user("stranger@tenant-b.example", "Stranger")
        with tenant_context(world.b.tenant_id):
            org = world.b.ids["organisation"][0]
            make_membership(
                user_id,
                org,
                [
                    "tenant_admin",
                    "information_governance",
                    "canary_keeper",
                    "housing_team_leader",
                    "ips_team_leader",
                ],
            )
    client = app.test_client()
    sign_in(client, "stranger@tenant-b.example")
    return client


def test_member_of_other_tenant_only_gets_404_in_ui(app, world, stranger, orm_filter):
    """The membership RLS policy shows a person their own memberships in every tenant; the
    tenant gate must still look only in the current tenant (else B's admin enters A)."""
    for route in tenant_routes(app):
        if route.is_api or route.id_slots:
            continue
        assert stranger.get(route.url(world.a.slug)).status_code == 404, route.rule
        assert stranger.get(route.url(world.b.slug)).status_code == 200, route.rule


def test_person_in_two_tenants_gets_each_tenants_own_roles(app, world, orm_filter):
    """Practitioner in A, admin in B: in A only the practitioner's permissions apply."""
    with app.app_context():
        user_id = make_user("both@example.org", "Both")
        with tenant_context(world.a.tenant_id):
            a_member = make_membership(user_id, world.a.ids["organisation"][0], ["practitioner"])
            _token, secret_a = tokens.issue(a_member, "a", 1)
        with tenant_context(world.b.tenant_id):
            make_membership(user_id, world.b.ids["organisation"][0], ["tenant_admin"])
    ui = app.test_client()
    sign_in(ui, "both@example.org")
    assert ui.get(f"/{world.a.slug}/").status_code == 200
    assert ui.get(f"/{world.b.slug}/").status_code == 200
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret_a}"}
    me = api.get(f"/api/v1/{world.a.slug}/me", headers=headers)
    assert me.status_code == 200
    assert me.json["membership"]["id"] == str(a_member.id)
    assert "memberships.read" not in me.json["permissions"]
    assert api.get(f"/api/v1/{world.a.slug}/memberships", headers=headers).status_code == 403
    assert api.get(f"/api/v1/{world.b.slug}/me", headers=headers).status_code == 401


def test_lists_show_only_own_rows(app, world, orm_filter):
    """List endpoints: every id in A's list is one of A's, and the paginated total counts A's
    rows only (B has the same shape, so a leak would double it)."""
    client = app.test_client()
    for path, kind in (("organisations", "organisation"), ("memberships", "membership")):
        response = client.get(f"/api/v1/{world.a.slug}/{path}", headers=world.a.auth())
        assert response.status_code == 200
        assert {row["id"] for row in response.json} == {str(i) for i in world.a.ids[kind]}
        pagination = json.loads(response.headers["X-Pagination"])
        assert pagination["total"] == len(world.a.ids[kind])
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT count(*) FROM organisation")).scalar_one()
    assert rows == 0, "outside any tenant the app role must see no rows"
