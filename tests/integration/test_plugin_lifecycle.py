"""The plugin contract's tenant-lifecycle and demo hooks, proved with the canary plugin: switched
on and off by the tenant file, and the demo people and data it asks for (tenant C has it off)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import Flask

import tests.plugins.canary as canary
from core.extensions import db
from core.plugins.manager import tenant_hooks
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from tests.factories import World
from tests.integration.test_plugins import _fresh_calls, called_for, canary_notes, flat  # noqa: F401

# ---------------------------------------------------------------------------------------------
# Tenant lifecycle
# ---------------------------------------------------------------------------------------------

TENANT_FILE = """\
slug = "{slug}"
name = "{name}"
ods_code = "RW1"
{plugins}
[[organisations]]
key = "home"
name = "Home Trust"
kind = "trust"
ods_code = "RW1"
"""


def write_tenant(directory: Path, slug: str, plugins_toml: str = "") -> None:
    text = TENANT_FILE.format(slug=slug, name=slug.title(), plugins=plugins_toml)
    (directory / f"{slug}.toml").write_text(text, encoding="utf-8")


def sync(app: Flask, directory: Path) -> str:
    result = app.test_cli_runner().invoke(args=["tenants", "sync", "--dir", str(directory)])
    assert result.exit_code == 0, result.output
    return result.output


def tenant_plugins(admin_engine: sa.Engine, slug: str) -> dict:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT plugins FROM tenant WHERE slug = :slug"), {"slug": slug}
        ).scalar_one()


def test_hook_on_plugin_enabled(app, admin_engine, tmp_path: Path):
    write_tenant(tmp_path, "tenant-s", '[plugins.canary]\ngreeting = "howdy"\n')
    write_tenant(tmp_path, "tenant-t")
    output = sync(app, tmp_path)
    assert "enabled canary for tenant-s" in output
    assert "canary for tenant-t" not in output
    assert canary_notes(admin_engine, "tenant-s") == ["howdy from the canary"]
    assert canary_notes(admin_engine, "tenant-t") == []
    assert canary.CALLS == [("on_plugin_enabled", "tenant-s")]

    # A second sync changes nothing and enables nothing again.
    canary.CALLS.clear()
    assert "enabled" not in sync(app, tmp_path)
    assert canary.CALLS == []
    assert canary_notes(admin_engine, "tenant-s") == ["howdy from the canary"]


def test_hook_on_plugin_disabled(app, admin_engine, tmp_path: Path):
    write_tenant(tmp_path, "tenant-s", '[plugins.canary]\ngreeting = "howdy"\n')
    write_tenant(tmp_path, "tenant-t")
    sync(app, tmp_path)
    canary.CALLS.clear()

    write_tenant(tmp_path, "tenant-s")
    output = sync(app, tmp_path)
    assert "disabled canary for tenant-s" in output
    assert "tenant-t" not in output
    assert canary.CALLS == [("on_plugin_disabled", "tenant-s")]
    assert tenant_plugins(admin_engine, "tenant-s") == {}
    # Switching a plugin off never deletes its data.
    assert canary_notes(admin_engine, "tenant-s") == ["howdy from the canary"]

    # Switched off, tenant-s gets nothing from canary any more.
    with app.app_context():
        tenant_id = db.session.execute(
            sa.select(Tenant.id).where(Tenant.slug == "tenant-s")
        ).scalar_one()
        with tenant_context(tenant_id) as tenant:
            assert flat(tenant_hooks(tenant).register_reports(tenant=tenant)) == []
    assert canary.CALLS == [("on_plugin_disabled", "tenant-s")]


def test_plugin_disabled_through_enabled_false(app, admin_engine, tmp_path: Path):
    """``enabled = false`` in a ``[plugins.canary]`` table switches it off like removing it."""
    write_tenant(tmp_path, "tenant-s", "[plugins.canary]\n")
    sync(app, tmp_path)
    write_tenant(tmp_path, "tenant-s", "[plugins.canary]\nenabled = false\n")
    assert "disabled canary for tenant-s" in sync(app, tmp_path)
    assert tenant_plugins(admin_engine, "tenant-s") == {}


def test_hook_register_demo_data(app, world: World, admin_engine):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "tenant-a: canary welcome note" in lines
    assert "tenant-b: canary welcome note" in lines
    # Core may load demo data of its own into C; the canary loads none there.
    assert not [line for line in lines if line.startswith("tenant-c") and "canary" in line]
    assert called_for("tenant-c") == []
    assert ("register_demo_data", "tenant-a") in canary.CALLS
    assert "demo from the canary" in canary_notes(admin_engine, "tenant-a")
    assert canary_notes(admin_engine, "tenant-c") == []


def test_hook_register_demo_staff(app, world: World, admin_engine):
    """The canary's demo person and the administrators' lead role exist where it is on only."""
    with admin_engine.begin() as conn:  # administrators without the canary's lead role
        conn.execute(sa.text("UPDATE membership SET roles = roles - 'canary_keeper'"))
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "tenant-a: demo person canary-keeper@tenant-a.demo.example (canary_keeper, " in (
        result.output
    )
    assert ("register_demo_staff", "tenant-a") in canary.CALLS
    assert ("register_demo_staff", "tenant-c") not in canary.CALLS

    def roles_of(email: str, slug: str) -> list[list[str]]:
        with admin_engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT m.roles FROM membership m JOIN user_account u ON u.id = m.user_id "
                        "JOIN tenant t ON t.id = m.tenant_id WHERE u.email = :e AND t.slug = :t"
                    ),
                    {"e": email, "t": slug},
                ).scalars()
            )

    assert roles_of("canary-keeper@tenant-a.demo.example", "tenant-a") == [["canary_keeper"]]
    assert roles_of("canary-keeper@tenant-c.demo.example", "tenant-c") == []
    assert "canary_keeper" in roles_of(world.a.emails["admin"], "tenant-a")[0]
    assert "canary_keeper" not in roles_of(world.c.emails["admin"], "tenant-c")[0]
    # Loading again adds nobody and no role twice.
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "canary-keeper" not in again.output
    assert roles_of(world.a.emails["admin"], "tenant-a")[0].count("canary_keeper") == 1
