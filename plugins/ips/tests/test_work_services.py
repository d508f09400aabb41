"""The work slice's rules called directly: weekly employer-contact counts, rapid job search,
the rules of a start, and the status moves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.extensions import db
from plugins.ips import work_outcome_services as outcomes
from plugins.ips import work_services as services
from plugins.ips.models import IpsEmployerContact, IpsReferral
from plugins.ips.tests.work_builders import as_member, days_ago, episode
from plugins.ips.work_figures import rapid_job_search, retention_load, week_start, weekly_contacts


def _contact(tenant, day: date, *, who="practitioner", purpose="job_development", client=None):
    row = IpsEmployerContact(
        employer_id=tenant.ids["ips_employer"][0],
        specialist_id=tenant.memberships[who],
        contacted_on=day,
        contact_type="phone",
        purpose=purpose,
        client_id=client,
    )
    db.session.add(row)
    db.session.flush()


def test_week_start_is_monday():
    assert week_start(date(2026, 3, 15)) == date(2026, 3, 9)  # a Sunday
    assert week_start(date(2026, 3, 9)) == date(2026, 3, 9)


def test_weekly_counts_per_specialist_over_eight_weeks(app, world):
    today = date(2026, 3, 18)  # a Wednesday
    with as_member(app, world.a):
        db.session.execute(IpsEmployerContact.__table__.delete())
        for day in (date(2026, 3, 16), date(2026, 3, 18), date(2026, 3, 19)):  # 19th: future
            _contact(world.a, day)
        for _ in range(7):
            _contact(world.a, date(2026, 1, 26), who="admin")  # the first of the 8 weeks
        _contact(world.a, date(2026, 1, 25), who="admin")  # the week before: not counted
        names = services.specialist_names()
        mondays, rows = weekly_contacts(names, today=today)
    assert mondays[0] == date(2026, 1, 26) and mondays[-1] == date(2026, 3, 16)
    by_id = {r.specialist_id: r for r in rows}
    mine = by_id[world.a.memberships["practitioner"]]
    assert mine.counts == [0, 0, 0, 0, 0, 0, 0, 2]
    leader = by_id[world.a.memberships["admin"]]
    assert leader.counts[0] == 7 and leader.total == 7
    assert leader.average == pytest.approx(7 / 8) and leader.below_target
    assert world.a.memberships["partner"] not in by_id  # not a specialist


def test_rapid_job_search_counts_only_contacts_about_the_client_after_acceptance(app, world):
    accepted = date(2026, 1, 10)
    referral_id = episode(app, world.a, accepted=accepted)
    client_id = world.a.ids["client"][1]
    with as_member(app, world.a):
        referral = db.session.get(IpsReferral, referral_id)
        _contact(world.a, date(2026, 1, 5), purpose="client_specific", client=client_id)
        _contact(world.a, date(2026, 1, 12), purpose="job_development", client=client_id)
        waiting = rapid_job_search(referral, today=date(2026, 2, 9))  # 30 days: not late yet
        assert waiting.first_contact_on is None and waiting.late is False
        late = rapid_job_search(referral, today=date(2026, 2, 10))
        assert late.late is True
        _contact(world.a, date(2026, 2, 14), purpose="client_specific", client=client_id)
        found = rapid_job_search(referral, today=date(2026, 3, 1))
        assert (found.first_contact_on, found.days, found.late) == (date(2026, 2, 14), 35, True)
        _contact(world.a, date(2026, 1, 30), purpose="client_specific", client=client_id)
        quick = rapid_job_search(referral, today=date(2026, 3, 1))
        assert (quick.days, quick.late) == (20, False)


def test_rapid_job_search_of_a_referral_not_accepted_is_none(app, world):
    referral_id = episode(app, world.a, status="referred")
    with as_member(app, world.a):
        assert rapid_job_search(db.session.get(IpsReferral, referral_id)) is None


def test_a_job_ending_in_the_future_is_still_current(app, world):
    referral_id = episode(app, world.a, accepted=days_ago(40))
    with as_member(app, world.a):
        client = services.find_visible_client(world.a.ids["client"][1])
        job = outcomes.record_outcome(
            client,
            {"kind": "paid_job", "title": "Seasonal picker", "provider_name": "Farm",
             "hours_band": "01", "started_on": days_ago(10)},
        )  # fmt: skip
        assert db.session.get(IpsReferral, referral_id).status == "in_work"
        outcomes.update_outcome(
            job, {"ended_on": date.today() + timedelta(days=20), "end_reason": "contract_ended"}
        )
        assert db.session.get(IpsReferral, referral_id).status == "in_work"
        outcomes.update_outcome(job, {"ended_on": days_ago(1)})
        assert db.session.get(IpsReferral, referral_id).status == "job_search"


def test_every_broken_rule_of_a_start_is_reported_at_once(app, world):
    referral_id = episode(app, world.a, accepted=days_ago(10))
    with as_member(app, world.a):
        referral = db.session.get(IpsReferral, referral_id)
        with pytest.raises(services.IpsInvalid) as caught:
            outcomes.check_outcome(
                {"kind": "work_experience", "title": "", "hours_band": "02",
                 "self_employed": True, "started_on": days_ago(11), "end_reason": "other"},
                referral,
            )  # fmt: skip
    assert set(caught.value.field_errors) == {
        "title", "hours_band", "self_employed", "started_on", "ended_on",
    }  # fmt: skip


def test_contacts_about_clients_the_viewer_cannot_see_are_left_out(app, world):
    unshared = world.a.ids["client"][1]
    with as_member(app, world.a):
        _contact(world.a, days_ago(1), purpose="client_specific", client=unshared)
        db.session.commit()
    with as_member(app, world.a, "partner"):
        seen = db.session.execute(services.employer_contacts_statement()).scalars().all()
        assert all(c.client_id != unshared for c in seen)
        assert any(c.client_id == world.a.ids["client"][0] for c in seen)  # shared with JCP
    with as_member(app, world.a):
        seen = db.session.execute(services.employer_contacts_statement()).scalars().all()
        assert any(c.client_id == unshared for c in seen)


def test_retention_load_counts_open_cases_against_active_clients(app, world):
    practitioner = world.a.memberships["practitioner"]
    with as_member(app, world.a):
        load = retention_load(practitioner)  # the world: one client in work, one open case
        assert (load.open_cases, load.caseload, load.too_high) == (1, 1, True)
    for index in range(2):
        episode(app, world.a, accepted=days_ago(10 + index))  # the second client, twice
    with as_member(app, world.a):
        load = retention_load(practitioner)
        assert (load.open_cases, load.caseload) == (1, 2)  # clients, not episodes
        assert load.share == 0.5 and load.too_high
        assert retention_load(world.a.memberships["admin"]).caseload == 0
