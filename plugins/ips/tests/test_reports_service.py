"""The IPS service reports: rapid job search, job starts and caseloads per specialist, and the
fidelity trend, each against hand-built data with known figures, through the reports API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest

from core.extensions import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from plugins.ips.reports_common import median
from plugins.ips.reports_rapid_search import FirstContact

from . import reports_builders as build

YEAR = "period_start=2025-01-01&period_end=2025-12-31"
# Version 2: face-to-face contacts within the episode; closed client records leave caseloads.
# Version 3 (job starts: 2): clients whose processing is restricted (Art. 18) are left out.
VERSIONS = {
    "ips-rapid-search": 3,
    "ips-caseloads": 3,
    "ips-job-starts-by-specialist": 2,
    "ips-fidelity-trend": 1,
}


def _rows(client, world, key, query, by="key"):
    response = client.get(f"/api/v1/tenant-a/reports/{key}?{query}", headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["definition_version"] == f"{key}/{VERSIONS[key]}"
    return {row[by]: row for row in body["rows"]}, body


def _drill(client, world, key, query, drill):
    drill_query = urlencode({"drill": json.dumps(drill)})
    response = client.get(
        f"/api/v1/tenant-a/reports/{key}/drilldown?{query}&{drill_query}", headers=world.a.auth()
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(c["family_name"] for c in response.json)


# ------------------------------------------------------------------------------- medians


def test_median_of_odd_and_even_counts():
    assert median([31, 10, 30]) == 30
    assert median([31, 2, 10, 30]) == 20.0
    assert median([7]) == 7
    assert median([]) is None


def test_thirty_days_is_within_and_thirty_one_is_not():
    accepted = date(2025, 1, 1)
    today = date(2026, 1, 1)
    assert FirstContact(None, accepted, date(2025, 1, 31)).group(today) == "within_30"
    assert FirstContact(None, accepted, date(2025, 2, 1)).group(today) == "after_30"
    assert FirstContact(None, accepted, None).group(date(2025, 1, 31)) == "no_contact_pending"
    assert FirstContact(None, accepted, None).group(date(2025, 2, 1)) == "no_contact_overdue"


# ------------------------------------------------------------------------ rapid job search


@pytest.fixture
def rapid(app, world):
    """Tenant A referrals accepted in 2025 (days to the first client-specific contact):

    * Early: accepted 2025-01-10; a contact before acceptance (ignored), a job-development
      contact (wrong purpose, ignored), then about the client on 2025-01-20 → 10 days;
    * Edge: accepted 2025-02-01, contact 2025-03-03 → 30 days (within);
    * Late: accepted 2025-03-01, contact 2025-04-01 → 31 days (not within);
    * Quick: accepted 2025-05-01, contact 2025-05-03 → 2 days;
    * Waiting: accepted 2025-04-01, no contact (long overdue);
    * New: accepted 5 days ago, no contact yet (pending; outside 2025).
    Tenant B: a referral in 2025 with a contact after 1 day, never counted in A.
    """
    practitioner = world.a.memberships["practitioner"]
    with app.app_context(), tenant_context(world.a.tenant_id):
        firm = build.employer()

        def accepted(name, on, *contacts):
            person = build.client(name)
            build.referral(person, on)
            for day, purpose in contacts:
                build.employer_contact(firm, practitioner, person, day, purpose)

        accepted(
            "Early",
            date(2025, 1, 10),
            (date(2025, 1, 5), "client_specific"),
            (date(2025, 1, 12), "job_development"),
            (date(2025, 1, 20), "client_specific"),
            (date(2025, 2, 20), "client_specific"),
        )
        accepted("Edge", date(2025, 2, 1), (date(2025, 3, 3), "client_specific"))
        accepted("Late", date(2025, 3, 1), (date(2025, 4, 1), "client_specific"))
        accepted("Quick", date(2025, 5, 1), (date(2025, 5, 3), "client_specific"))
        accepted("Waiting", date(2025, 4, 1))
        accepted("New", date.today() - timedelta(days=5))
        db.session.commit()
    with app.app_context(), tenant_context(world.b.tenant_id):
        firm = build.employer()
        person = build.client("Other")
        build.referral(person, date(2025, 6, 1))
        build.employer_contact(
            firm, world.b.memberships["practitioner"], person, date(2025, 6, 2), "client_specific"
        )
        db.session.commit()


def test_rapid_search_figures(client, world, rapid):
    rows, body = _rows(client, world, "ips-rapid-search", YEAR)
    assert {k: r["referrals"] for k, r in rows.items()} == {
        "accepted": 5,
        "with_contact": 4,
        "within_30": 3,  # Early 10, Edge 30, Quick 2
        "after_30": 1,  # Late 31
        "no_contact_overdue": 1,  # Waiting
        "no_contact_pending": 0,
    }
    assert rows["with_contact"].get("days") == 20.0  # even count: (10 + 30) / 2 over 2, 10, 30, 31
    assert rows["within_30"]["share"] == 60.0  # 3 of 5 decided
    assert any("Median 20 days" in note for note in body["notes"])
    first_quarter, _ = _rows(
        client, world, "ips-rapid-search", "period_start=2025-01-01&period_end=2025-03-31"
    )
    assert first_quarter["with_contact"].get("days") == 30  # odd count: 10, 30, 31


def test_rapid_search_pending_and_drilldown(client, world, rapid):
    today = date.today()
    recent = f"period_start={today - timedelta(days=10)}&period_end={today}"
    rows, _ = _rows(client, world, "ips-rapid-search", recent)
    assert rows["no_contact_pending"]["referrals"] == 1
    assert "share" not in rows["within_30"]  # nothing decided yet
    assert _drill(client, world, "ips-rapid-search", recent, {"set": "no_contact_pending"}) == [
        "New"
    ]
    assert _drill(client, world, "ips-rapid-search", YEAR, {"set": "within_30"}) == [
        "Early", "Edge", "Quick"
    ]  # fmt: skip
    assert _drill(client, world, "ips-rapid-search", YEAR, {"set": "no_contact_overdue"}) == [
        "Waiting"
    ]
    for bogus in ({"set": "bogus"}, {"figure": "accepted"}, ["accepted"]):
        unknown = client.get(
            "/api/v1/tenant-a/reports/ips-rapid-search/drilldown?"
            + urlencode({"drill": json.dumps(bogus)})
            + f"&{YEAR}",
            headers=world.a.auth(),
        )
        assert unknown.status_code == 404 and unknown.json["detail"] == "No such figure."
    for key in ("ips-job-starts-by-specialist", "ips-caseloads"):
        unknown = client.get(
            f"/api/v1/tenant-a/reports/{key}/drilldown?"
            + urlencode({"drill": json.dumps({"specialist": "not-an-id"})}),
            headers=world.a.auth(),
        )
        assert unknown.status_code == 404, key


# ------------------------------------------------------------- job starts per specialist


@pytest.fixture
def starts(app, world):
    """2025 paid job starts in tenant A: the practitioner 2 (one client twice), the admin 1,
    nobody 1; plus one outside the period and an education start (not a job)."""
    m = world.a.memberships
    with app.app_context(), tenant_context(world.a.tenant_id):
        twice = build.referral(build.client("Twice"), date(2024, 6, 1))
        build.outcome(twice, "paid_job", date(2025, 2, 1), specialist=m["practitioner"])
        build.outcome(twice, "paid_job", date(2025, 9, 1), specialist=m["practitioner"])
        once = build.referral(build.client("Once"), date(2024, 6, 1))
        build.outcome(once, "paid_job", date(2025, 3, 1), specialist=m["admin"])
        build.outcome(once, "paid_job", date(2024, 12, 31), specialist=m["admin"])
        build.outcome(once, "education", date(2025, 3, 1), specialist=m["admin"])
        nobody = build.referral(build.client("Nobody"), date(2024, 6, 1))
        build.outcome(nobody, "paid_job", date(2025, 12, 31))
        db.session.commit()


def test_job_starts_by_specialist(client, world, starts):
    rows, body = _rows(client, world, "ips-job-starts-by-specialist", YEAR, by="specialist")
    counts = {k: (r["job_starts"], r["clients"]) for k, r in rows.items()}
    assert counts == {
        "Admin of tenant-a": (1, 1),  # the 2024 start and the education start do not count
        "Practitioner of tenant-a": (2, 1),  # one client, two jobs
        "Unassigned": (1, 1),  # started on the period end
    }
    assert any("4 paid job starts" in note for note in body["notes"])
    practitioner = str(world.a.memberships["practitioner"])
    assert _drill(
        client, world, "ips-job-starts-by-specialist", YEAR, {"specialist": practitioner}
    ) == ["Twice"]
    assert _drill(client, world, "ips-job-starts-by-specialist", YEAR, {"specialist": None}) == [
        "Nobody"
    ]


# ------------------------------------------------------------------------------ caseloads


@pytest.fixture
def caseloads(app, world):
    """As of 2025-06-30, cap 2: the practitioner has 3 open (one accepted that day, one closing
    the day after; one closed that day is off), one with an open retention case; the admin 1;
    one unassigned; one accepted the day after (not yet)."""
    m = world.a.memberships
    with app.app_context(), tenant_context(world.a.tenant_id):
        tenant = db.session.get(Tenant, world.a.tenant_id)
        tenant.plugins = {**tenant.plugins, "ips": {"caseload_cap": 2}}
        p = m["practitioner"]
        kept = build.referral(build.client("Kept"), date(2025, 1, 1), specialist=p)
        build.retention(kept, date(2025, 5, 1), None, None)
        build.referral(build.client("Today"), date(2025, 6, 30), specialist=p)
        build.referral(
            build.client("Tomorrow"), date(2025, 2, 1), closed=date(2025, 7, 1), specialist=p
        )
        build.referral(
            build.client("Gone"), date(2025, 2, 1), closed=date(2025, 6, 30), specialist=p
        )
        build.referral(build.client("Admins"), date(2025, 3, 1), specialist=m["admin"])
        build.referral(build.client("Nobodys"), date(2025, 3, 1))
        build.referral(build.client("Later"), date(2025, 7, 1), specialist=p)
        db.session.commit()


def test_caseloads_against_the_cap(client, world, caseloads):
    rows, body = _rows(client, world, "ips-caseloads", "period_end=2025-06-30", by="specialist")
    practitioner = rows["Practitioner of tenant-a"]
    # The world's own client (accepted 2026) is not on anyone's caseload in 2025.
    assert practitioner["caseload"] == 3
    assert (practitioner["cap"], practitioner["over_cap"]) == (2, 1)
    assert (practitioner["retention"], practitioner["retention_share"]) == (1, 33.3)
    admin = rows["Admin of tenant-a"]
    assert (admin["caseload"], admin["over_cap"]) == (1, 0)
    assert rows["Unassigned"]["caseload"] == 1 and "cap" not in rows["Unassigned"]
    assert "Over the cap: Practitioner of tenant-a." in body["notes"][1]
    assert _drill(
        client,
        world,
        "ips-caseloads",
        "period_end=2025-06-30",
        {"specialist": str(world.a.memberships["practitioner"])},
    ) == ["Kept", "Today", "Tomorrow"]


# ------------------------------------------------------------------------- fidelity trend


@pytest.fixture
def reviews(app, world):
    """Tenant A: 2025-03-01 all 3s (75, fair), 2025-09-01 only 10 items (incomplete), and the
    world's 2026-03-01 review, all 4s (100, good). Tenant B: a review of all 5s."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        build.fidelity_review(date(2025, 3, 1), {i: 3 for i in range(1, 26)})
        build.fidelity_review(date(2025, 9, 1), {i: 5 for i in range(1, 11)})
        db.session.commit()
    with app.app_context(), tenant_context(world.b.tenant_id):
        build.fidelity_review(date(2025, 6, 1), {i: 5 for i in range(1, 26)})
        db.session.commit()


def test_fidelity_trend(client, world, reviews):
    rows, body = _rows(client, world, "ips-fidelity-trend", "", by="reviewed_on")
    assert list(rows) == ["2025-03-01", "2025-09-01", "2026-03-01"]  # never tenant B's
    assert body["notes"][0] == "Showing every review."
    first, partial, last = rows.values()
    assert (first["total"], first["band"]) == (75, "Fair fidelity")
    assert (first["staffing"], first["organisation"], first["services"]) == (9, 24, 42)
    assert partial["band"].startswith("Incomplete (10 of 25")
    assert partial["total"] == 50 and "change" not in partial
    assert (last["total"], last["band"], last["change"]) == (100, "Good fidelity", 25)
    only_2025, _ = _rows(client, world, "ips-fidelity-trend", YEAR, by="reviewed_on")
    assert list(only_2025) == ["2025-03-01", "2025-09-01"]
