"""Every hook of the plugin contract, and its per-tenant gating, proved with the canary plugin.

Tenants A and B have canary switched on; tenant C has not. For each hookspec there is a
``test_hook_<name>`` showing that the hook works for A and that C never reaches the plugin:
nothing is called with C (``CALLS`` records every tenant hook call) and nothing is contributed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

import tests.plugins.canary as canary
from core.accounts.models import Membership
from core.accounts.permissions import catalogue
from core.extensions import db
from core.plugins.manager import plugins, tenant_hooks
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from tests.factories import PASSWORD, TenantData, World

CANARY_DIR = Path(canary.__file__).resolve().parent
PROBLEM_JSON = "application/problem+json"


@pytest.fixture(autouse=True)
def _fresh_calls() -> Iterator[None]:
    canary.CALLS.clear()
    yield
    canary.CALLS.clear()


@contextmanager
def inside(app: Flask, data: TenantData) -> Iterator[Tenant]:
    """An app context working in one test tenant, as a job or CLI command would."""
    with app.app_context(), tenant_context(data.tenant_id) as tenant:
        yield tenant


def viewer(data: TenantData, person: str = "admin") -> Membership:
    membership = db.session.get(Membership, data.memberships[person])
    assert membership is not None
    return membership


def flat(batches: list[list]) -> list:
    return [item for batch in batches for item in batch]


def canary_only(items):
    """The canary's part of a hook's answer (built-in plugins are installed and on too)."""

    def mine(item) -> bool:
        text = item if isinstance(item, str) else ""
        for attr in ("key", "job_kind", "source"):
            text = text or str(getattr(item, attr, "") or "")
        return "canary" in text

    if isinstance(items, dict):
        return {k: v for k, v in items.items() if v == "canary"}
    return [item for item in items if mine(item)]


def called_for(slug: str) -> list[str]:
    return [hook for hook, tenant in canary.CALLS if tenant == slug]


def signed_in(app: Flask, data: TenantData, person: str = "admin") -> FlaskClient:
    client = app.test_client()
    response = client.post("/sign-in", data={"email": data.emails[person], "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def canary_notes(admin_engine: sa.Engine, slug: str) -> list[str]:
    with admin_engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT n.text FROM canary_note n JOIN tenant t ON t.id = n.tenant_id "
                    "WHERE t.slug = :slug ORDER BY n.text"
                ),
                {"slug": slug},
            ).scalars()
        )


# ---------------------------------------------------------------------------------------------
# Set-up hooks
# ---------------------------------------------------------------------------------------------


def test_hook_register_models(app, world: World, admin_engine):
    from tests.plugins.canary.models import CanaryNote

    assert "canary_note" in db.metadata.tables
    assert "canary_note" in sa.inspect(admin_engine).get_table_names()
    with inside(app, world.a) as tenant:
        assert CanaryNote in flat(tenant_hooks(tenant).register_models())
        assert [n.text for n in db.session.execute(sa.select(CanaryNote)).scalars()] == [
            "note of tenant-a"
        ]
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_models()) == []
        # The table exists for C (the schema is global) but holds nothing of C's or anyone's.
        assert db.session.execute(sa.select(CanaryNote)).scalars().all() == []
    assert canary_notes(admin_engine, "tenant-c") == []


def test_hook_register_migrations(app, world: World, admin_engine):
    with admin_engine.connect() as conn:
        heads = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
    assert "canary_0001" in heads
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        locations = config.get_main_option("version_locations").split()
    assert str(CANARY_DIR / "migrations" / "versions") in locations
    with inside(app, world.a) as tenant:
        assert canary_only(flat(tenant_hooks(tenant).register_migrations())) == [
            str(CANARY_DIR / "migrations" / "versions")
        ]
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_migrations()) == []


def test_hook_register_blueprints(app, world: World):
    assert canary_only(app.extensions["stepping_stones.blueprint_plugins"]) == {
        "canary": "canary",
        "canary_api": "canary",
    }

    page = signed_in(app, world.a).get("/tenant-a/canary/")
    assert page.status_code == 200
    assert "note of tenant-a" in page.get_data(as_text=True)
    # Tenant C's own admin, signed in and a member there, still finds no canary pages.
    ui_c = signed_in(app, world.c)
    assert ui_c.get("/tenant-c/").status_code == 200
    assert ui_c.get("/tenant-c/canary/").status_code == 404

    api = app.test_client()
    listed = api.get("/api/v1/tenant-a/canary/notes", headers=world.a.auth())
    assert listed.status_code == 200
    assert [n["text"] for n in listed.json] == ["note of tenant-a"]

    note_id = world.a.ids["canary_note"][0]
    for method, path, body in [
        ("GET", "/api/v1/tenant-c/canary/notes", None),
        ("POST", "/api/v1/tenant-c/canary/notes", {"text": "hello"}),
        ("GET", f"/api/v1/tenant-c/canary/notes/{note_id}", None),
        ("PUT", f"/api/v1/tenant-c/canary/notes/{note_id}", {"text": "hello"}),
        ("DELETE", f"/api/v1/tenant-c/canary/notes/{note_id}", None),
        ("GET", f"/api/v1/tenant-c/canary/notes/{uuid.uuid4()}", None),
    ]:
        response = api.open(path, method=method, json=body, headers=world.c.auth())
        assert response.status_code == 404, (method, path)
        assert response.mimetype == PROBLEM_JSON, (method, path)
        assert response.json["status"] == 404
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_blueprints()) == []
    assert canary_notes_unchanged(app, world)


def canary_notes_unchanged(app: Flask, world: World) -> bool:
    """Nothing sent to tenant C's canary URLs reached A's note."""
    from tests.plugins.canary.models import CanaryNote

    with inside(app, world.a):
        texts = [n.text for n in db.session.execute(sa.select(CanaryNote)).scalars()]
    return texts == ["note of tenant-a"]


def test_hook_register_permissions(app, world: World):
    declared = catalogue_of(app).permissions
    assert declared["canary.notes.read"][0] == "canary"
    assert declared["canary.notes.write"][0] == "canary"

    client = app.test_client()
    me_a = client.get("/api/v1/tenant-a/me", headers=world.a.auth())
    assert me_a.status_code == 200
    assert {"canary.notes.read", "canary.notes.write"} <= set(me_a.json["permissions"])
    me_c = client.get("/api/v1/tenant-c/me", headers=world.c.auth())
    assert me_c.status_code == 200
    assert "tenant.read" in me_c.json["permissions"]
    assert [p for p in me_c.json["permissions"] if p.startswith("canary.")] == []
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_permissions()) == flat(
            plugins().only("core").register_permissions()
        )


def catalogue_of(app: Flask):
    with app.app_context():
        return catalogue()


def test_hook_register_roles(app, world: World):
    roles = catalogue_of(app).roles
    assert roles["canary_keeper"][0] == "canary"
    with app.app_context():
        tenant_a = db.session.get(Tenant, world.a.tenant_id)
        tenant_c = db.session.get(Tenant, world.c.tenant_id)
        cat = catalogue()
        assert "canary_keeper" in {r.name for r in cat.roles_for(tenant_a)}
        assert "canary.notes.read" in cat.permissions_of(["canary_keeper"], tenant_a)
        # In C the role cannot be given and grants nothing, not even its core permission.
        assert "canary_keeper" not in {r.name for r in cat.roles_for(tenant_c)}
        assert cat.permissions_of(["canary_keeper"], tenant_c) == frozenset()
    # The canary keeper of C (the admin holds the role) reads no canary notes through the API.
    me_c = app.test_client().get("/api/v1/tenant-c/me", headers=world.c.auth())
    assert not any(p.startswith("canary.") for p in me_c.json["permissions"])


def test_hook_register_cli_commands(app, world: World):
    assert "canary-sing" in app.cli.commands
    result = app.test_cli_runner().invoke(args=["canary-sing"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "tweet"
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_cli_commands()) == []
    assert canary.CALLS == []


# ---------------------------------------------------------------------------------------------
# Web
# ---------------------------------------------------------------------------------------------


def test_hook_register_navigation(app, world: World):
    home_a = signed_in(app, world.a).get("/tenant-a/")
    assert home_a.status_code == 200
    assert "Canary notes" in home_a.get_data(as_text=True)
    assert ("register_navigation", "tenant-a") in canary.CALLS

    home_c = signed_in(app, world.c).get("/tenant-c/")
    assert home_c.status_code == 200
    assert "Canary notes" not in home_c.get_data(as_text=True)
    assert called_for("tenant-c") == []


def test_navigation_item_needs_its_permission(app, world: World):
    """The practitioner of A (no canary role) is not offered the canary link."""
    home = signed_in(app, world.a, "practitioner").get("/tenant-a/")
    assert home.status_code == 200
    assert "Canary notes" not in home.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Client record, reports, jobs, data rights
# ---------------------------------------------------------------------------------------------


def test_hook_register_client_panels(app, world: World):
    client_id = uuid.uuid4()
    with inside(app, world.a) as tenant:
        panels = flat(
            tenant_hooks(tenant).register_client_panels(
                tenant=tenant, client_id=client_id, viewer=viewer(world.a)
            )
        )
    assert [(p.title, p.template, p.context) for p in panels] == [
        ("Canary", "canary/panel.html", {"client_id": client_id})
    ]
    with inside(app, world.c) as tenant:
        assert (
            flat(
                tenant_hooks(tenant).register_client_panels(
                    tenant=tenant, client_id=client_id, viewer=viewer(world.c)
                )
            )
            == []
        )
    assert canary.CALLS == [("register_client_panels", "tenant-a")]


def test_hook_register_timeline_entries(app, world: World):
    client_id = uuid.uuid4()
    with inside(app, world.a) as tenant:
        entries = flat(
            tenant_hooks(tenant).register_timeline_entries(
                tenant=tenant, client_id=client_id, viewer=viewer(world.a), limit=10
            )
        )
    assert [(e.kind, e.source) for e in entries] == [("canary", "canary")]
    with inside(app, world.c) as tenant:
        assert (
            flat(
                tenant_hooks(tenant).register_timeline_entries(
                    tenant=tenant, client_id=client_id, viewer=viewer(world.c), limit=10
                )
            )
            == []
        )
    assert canary.CALLS == [("register_timeline_entries", "tenant-a")]


def test_hook_register_reports(app, world: World):
    with inside(app, world.a) as tenant:
        reports = canary_only(flat(tenant_hooks(tenant).register_reports(tenant=tenant)))
        assert [r.key for r in reports] == ["canary-notes"]
        assert reports[0].definition_version == "canary-notes/1"
        assert reports[0].run(period_start=None, period_end=None) == 1
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_reports(tenant=tenant)) == []
    assert canary.CALLS == [("register_reports", "tenant-a")]


def test_hook_register_job_kinds(app, world: World):
    with app.app_context():
        kinds = {k.key: k for k in flat(plugins().hook.register_job_kinds())}
    assert "canary.count" in kinds
    # Add a second note to A: the job counts A's two notes, never B's.
    from tests.plugins.canary.models import CanaryNote

    with inside(app, world.a):
        db.session.add(CanaryNote(text="second note of tenant-a"))
    with inside(app, world.a):
        assert kinds["canary.count"].function() == 2
    with inside(app, world.b):
        assert kinds["canary.count"].function() == 1
    with inside(app, world.c) as tenant:
        assert kinds["canary.count"].function() == 0
        assert flat(tenant_hooks(tenant).register_job_kinds()) == []
    assert canary.CALLS == []


def test_hook_register_schedules(app, world: World):
    with inside(app, world.a) as tenant:
        schedules = canary_only(flat(tenant_hooks(tenant).register_schedules(tenant=tenant)))
    assert [(s.job_kind, s.every) for s in schedules] == [("canary.count", "monthly")]
    with inside(app, world.c) as tenant:
        assert flat(tenant_hooks(tenant).register_schedules(tenant=tenant)) == []
    assert canary.CALLS == [("register_schedules", "tenant-a")]


def test_hook_register_client_export(app, world: World):
    client_id = uuid.uuid4()
    with inside(app, world.a) as tenant:
        sections = flat(
            tenant_hooks(tenant).register_client_export(tenant=tenant, client_id=client_id)
        )
    assert [(s.title, s.source, s.records) for s in canary_only(sections)] == [
        ("Canary", "canary", [{"client_id": str(client_id)}])
    ]
    with inside(app, world.c) as tenant:
        assert (
            flat(tenant_hooks(tenant).register_client_export(tenant=tenant, client_id=client_id))
            == []
        )
    assert canary.CALLS == [("register_client_export", "tenant-a")]


def test_hook_on_client_erasure(app, world: World):
    """Core calls it for a real decision (a refused erasure restricts), only where enabled."""
    client = app.test_client()
    body = {"request": "erasure", "action": "refuse", "received_on": "2026-11-02", "reason": "t"}
    for data in (world.a, world.c):  # the world's admin also holds information_governance
        response = client.post(
            f"/api/v1/{data.slug}/clients/{data.ids['client'][0]}/rights-decisions",
            json=body,
            headers=data.auth("admin"),
        )
        assert response.status_code == 201, response.json
    assert canary.CALLS == [("on_client_erasure", "tenant-a")]
