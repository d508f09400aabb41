"""The ``step-out-crisis/3`` report on SQLite, the embedded database of ``make run``.

The report's SQL must run there too (no ``DISTINCT ON``, ``interval``, ``date - date`` or
``percentile_cont``) and give the same figures as on PostgreSQL (``test_report.py``): the same
hand-built dataset, minus the PostgreSQL world's own referral.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

AS_OF = date(2027, 3, 1)


@pytest.fixture
def sqlite_tenant(tmp_path: Path):
    """A fresh SQLite database migrated to every head, with one tenant running Step Out."""
    from flask_migrate import upgrade

    from core import create_app
    from core.extensions import db
    from core.tenancy.models import Tenant

    (tmp_path / "tenants").mkdir()
    app = create_app(
        {
            "ENV": "test",
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-the-check",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'stepping-stones.db'}",
            "DATABASE_OWNER_URL": None,
            "PLUGINS_EXTRA": "",
            "INSTANCE_DIR": str(tmp_path),
            "TENANTS_DIR": str(tmp_path / "tenants"),
            "REDIS_URL": None,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
        tenant = Tenant(slug="embedded", name="Embedded", plugins={"step_out": {}}, ods_code="RW1")
        db.session.add(tenant)
        db.session.commit()
        tenant_id = tenant.id
    yield app, tenant_id
    with app.app_context():
        db.engine.dispose()


def _seed() -> dict[str, object]:
    """test_report.py's dataset A–E (see its ``dataset`` fixture for the expected figures)."""
    from plugins.step_out.tests.test_report import _client, _events, _referral

    a, b, c, d, e = (_client(n) for n in range(10, 15))
    _referral(a, date(2026, 8, 31), date(2026, 8, 21), date(2026, 8, 31), date(2027, 1, 31), False)
    _events(a, "crisis_contact", date(2026, 2, 28), date(2026, 2, 27), date(2026, 5, 1),
            date(2027, 2, 28), date(2026, 10, 1))  # fmt: skip
    _events(a, "admission", date(2026, 8, 30), date(2026, 8, 31))
    _referral(b, date(2026, 6, 15), date(2026, 6, 1), date(2026, 6, 5), date(2026, 8, 1), True)
    _events(b, "crisis_contact", date(2026, 1, 1), date(2026, 3, 1), date(2026, 6, 14))
    _events(b, "admission", date(2026, 2, 1))
    _referral(c, date(2026, 1, 10), date(2025, 12, 1), date(2025, 12, 31))
    # A later referral of C with a later move-in: M stays C's first move-in.
    _referral(c, date(2026, 11, 1), date(2026, 10, 1), date(2026, 10, 2))
    _events(c, "crisis_contact", date(2025, 12, 1), date(2026, 2, 1), date(2026, 7, 9))
    _referral(d, date(2026, 10, 1))
    _events(d, "crisis_contact", date(2026, 9, 1))
    _referral(e)
    return {"a": a.id, "b": b.id, "c": c.id, "d": d.id, "e": e.id}


def test_report_figures_on_sqlite(sqlite_tenant):
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from plugins.step_out.crisis_counts import client_outcomes, cohort_figures
    from plugins.step_out.reports import crisis_drilldown, run_crisis_report

    app, tenant_id = sqlite_tenant
    with app.app_context(), tenant_context(tenant_id):
        assert db.engine.dialect.name == "sqlite"
        ids = _seed()
        db.session.flush()
        f = cohort_figures(AS_OF)
        rows = {r["client_id"]: r for r in client_outcomes(AS_OF)}
        edge = {r["client_id"]: r for r in client_outcomes(date(2027, 2, 27))}
        result = run_crisis_report(period_end=AS_OF)
        fewer = set(db.session.execute(crisis_drilldown({"set": "fewer_after"}, AS_OF)).scalars())
    assert f["clients"] == 5
    assert (f["excluded_no_move_in"], f["excluded_not_elapsed"], f["eligible"]) == (1, 1, 3)
    assert (f["contacts_before"], f["contacts_after"]) == (6, 3)  # A 2→1, B 3→0, C 1→2
    assert (f["mean_contacts_before"], f["mean_contacts_after"]) == (2.0, 1.0)
    assert f["fewer_contacts_after"] == 2
    assert (f["admissions_before"], f["admissions_after"], f["no_admission_after"]) == (2, 1, 2)
    assert f["sustained_6"] == 2  # A's unplanned end at 5 months is not sustained
    assert (f["eligible_12"], f["sustained_12"]) == (1, 1)  # C
    assert f["median_delayed_days"] == 10.0  # A 10, B 4, C 30 (its first referral)
    a = rows[ids["a"]]
    assert (a["contacts_before"], a["contacts_after"]) == (2, 1)  # 31 Aug − 6 months = 28 Feb
    assert (a["admissions_before"], a["admissions_after"]) == (1, 1)
    assert a["sustained_6"] is False and a["delayed_days"] == 10
    assert rows[ids["c"]]["move_in_date"] == date(2026, 1, 10)
    assert rows[ids["c"]]["delayed_days"] == 30
    assert rows[ids["d"]]["excluded_reason"] == "6 months after move-in not yet elapsed"
    assert rows[ids["e"]]["excluded_reason"] == "no move-in date"
    # A's after window ends 2027-02-28 (31 Aug + 6 months, clamped): not eligible the day before.
    assert edge[ids["a"]]["eligible"] is False and rows[ids["a"]]["eligible"] is True
    assert {r["key"]: r["value"] for r in result.rows}["eligible"] == 3
    assert {client.id for client in fewer} == {ids["a"], ids["b"]}
