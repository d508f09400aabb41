"""A plugin is a folder you could delete (STYLE §4).

Core starts, migrates and validates tenant files with no plugin installed at all, on a fresh
SQLite file (the development database); with the canary installed the same ``flask db upgrade``
also applies the canary's own Alembic branch on SQLite.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

#: Plugins installed with the package (entry points in pyproject.toml).
BUILTIN_PLUGINS = tuple(ep.name for ep in entry_points(group="stepping_stones.plugins"))
CORE_TABLES = {"tenant", "user_account", "organisation", "membership", "api_token", "audit_event"}


def sqlite_app(tmp_path: Path, plugins_extra: str) -> Flask:
    from core import create_app

    (tmp_path / "tenants").mkdir(exist_ok=True)
    return create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-the-check",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'stepping-stones.db'}",
            "DATABASE_OWNER_URL": None,
            "PLUGINS_EXTRA": plugins_extra,
            "INSTANCE_DIR": str(tmp_path),
            "TENANTS_DIR": str(tmp_path / "tenants"),
            "REDIS_URL": None,
        }
    )


def upgrade_and_list(app: Flask) -> tuple[set[str], set[str]]:
    """Run ``flask db upgrade`` (every head); return (tables, applied alembic heads)."""
    from flask_migrate import upgrade

    from core.extensions import db

    with app.app_context():
        upgrade(revision="heads")
        tables = set(sa.inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            heads = set(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())
        db.engine.dispose()
    return tables, heads


def test_core_starts_and_migrates_without_the_plugin(tmp_path: Path):
    app = sqlite_app(tmp_path, plugins_extra="")
    assert "canary" not in app.extensions["stepping_stones.plugins"].info
    # Only the built-in plugins announced by entry points (pyproject.toml) remain.
    builtin = {
        location
        for name in BUILTIN_PLUGINS
        for location in app.extensions["stepping_stones.migration_locations"]
        if f"/plugins/{name}/" in location
    }
    assert set(app.extensions["stepping_stones.migration_locations"]) == builtin
    assert not any(name.startswith("canary") for name in app.blueprints)
    assert "canary-sing" not in app.cli.commands
    catalogue = app.extensions["stepping_stones.catalogue"]
    assert not any(name.startswith("canary.") for name in catalogue.permissions)
    assert "canary_keeper" not in catalogue.roles

    tables, heads = upgrade_and_list(app)
    assert tables >= CORE_TABLES
    assert not any(table.startswith("canary") for table in tables)
    assert "canary_0001" not in heads
    with app.app_context():
        locations = (
            app.extensions["migrate"].migrate.get_config().get_main_option("version_locations")
        )
    assert "canary" not in locations

    # The app answers without the plugin.
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/sign-in").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert "/api/v1/{tenant}/canary/notes" not in client.get("/api/v1/openapi.json").json["paths"]


def test_tenant_file_naming_a_missing_plugin_is_refused(tmp_path: Path):
    app = sqlite_app(tmp_path, plugins_extra="")
    upgrade_and_list(app)
    tenants = tmp_path / "tenants"
    (tenants / "tenant-x.toml").write_text(
        'slug = "tenant-x"\nname = "Tenant X"\n\n[plugins.canary]\ngreeting = "hi"\n',
        encoding="utf-8",
    )
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "sync", "--dir", str(tenants)])
    assert result.exit_code == 1
    assert "plugins.canary: unknown plugin" in result.output
    assert "nothing was changed" in result.output

    from core.extensions import db
    from core.tenancy.models import Tenant

    with app.app_context():
        assert db.session.execute(sa.select(Tenant)).scalars().all() == []
        db.engine.dispose()

    # Without the plugin table the same file syncs.
    (tenants / "tenant-x.toml").write_text(
        'slug = "tenant-x"\nname = "Tenant X"\n', encoding="utf-8"
    )
    result = runner.invoke(args=["tenants", "sync", "--dir", str(tenants)])
    assert result.exit_code == 0, result.output
    assert "created tenant tenant-x" in result.output
    with app.app_context():
        db.engine.dispose()


def test_sqlite_upgrade_applies_the_plugin_branch(tmp_path: Path):
    app = sqlite_app(tmp_path, plugins_extra="tests.plugins.canary")
    tables, heads = upgrade_and_list(app)
    assert tables >= CORE_TABLES
    assert "canary_note" in tables
    assert "canary_0001" in heads
    # The canary branch's head, one head per built-in plugin branch, and core's head unless
    # a plugin branch depends on it (core revisions added after a plugin's depends_on
    # revision leave core's own head in alembic_version too).
    plugin_heads = {h for h in heads if any(h.startswith(f"{p}_") for p in BUILTIN_PLUGINS)}
    assert len(plugin_heads) == len(BUILTIN_PLUGINS)
    core_heads = heads - plugin_heads - {"canary_0001"}
    assert len(core_heads) == 1 or (not core_heads and BUILTIN_PLUGINS)

    # Upgrading again is a no-op.
    assert upgrade_and_list(app) == (tables, heads)


@pytest.mark.parametrize("plugins_extra", ["", "tests.plugins.canary"])
def test_a_second_app_does_not_change_the_first(app: Flask, tmp_path: Path, plugins_extra: str):
    """Extensions are shared objects: building another app must not rewire this one."""
    before = app.test_client().get("/api/v1/openapi.json").json["paths"]
    sqlite_app(tmp_path, plugins_extra=plugins_extra)
    assert app.test_client().get("/api/v1/openapi.json").json["paths"] == before
    assert "/api/v1/{tenant}/canary/notes" in before
    with app.app_context():
        locations = (
            app.extensions["migrate"].migrate.get_config().get_main_option("version_locations")
        )
    assert "canary" in locations
