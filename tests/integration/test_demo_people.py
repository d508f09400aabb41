"""The demo's people can do their jobs: in the Step-Out-only tenant the housing worker and the
demo administrator hold Step Out roles (QA found them with core roles only, so every Step Out
page was 403)."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import ROOT


def _roles(admin_engine: sa.Engine, email: str) -> list[str]:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT m.roles FROM membership m JOIN user_account u ON u.id = m.user_id "
                "JOIN tenant t ON t.id = m.tenant_id "
                "WHERE u.email = :email AND t.slug = 'harbour-housing'"
            ),
            {"email": email},
        ).scalar_one()


def test_step_out_only_demo_tenant_gives_its_people_step_out_roles(app, admin_engine, tmp_path):
    shutil.copy(ROOT / "tenants" / "harbour-housing.toml", tmp_path / "harbour-housing.toml")
    cli = app.test_cli_runner()
    for args in (
        ["tenants", "sync", "--dir", str(Path(tmp_path))],
        [
            "users", "create-admin", "--email", "admin@demo.example", "--tenant",
            "harbour-housing", "--password", "a long enough demo passphrase",
        ],
        ["demo", "load"],
    ):  # fmt: skip
        result = cli.invoke(args=args)
        assert result.exit_code == 0, result.output
    assert "housing_worker" in _roles(admin_engine, "housing-worker@harbour-housing.demo.example")
    assert {"tenant_admin", "housing_team_leader"} <= set(
        _roles(admin_engine, "admin@demo.example")
    )
    # Core's own demo role: the information governance lead who records rights decisions.
    assert _roles(admin_engine, "ig-lead@harbour-housing.demo.example") == [
        "information_governance"
    ]
    assert "information_governance" not in _roles(admin_engine, "admin@demo.example")
    again = cli.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "now also" not in again.output, "loading twice adds nothing"
    # The information governance lead has subject access requests to look after.
    with admin_engine.connect() as conn:
        states = conn.execute(
            sa.text(
                "SELECT completed_on IS NULL AS open, due_on < current_date AS late "
                "FROM subject_access_request r JOIN tenant t ON t.id = r.tenant_id "
                "WHERE t.slug = 'harbour-housing' ORDER BY received_on"
            )
        ).all()
    assert [tuple(s) for s in states] == [(False, True), (True, True), (True, False)]
