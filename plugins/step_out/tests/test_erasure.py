"""The ``on_client_erasure`` hook: erase leaves no Step Out row about the client; restrict keeps
them; an unknown decision is refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.extensions import db
from core.plugins.api import tenant_hooks
from core.tenancy.context import tenant_context

TABLES = (
    "step_out_referral", "step_out_action", "step_out_offer", "step_out_review",
    "step_out_crisis_event",
)  # fmt: skip


def _counts(admin_engine, tenant_id) -> dict[str, int]:
    with admin_engine.connect() as conn:
        return {
            t: conn.execute(
                sa.text(f"SELECT count(*) FROM {t} WHERE tenant_id = :t"),
                {"t": tenant_id},
            ).scalar()
            for t in TABLES
        }


def _erase(app, tenant, client_id, action: str) -> None:
    with app.app_context(), tenant_context(tenant.tenant_id) as loaded:
        tenant_hooks(loaded).on_client_erasure(
            tenant=loaded, client_id=client_id, decision={"action": action, "reason": "test"}
        )
        db.session.commit()


def test_erase_removes_every_step_out_row_of_the_client_only(app, world, admin_engine):
    before_b = _counts(admin_engine, world.b.tenant_id)
    assert all(before_b.values())  # the world gives each table a row
    _erase(app, world.a, world.a.ids["client"][0], "erase")
    assert _counts(admin_engine, world.a.tenant_id) == dict.fromkeys(TABLES, 0)
    assert _counts(admin_engine, world.b.tenant_id) == before_b  # same NHS number, other tenant
    with admin_engine.connect() as conn:
        details = conn.execute(
            sa.text(
                "SELECT details FROM audit_event WHERE tenant_id = :t "
                "AND action = 'step_out.client.erase'"
            ),
            {"t": world.a.tenant_id},
        ).scalar_one()
    assert details["deleted"] == dict.fromkeys(TABLES, 1) | {"step_out_review": 4}


def test_restrict_keeps_the_rows(app, world, admin_engine):
    before = _counts(admin_engine, world.a.tenant_id)
    _erase(app, world.a, world.a.ids["client"][0], "restrict")
    assert _counts(admin_engine, world.a.tenant_id) == before


def test_an_unknown_decision_is_refused(app, world, admin_engine):
    before = _counts(admin_engine, world.a.tenant_id)
    with pytest.raises(ValueError, match="Unknown erasure action"):
        _erase(app, world.a, world.a.ids["client"][0], "shred")
    assert _counts(admin_engine, world.a.tenant_id) == before
