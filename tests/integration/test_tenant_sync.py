"""``flask tenants sync``: tenant files applied idempotently; suspends, never deletes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.config import ROOT

TRUST = """
slug = "{slug}"
name = "{name}"
ods_code = "RW1"
{extra}

[[organisations]]
key = "home"
name = "Home Trust"
kind = "trust"
ods_code = "RW1"

[[organisations]]
key = "jcp"
name = "Job Centre Plus"
kind = "job_centre_plus"
"""


def write(directory: Path, slug: str, name: str = "", extra: str = "", text: str | None = None):
    path = directory / f"{slug}.toml"
    body = (
        text
        if text is not None
        else TRUST.format(slug=slug, name=name or slug.title(), extra=extra)
    )
    path.write_text(body, encoding="utf-8")
    return path


@pytest.fixture
def tenants_dir(tmp_path) -> Path:
    directory = tmp_path / "tenants"
    directory.mkdir()
    return directory


@pytest.fixture
def sync(app, admin_engine, tenants_dir):
    """Run the command; ``admin_engine`` makes the tables empty again afterwards."""

    def run(*args: str, directory: Path | None = None):
        return app.test_cli_runner().invoke(
            args=["tenants", "sync", "--dir", str(directory or tenants_dir), *args]
        )

    return run


def rows(admin_engine, sql: str, **params) -> list:
    with admin_engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def tenants(admin_engine) -> dict[str, tuple]:
    return {
        r.slug: (r.name, r.status, r.plugins)
        for r in rows(admin_engine, "SELECT slug, name, status, plugins FROM tenant")
    }


def organisations(admin_engine, slug: str) -> dict[str, tuple]:
    return {
        r.key: (r.name, r.kind, r.active)
        for r in rows(
            admin_engine,
            "SELECT o.key, o.name, o.kind, o.active, o.partner FROM organisation o "
            "JOIN tenant t ON t.id = o.tenant_id WHERE t.slug = :s",
            s=slug,
        )
    }


def test_sync_creates_tenants_and_organisations(sync, tenants_dir, admin_engine):
    write(tenants_dir, "wessex", "Wessex Trust")
    write(tenants_dir, "solent", "Solent Trust")
    result = sync()
    assert result.exit_code == 0, result.output
    assert "created tenant wessex" in result.output
    assert "created tenant solent" in result.output
    assert "2 tenant(s) in sync." in result.output
    assert tenants(admin_engine) == {
        "wessex": ("Wessex Trust", "active", {}),
        "solent": ("Solent Trust", "active", {}),
    }
    assert organisations(admin_engine, "wessex") == {
        "home": ("Home Trust", "trust", True),
        "jcp": ("Job Centre Plus", "job_centre_plus", True),
    }
    assert set(organisations(admin_engine, "solent")) == {"home", "jcp"}
    synced = rows(admin_engine, "SELECT count(*) FROM audit_event WHERE action = 'tenant.sync'")
    assert synced[0][0] == 2


def test_sync_says_already_in_sync_and_changes_nothing_when_run_again(
    sync, tenants_dir, admin_engine
):
    write(tenants_dir, "wessex", "Wessex Trust", extra='[plugins.canary]\ngreeting = "hi"')
    assert sync().exit_code == 0

    def snapshot():
        return (
            # synced_at (and with it updated_at) records each run; the tenant's data must not move
            rows(admin_engine, "SELECT id, slug, name, ods_code, status, plugins FROM tenant"),
            rows(admin_engine, "SELECT id, key, name, active, updated_at FROM organisation"),
            rows(admin_engine, "SELECT count(*) FROM canary_note"),
            rows(admin_engine, "SELECT count(*) FROM audit_event"),
        )

    before = snapshot()
    result = sync()
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Already in sync."
    assert snapshot() == before


def test_sync_updates_tenant_when_its_name_changes(sync, tenants_dir, admin_engine):
    write(tenants_dir, "wessex", "Wessex Trust")
    sync()
    tenant_id = rows(admin_engine, "SELECT id FROM tenant WHERE slug = 'wessex'")[0][0]
    write(tenants_dir, "wessex", "Wessex Partnership NHS Foundation Trust")
    result = sync()
    assert result.exit_code == 0, result.output
    assert "updated tenant wessex: name" in result.output
    assert tenants(admin_engine)["wessex"][0] == "Wessex Partnership NHS Foundation Trust"
    assert rows(admin_engine, "SELECT id FROM tenant WHERE slug = 'wessex'")[0][0] == tenant_id


def test_sync_updates_organisation_when_its_name_changes(sync, tenants_dir, admin_engine):
    write(tenants_dir, "wessex")
    sync()
    path = tenants_dir / "wessex.toml"
    path.write_text(path.read_text().replace('"Home Trust"', '"Home Trust (renamed)"'))
    result = sync()
    assert "wessex: updated organisation home: name" in result.output
    assert organisations(admin_engine, "wessex")["home"][0] == "Home Trust (renamed)"


def _member_with_token(app, slug: str) -> str:
    """A tenant admin with a token in tenant ``slug``; returns the token."""
    from core.accounts import tokens
    from core.accounts.models import Organisation
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant
    from tests.factories import make_membership, make_user

    with app.app_context():
        tenant_id = db.session.execute(sa.select(Tenant.id).where(Tenant.slug == slug)).scalar_one()
        user_id = make_user(f"admin@{slug}.example")
        with tenant_context(tenant_id):
            org = db.session.execute(
                sa.select(Organisation).where(Organisation.key == "home")
            ).scalar_one()
            membership = make_membership(user_id, org.id, ["tenant_admin"])
            _token, secret = tokens.issue(membership, "test", 5)
    return secret


def test_sync_suspends_tenant_when_its_file_is_removed(
    app, client, sync, tenants_dir, admin_engine
):
    write(tenants_dir, "wessex")
    write(tenants_dir, "solent")
    sync()
    secret = _member_with_token(app, "wessex")
    auth = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/wessex/me", headers=auth).status_code == 200

    (tenants_dir / "wessex.toml").unlink()
    result = sync()
    assert result.exit_code == 0, result.output
    assert "suspended tenant wessex" in result.output
    assert tenants(admin_engine)["wessex"][1] == "suspended"
    assert tenants(admin_engine)["solent"][1] == "active"
    # its data is kept
    assert set(organisations(admin_engine, "wessex")) == {"home", "jcp"}
    assert (
        rows(
            admin_engine,
            "SELECT count(*) FROM membership m JOIN tenant t ON t.id = m.tenant_id "
            "WHERE t.slug = 'wessex'",
        )[0][0]
        == 1
    )
    # its URLs are gone
    assert client.get("/api/v1/wessex/me", headers=auth).status_code == 404
    assert client.get("/api/v1/wessex/memberships", headers=auth).status_code == 404
    # and a second run has nothing more to do
    assert sync().output.strip() == "Already in sync."


def test_sync_reactivates_suspended_tenant_when_its_file_returns(sync, tenants_dir, admin_engine):
    path = write(tenants_dir, "wessex")
    sync()
    text = path.read_text()
    path.unlink()
    sync()
    path.write_text(text)
    result = sync()
    assert "updated tenant wessex: status" in result.output
    assert tenants(admin_engine)["wessex"][1] == "active"


def test_sync_deactivates_organisation_when_it_leaves_the_file(sync, tenants_dir, admin_engine):
    path = write(tenants_dir, "wessex")
    sync()
    org_id = rows(admin_engine, "SELECT id FROM organisation WHERE key = 'jcp'")[0][0]
    path.write_text(path.read_text().split('[[organisations]]\nkey = "jcp"')[0])
    result = sync()
    assert result.exit_code == 0, result.output
    assert "wessex: deactivated organisation jcp" in result.output
    assert organisations(admin_engine, "wessex") == {
        "home": ("Home Trust", "trust", True),
        "jcp": ("Job Centre Plus", "job_centre_plus", False),
    }
    assert rows(admin_engine, "SELECT id FROM organisation WHERE key = 'jcp'")[0][0] == org_id


def test_sync_applies_nothing_when_any_file_is_bad(sync, tenants_dir, admin_engine):
    write(tenants_dir, "good")
    bad = write(tenants_dir, "bad", extra="[plugins.canary]\nvolume = 99")
    result = sync()
    assert result.exit_code == 1
    assert f"error: {bad}: plugins.canary.volume: " in result.output
    assert "nothing was changed" in result.output
    assert tenants(admin_engine) == {}
    assert rows(admin_engine, "SELECT count(*) FROM organisation")[0][0] == 0
    assert rows(admin_engine, "SELECT count(*) FROM audit_event")[0][0] == 0


def test_sync_changes_nothing_already_applied_when_a_file_turns_bad(
    sync, tenants_dir, admin_engine
):
    write(tenants_dir, "good", "Good Trust")
    write(tenants_dir, "other", "Other Trust")
    sync()
    before = tenants(admin_engine)
    write(tenants_dir, "good", "Good Trust renamed")
    bad = write(tenants_dir, "other", text='slug = "other"\nname = "Other"\ncolour = "red"\n')
    result = sync()
    assert result.exit_code == 1
    assert f"error: {bad}: colour: unknown key" in result.output
    assert tenants(admin_engine) == before


def test_sync_reports_every_problem_with_file_key_and_problem(sync, tenants_dir):
    bad_toml = write(tenants_dir, "broken", text='slug = "broken"\nname = \n')
    wrong_slug = write(tenants_dir, "wrong", text='slug = "right"\nname = "X"\n')
    unknown = write(tenants_dir, "plug", extra="[plugins.no_such_plugin]")
    result = sync()
    assert result.exit_code == 1
    assert f"error: {bad_toml}: not valid TOML" in result.output
    assert f"error: {wrong_slug}: slug: 'right' must match the file name" in result.output
    assert f"error: {unknown}: plugins.no_such_plugin: unknown plugin" in result.output
    assert "3 problem(s); nothing was changed." in result.output


def test_sync_calls_on_plugin_enabled_when_canary_is_switched_on(sync, tenants_dir, admin_engine):
    from tests.plugins.canary import CALLS

    write(tenants_dir, "wessex")
    write(tenants_dir, "solent")
    sync()
    assert rows(admin_engine, "SELECT count(*) FROM canary_note")[0][0] == 0

    CALLS.clear()
    write(tenants_dir, "wessex", extra='[plugins.canary]\ngreeting = "Good morning"')
    result = sync()
    assert result.exit_code == 0, result.output
    assert "enabled canary for wessex" in result.output
    assert ("on_plugin_enabled", "wessex") in CALLS
    assert ("on_plugin_enabled", "solent") not in CALLS
    notes = rows(
        admin_engine,
        "SELECT t.slug, n.text FROM canary_note n JOIN tenant t ON t.id = n.tenant_id",
    )
    assert [(n.slug, n.text) for n in notes] == [("wessex", "Good morning from the canary")]
    assert tenants(admin_engine)["wessex"][2] == {
        "canary": {"greeting": "Good morning", "volume": 3}
    }

    CALLS.clear()
    assert sync().output.strip() == "Already in sync."
    assert ("on_plugin_enabled", "wessex") not in CALLS


def test_sync_calls_on_plugin_disabled_when_canary_is_switched_off(sync, tenants_dir, admin_engine):
    from tests.plugins.canary import CALLS

    path = write(tenants_dir, "wessex", extra="[plugins.canary]")
    sync()
    CALLS.clear()
    path.write_text(
        path.read_text().replace("[plugins.canary]", "[plugins.canary]\nenabled = false")
    )
    result = sync()
    assert "disabled canary for wessex" in result.output
    assert ("on_plugin_disabled", "wessex") in CALLS
    assert tenants(admin_engine)["wessex"][2] == {}
    assert rows(admin_engine, "SELECT count(*) FROM canary_note")[0][0] == 1  # data kept


def test_sync_check_validates_without_changing_anything(sync, tenants_dir, admin_engine):
    write(tenants_dir, "wessex")
    result = sync("--check")
    assert result.exit_code == 0, result.output
    assert "1 tenant file(s) are valid." in result.output
    assert tenants(admin_engine) == {}


def test_sync_check_fails_when_a_file_is_bad(sync, tenants_dir, admin_engine):
    bad = write(tenants_dir, "api")
    result = sync("--check")
    assert result.exit_code == 1
    assert f"error: {bad}: slug: 'api' is reserved" in result.output
    assert tenants(admin_engine) == {}


def test_sync_fails_when_directory_does_not_exist(sync, tmp_path, admin_engine):
    result = sync(directory=tmp_path / "missing")
    assert result.exit_code == 1
    assert "no such directory" in result.output


def test_shipped_tenant_files_are_valid(sync, admin_engine):
    shipped = ROOT / "tenants"
    result = sync("--check", directory=shipped)
    assert result.exit_code == 0, result.output
    count = len(list(shipped.glob("*.toml")))
    assert count > 0
    assert f"{count} tenant file(s) are valid." in result.output


def test_shipped_tenant_files_sync_cleanly_and_idempotently(sync, admin_engine):
    shipped = ROOT / "tenants"
    first = sync(directory=shipped)
    assert first.exit_code == 0, first.output
    assert set(tenants(admin_engine)) == {p.stem for p in shipped.glob("*.toml")}
    assert sync(directory=shipped).output.strip() == "Already in sync."


def partner_flags(admin_engine) -> dict[str, bool]:
    return {r.key: r.partner for r in rows(admin_engine, "SELECT key, partner FROM organisation")}


def test_sync_sets_partner_flag_from_kind_or_file(sync, tenants_dir, admin_engine):
    path = write(tenants_dir, "wessex")
    sync()
    assert partner_flags(admin_engine) == {"home": False, "jcp": True}
    path.write_text(
        path.read_text().replace(
            'kind = "job_centre_plus"', 'kind = "job_centre_plus"\npartner = false'
        )
    )
    result = sync()
    assert "wessex: updated organisation jcp: partner" in result.output
    assert partner_flags(admin_engine) == {"home": False, "jcp": False}
