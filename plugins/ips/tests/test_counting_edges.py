"""Edge cases of the IPS counting rules (ips.md, "Outcome counting rules" and the practical
figures), checked the way a commissioner and a trust's analyst would: made-up data whose exact
counts differ under a wrong rule.

The periods are in 2024 and earlier, before the world's own IPS client (accepted 2026), so
every figure here comes from the data built in each test.
"""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

import pytest

from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.models import IpsEmployerContact
from plugins.ips.reports_common import period

from . import reports_builders as build

YEAR_2024 = "period_start=2024-01-01&period_end=2024-12-31"


def _report(client, world, key: str, query: str) -> tuple[dict, dict]:
    response = client.get(f"/api/v1/tenant-a/reports/{key}?{query}", headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    return {row["key"]: row for row in body["rows"]}, body


def _values(rows: dict) -> dict:
    return {key: row.get("value", row.get("referrals")) for key, row in rows.items()}


def _drill(client, world, key: str, query: str, drill: dict) -> list[str]:
    response = client.get(
        f"/api/v1/tenant-a/reports/{key}/drilldown?{query}&"
        + urlencode({"drill": json.dumps(drill)}),
        headers=world.a.auth(),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(c["family_name"] for c in response.json)


# --------------------------------------------------------------- the default reporting period


def test_default_period_is_the_twelve_months_ending_on_the_end_date():
    """The domain notes' own example: the 12 months to 28 February 2017 start on 1 March 2016,
    not on 29 February 2016 (which would make a 366-day "year" after a leap day)."""
    assert period(None, date(2017, 2, 28)) == (date(2016, 3, 1), date(2017, 2, 28))
    assert period(None, date(2027, 12, 31)) == (date(2027, 1, 1), date(2027, 12, 31))
    assert period(None, date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))
    assert period(None, date(2028, 2, 28)) == (date(2027, 3, 1), date(2028, 2, 28))
    assert period(None, date(2024, 3, 1)) == (date(2023, 3, 2), date(2024, 3, 1))


def test_a_job_on_the_leap_day_before_the_default_year_does_not_count(app, client, world):
    """Run with only an end date (28 February 2017): a job started on 29 February 2016 is
    before the period; one on 1 March 2016 is in it."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        early = build.referral(build.client("Leapday"), date(2015, 6, 1), employment="02")
        build.outcome(early, "paid_job", date(2016, 2, 29))
        march = build.referral(build.client("March"), date(2015, 6, 1), employment="02")
        build.outcome(march, "paid_job", date(2016, 3, 1))
        db.session.commit()
    rows, body = _report(client, world, "ips-outcomes", "period_end=2017-02-28")
    assert "Period 1 March 2016 to 28 February 2017 (both days inclusive)." in body["notes"]
    values = _values(rows)
    assert values["paid_employment"] == 1
    assert values["total_job_starts"] == 1
    assert _drill(
        client, world, "ips-outcomes", "period_end=2017-02-28", {"set": "paid_employment"}
    ) == ["March"]


# ------------------------------------------------------------------- outcome table edge cases


@pytest.fixture
def edges(app, world):
    """Tenant A, period 2024 (names are family names):

    * Returner: episode 1 accepted 2023-03-01, closed 2024-02-01; episode 2 accepted
      2024-05-01, open; paid job 2024-01-15 (episode 1) and 2024-06-01 (episode 2): supported
      once, paid employment once, two job starts.
    * Multi: accepted 2023-01-01, open across the whole period ("04"); employed job from
      2023-12-31 still going (not counted), a self-employed start and a second job on the same
      day with another employer, and the same job restarted after it ended: paid once, three
      job starts.
    * Learner: accepted 2024-02-02 ("02"); education, voluntary and work-experience starts but
      no paid job: in each of those figures, not in paid employment, not in the rate.
    * Keeper: accepted 2022-01-01 ("01"); retention cases retained on START and on END (counts
      once), another still open, one retained the day after END.
    Employment rate: out of work at the start = Returner ("02"), Multi ("04"), Learner ("02");
    with a paid start = Returner, Multi: 2 of 3.
    """
    with app.app_context(), tenant_context(world.a.tenant_id):
        returner = build.client("Returner")
        first = build.referral(returner, date(2023, 3, 1), closed=date(2024, 2, 1), employment="02")
        second = build.referral(returner, date(2024, 5, 1), employment="01")
        build.outcome(first, "paid_job", date(2024, 1, 15), ended=date(2024, 1, 31))
        build.outcome(second, "paid_job", date(2024, 6, 1))
        multi = build.referral(build.client("Multi"), date(2023, 1, 1), employment="04")
        build.outcome(multi, "paid_job", date(2023, 12, 31))
        build.outcome(multi, "paid_job", date(2024, 3, 3), self_employed=True)
        build.outcome(multi, "paid_job", date(2024, 3, 3), ended=date(2024, 4, 1))
        build.outcome(multi, "paid_job", date(2024, 9, 1))  # the same job, restarted
        learner = build.referral(build.client("Learner"), date(2024, 2, 2), employment="02")
        for kind in ("education", "voluntary", "work_experience"):
            build.outcome(learner, kind, date(2024, 4, 4))
        keeper = build.referral(build.client("Keeper"), date(2022, 1, 1), employment="01")
        build.retention(keeper, date(2023, 10, 1), date(2024, 1, 1), "retained")
        build.retention(keeper, date(2024, 6, 1), date(2024, 12, 31), "retained")
        build.retention(keeper, date(2024, 11, 1), None, None)
        build.retention(keeper, date(2024, 12, 1), date(2025, 1, 1), "retained")
        db.session.commit()


def test_clients_count_once_per_figure_and_starts_count_every_time(client, world, edges):
    rows, _ = _report(client, world, "ips-outcomes", YEAR_2024)
    assert _values(rows) == {
        "clients_supported": 4,  # Returner once for two episodes
        "paid_employment": 2,  # Returner, Multi (not Learner: education is not a job)
        "total_job_starts": 5,  # Returner 2, Multi 3 (not the job from 2023-12-31)
        "educational": 1,
        "voluntary": 1,
        "work_experience": 1,
        "retained_employment": 1,  # Keeper, once for two retained cases
        "out_of_work_at_start": 3,  # Returner, Multi, Learner
        "status_not_recorded": 0,
        "employment_rate": 2,  # Returner, Multi
    }
    assert rows["paid_employment"]["share"] == 50.0  # 2 of 4 supported
    assert rows["employment_rate"]["share"] == 66.7  # 2 of 3 out of work at the start


def test_one_day_periods_on_the_edges(client, world, edges):
    """A period of a single day includes that day's starts and closures, and nothing else."""
    on_start, _ = _report(
        client, world, "ips-outcomes", "period_start=2024-01-01&period_end=2024-01-01"
    )
    assert _values(on_start)["retained_employment"] == 1
    assert _values(on_start)["total_job_starts"] == 0
    same_day, _ = _report(
        client, world, "ips-outcomes", "period_start=2024-03-03&period_end=2024-03-03"
    )
    assert _values(same_day)["total_job_starts"] == 2
    assert _values(same_day)["paid_employment"] == 1


def test_an_empty_period_has_no_shares_and_no_division_by_zero(client, world):
    rows, body = _report(
        client, world, "ips-outcomes", "period_start=2001-01-01&period_end=2001-12-31"
    )
    assert set(_values(rows).values()) == {0}
    assert all("share" not in row for row in rows.values())
    assert any(note.startswith("Employment rate —% (0 of 0") for note in body["notes"])


# ------------------------------------------------------- clients whose record has been closed


@pytest.fixture
def closed_clients(app, world):
    """Two clients with an IPS episode left open after their record was closed:

    * Gone: record closed 2023-06-30 (moved away), IPS episode never closed: not supported in
      2024 and not on anyone's caseload at the end of 2024;
    * Lastday: record closed on START (2024-01-01): still supported in 2024 (as an episode
      closed on START is), off the caseload from the end of that day.
    """
    practitioner = world.a.memberships["practitioner"]
    with app.app_context(), tenant_context(world.a.tenant_id):
        for name, closed_on in (("Gone", date(2023, 6, 30)), ("Lastday", date(2024, 1, 1))):
            person = build.client(name)
            build.referral(person, date(2023, 1, 1), employment="02", specialist=practitioner)
            person.status, person.closed_reason, person.closed_on = "closed", "moved", closed_on
        db.session.commit()


def test_a_client_whose_record_closed_before_the_period_is_not_supported(
    client, world, closed_clients
):
    rows, _ = _report(client, world, "ips-outcomes", YEAR_2024)
    assert _values(rows)["clients_supported"] == 1
    assert _values(rows)["out_of_work_at_start"] == 1
    assert _drill(client, world, "ips-outcomes", YEAR_2024, {"set": "clients_supported"}) == [
        "Lastday"
    ]


def test_a_closed_client_is_off_the_caseload(client, world, closed_clients):
    response = client.get(
        "/api/v1/tenant-a/reports/ips-caseloads?period_end=2024-12-31", headers=world.a.auth()
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert sum(row.get("caseload", 0) for row in response.json["rows"]) == 0
    on_the_day = client.get(
        "/api/v1/tenant-a/reports/ips-caseloads?period_end=2023-12-31", headers=world.a.auth()
    )
    assert sum(row.get("caseload", 0) for row in on_the_day.json["rows"]) == 1  # Lastday


# ------------------------------------------------------------------------- rapid job search


def _contact(firm, specialist, person, on: date, contact_type: str) -> None:
    """A contact about a job for ``person`` of the given type (phone, email, face to face)."""
    db.session.add(
        IpsEmployerContact(
            employer_id=firm.id,
            specialist_id=specialist,
            contacted_on=on,
            contact_type=contact_type,
            purpose="client_specific",
            client_id=person.id,
        )
    )
    db.session.flush()


@pytest.fixture
def rapid_edges(app, world):
    """Referrals accepted in 2024 (first *face-to-face* contact about a job for the client):

    * Phoner: accepted 2024-01-01; phone call 2024-01-03 and email 2024-01-05 (not face to
      face), face to face 2024-02-10 → 40 days (not within 30);
    * Twice: episode 1 accepted 2024-02-01, closed 2024-03-15 without a contact; episode 2
      accepted 2024-06-01, face to face 2024-06-05 → 4 days. Episode 1 has no contact (the
      contact belongs to episode 2), so it is overdue, not "155 days".
    """
    practitioner = world.a.memberships["practitioner"]
    with app.app_context(), tenant_context(world.a.tenant_id):
        firm = build.employer()
        phoner = build.client("Phoner")
        build.referral(phoner, date(2024, 1, 1))
        for day, kind in (
            (date(2024, 1, 3), "phone"),
            (date(2024, 1, 5), "email"),
            (date(2024, 2, 10), "face_to_face"),
        ):
            _contact(firm, practitioner, phoner, day, kind)
        twice = build.client("Twice")
        build.referral(twice, date(2024, 2, 1), closed=date(2024, 3, 15))
        build.referral(twice, date(2024, 6, 1))
        _contact(firm, practitioner, twice, date(2024, 6, 5), "face_to_face")
        db.session.commit()


def test_rapid_search_counts_the_first_face_to_face_contact_of_the_episode(
    client, world, rapid_edges
):
    rows, _ = _report(client, world, "ips-rapid-search", YEAR_2024)
    assert _values(rows) == {
        "accepted": 3,
        "with_contact": 2,  # Phoner (40 days), Twice's second episode (4 days)
        "within_30": 1,  # Twice's second episode
        "after_30": 1,  # Phoner: the phone call and the email are not face to face
        "no_contact_overdue": 1,  # Twice's first episode closed without a contact
        "no_contact_pending": 0,
    }
    assert rows["with_contact"]["days"] == 22.0  # median of 4 and 40
