"""The IPS demo data: loads quickly, twice adds nothing, and the reports give plausible figures."""

from __future__ import annotations

import time
from datetime import date, timedelta

import sqlalchemy as sa

from core.extensions import db
from core.plugins.api import Client
from core.plugins.manager import tenant_hooks
from core.tenancy.context import tenant_context
from plugins.ips.demo import CASELOADS, REFERRALS
from plugins.ips.demo_team import REVIEWS
from plugins.ips.models import (
    IpsJointMeeting,
    IpsJointMeetingClient,
    IpsOutcome,
    IpsReferral,
    IpsSurvey,
)
from plugins.ips.surveys_questions import check_answers


def _load(app, world) -> list[str]:
    with app.app_context(), tenant_context(world.a.tenant_id) as tenant:
        batches = tenant_hooks(tenant).register_demo_data(tenant=tenant)
    return [line for lines in batches for line in lines]


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_demo_loads_fast_once_and_only_once(app, world, client):
    began = time.monotonic()
    lines = _load(app, world)
    seconds = time.monotonic() - began
    print(f"demo load (core people and clients, Step Out, IPS) took {seconds:.1f} s:", lines[-1])
    assert seconds < 15, f"demo load took {seconds:.1f} s"
    assert any(line.startswith(f"ips: {REFERRALS} referrals") for line in lines), lines
    with app.app_context(), tenant_context(world.a.tenant_id):
        referrals = _count(IpsReferral)
        outcomes = _count(IpsOutcome)
        outside_999 = sa.text(
            "SELECT count(*) FROM client WHERE local_id LIKE 'IPS-%' AND nhs_number NOT LIKE '999%'"
        )
        nhs = db.session.execute(outside_999).scalar_one()
        surveys = (
            db.session.execute(
                sa.select(IpsSurvey.answers)
                .join(Client, Client.id == IpsSurvey.client_id)
                .where(Client.local_id.like("IPS-%"))
            )
            .scalars()
            .all()
        )
    assert referrals == REFERRALS + 1  # and the world's own
    assert surveys and all(not check_answers(answers) for answers in surveys)
    assert nhs == 0
    again = _load(app, world)
    assert "ips: demo data already loaded" in again
    with app.app_context(), tenant_context(world.a.tenant_id):
        assert (_count(IpsReferral), _count(IpsOutcome)) == (referrals, outcomes)


def test_reports_on_the_demo_are_plausible(app, world, client):
    _load(app, world)
    today = date.today()
    year = f"period_start={today.replace(year=today.year - 1)}&period_end={today}"

    def rows(key, query=year, by="key"):
        response = client.get(f"/api/v1/tenant-a/reports/{key}?{query}", headers=world.a.auth())
        assert response.status_code == 200, response.get_data(as_text=True)
        return {row[by]: row for row in response.json["rows"]}

    outcomes = {k: r["value"] for k, r in rows("ips-outcomes").items()}
    print("ips-outcomes on the demo:", outcomes)
    assert 800 <= outcomes["clients_supported"] <= 1000
    assert 0.25 <= outcomes["paid_employment"] / outcomes["clients_supported"] <= 0.5
    assert outcomes["total_job_starts"] > outcomes["paid_employment"]  # some second jobs
    for key in ("educational", "voluntary", "work_experience", "retained_employment"):
        assert 0 < outcomes[key] < outcomes["paid_employment"], key
    caseloads = rows("ips-caseloads", f"period_end={today}", by="specialist")
    print("ips-caseloads on the demo:", {k: r["caseload"] for k, r in caseloads.items()})
    sizes = sorted(r["caseload"] for k, r in caseloads.items() if k != "Unassigned")
    # The world's own open referral sits on the test practitioner's caseload too.
    assert sum(sizes) == sum(CASELOADS) + 1
    assert sizes[-1] == max(CASELOADS) and sizes[0] >= min(CASELOADS)
    assert sum(1 for r in caseloads.values() if r.get("over_cap")) == 1
    rapid = rows("ips-rapid-search")
    assert 10 <= rapid["with_contact"]["days"] <= 30
    assert rapid["within_30"]["share"] > 50
    trend = rows("ips-fidelity-trend", "", by="reviewed_on")
    demo_days = [(today - timedelta(days=ago)).isoformat() for ago, *_ in REVIEWS]
    totals = [trend[day]["total"] for day in demo_days]
    assert totals == [81, 93, 104]  # fair, fair, good: a rising trend
    assert [trend[day]["band"] for day in demo_days][-1] == "Good fidelity"


def test_joint_meetings_only_discuss_clients_shared_with_that_office(app, world):
    from core.clients.access import active_share_clause
    from core.clients.models import Client

    _load(app, world)
    with app.app_context(), tenant_context(world.a.tenant_id):
        pairs = db.session.execute(
            sa.select(IpsJointMeeting.organisation_id, IpsJointMeetingClient.client_id).join(
                IpsJointMeeting, IpsJointMeeting.id == IpsJointMeetingClient.meeting_id
            )
        ).all()
        assert len(pairs) > 2
        for office, client_id in pairs:
            shared = db.session.execute(
                sa.select(Client.id).where(Client.id == client_id, active_share_clause(office))
            ).first()
            assert shared is not None
