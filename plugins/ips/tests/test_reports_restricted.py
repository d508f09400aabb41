"""Art. 18 in the IPS reports and work figures: a client whose processing is restricted is in no
figure from the moment of restriction — whoever runs the report, the information governance
role included — and counts again once the restriction is lifted (``ips-outcomes/3``,
``ips-rapid-search/3``, ``ips-job-starts-by-specialist/2``, ``ips-caseloads/3``, the work figures
and the satisfaction survey summary)."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlencode

import pytest

from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.models import IpsSurvey
from plugins.ips.surveys_questions import KEYS
from plugins.ips.work_figures import retention_load, weekly_contacts
from tests.restriction import lift, restrict

from . import reports_builders as build

YEAR = "period_start=2025-01-01&period_end=2025-12-31"
PRACTITIONER = "Practitioner of tenant-a"


@pytest.fixture
def person(app, world):
    """A client of the practitioner's in every IPS figure of 2025: accepted 2025-02-01 out of
    work, a face-to-face employer contact about them 9 days later, a paid job 2025-03-01, a
    retention case closed retained 2025-06-01 and another still open, the episode still open."""
    practitioner = world.a.memberships["practitioner"]
    with app.app_context(), tenant_context(world.a.tenant_id):
        someone = build.client("Restricted-Later")
        episode = build.referral(
            someone, date(2025, 2, 1), employment="02", specialist=practitioner
        )
        build.employer_contact(
            build.employer(), practitioner, someone, date(2025, 2, 10), "client_specific"
        )
        build.outcome(episode, "paid_job", date(2025, 3, 1), specialist=practitioner)
        build.retention(episode, date(2025, 3, 15), date(2025, 6, 1), "retained")
        build.retention(episode, date(2025, 7, 1), None, None)
        db.session.commit()
        return someone.id


def _figures(client, world) -> dict[str, object]:
    """Every figure the person is in, by report."""

    def run(key: str, query: str) -> dict:
        response = client.get(f"/api/v1/tenant-a/reports/{key}?{query}", headers=world.a.auth())
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    outcomes = {r["key"]: r["value"] for r in run("ips-outcomes", YEAR)["rows"]}
    rapid = {r["key"]: r["referrals"] for r in run("ips-rapid-search", YEAR)["rows"]}
    starts = {
        r["specialist"]: r["job_starts"] for r in run("ips-job-starts-by-specialist", YEAR)["rows"]
    }
    caseloads = {
        r["specialist"]: (r["caseload"], r["retention"])
        for r in run("ips-caseloads", "period_end=2025-07-31")["rows"]
    }
    measures = (
        "clients_supported", "paid_employment", "total_job_starts", "retained_employment",
        "out_of_work_at_start", "employment_rate",
    )  # fmt: skip
    return {
        **{f"outcomes.{k}": outcomes[k] for k in measures},
        "rapid.accepted": rapid["accepted"],
        "rapid.within_30": rapid["within_30"],
        "starts.practitioner": starts.get(PRACTITIONER, 0),
        "caseloads.practitioner": caseloads.get(PRACTITIONER, (0, 0)),
    }


def _less_one(figures: dict[str, object]) -> dict[str, object]:
    return {k: (v[0] - 1, v[1] - 1) if isinstance(v, tuple) else v - 1 for k, v in figures.items()}


def _drill(client, world, key: str, query: str, drill: dict) -> set[str]:
    response = client.get(
        f"/api/v1/tenant-a/reports/{key}/drilldown?{query}&"
        + urlencode({"drill": json.dumps(drill)}),
        headers=world.a.auth(),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {c["id"] for c in response.json}


@pytest.mark.hazard("HAZ-006")
def test_a_restricted_client_is_in_no_ips_report_until_lifted(client, world, person):
    counted = _figures(client, world)
    assert _drill(client, world, "ips-outcomes", YEAR, {"set": "paid_employment"}) >= {str(person)}

    restrict(client, world.a, person)
    assert _figures(client, world) == _less_one(counted)
    mine = {"specialist": str(world.a.memberships["practitioner"])}
    for key, query, drill in (
        ("ips-outcomes", YEAR, {"set": "paid_employment"}),
        ("ips-rapid-search", YEAR, {"set": "accepted"}),
        ("ips-job-starts-by-specialist", YEAR, mine),
        ("ips-caseloads", "period_end=2025-07-31", mine),
    ):
        assert str(person) not in _drill(client, world, key, query, drill), key

    lift(client, world.a, person)
    assert _figures(client, world) == counted


def test_work_figures_leave_out_a_restricted_client_until_lifted(app, client, world, person):
    """Employer contacts per week (fidelity item 17) and the retention load per specialist."""
    practitioner = world.a.memberships["practitioner"]

    def figures() -> tuple[int, int, int]:
        with app.app_context(), tenant_context(world.a.tenant_id):
            _mondays, rows = weekly_contacts({}, weeks=1, today=date(2025, 2, 16))
            contacts = sum(r.total for r in rows if r.specialist_id == practitioner)
            load = retention_load(practitioner)
            return contacts, load.caseload, load.open_cases

    counted = figures()
    restrict(client, world.a, person)
    assert figures() == tuple(n - 1 for n in counted)
    lift(client, world.a, person)
    assert figures() == counted


def test_survey_summary_leaves_out_a_restricted_client_until_lifted(app, client, world, person):
    with app.app_context(), tenant_context(world.a.tenant_id):
        db.session.add(
            IpsSurvey(
                client_id=person, completed_on=date(2025, 5, 1), answers=dict.fromkeys(KEYS, 1)
            )
        )
        db.session.commit()

    def responses() -> int:
        url = "/api/v1/tenant-a/ips/survey-summary?start=2025-01-01&end=2025-12-31"
        response = client.get(url, headers=world.a.auth())
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json["responses"]

    counted = responses()
    restrict(client, world.a, person)
    assert responses() == counted - 1
    lift(client, world.a, person)
    assert responses() == counted
