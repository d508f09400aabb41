"""The IPS work API: employers, employer contacts, starts with their status moves, in-work
support, retention, per-field 422 with nothing saved, and who may see what."""

from __future__ import annotations

from datetime import timedelta

from plugins.ips.models import IpsEmployer, IpsEmployerContact, IpsOutcome, IpsRetentionCase
from plugins.ips.tests.etags import fresh
from plugins.ips.tests.work_builders import (
    TODAY,
    api,
    audit_actions,
    count,
    days_ago,
    employer,
    episode,
    pointers,
    referral_status,
)

PROBLEM = "application/problem+json"


def test_employers_add_search_page_change_and_audit(app, world, client):
    base, auth = api(world.a), world.a.auth("practitioner")
    for name in ("Greenway Garden Centre", "Harbourside Hotel", "Green Lane Bakery"):
        created = client.post(f"{base}/employers", json={"name": name}, headers=auth)
        assert created.status_code == 201, created.get_data(as_text=True)
    found = client.get(f"{base}/employers?q=green", headers=auth)
    assert [e["name"] for e in found.json] == ["Green Lane Bakery", "Greenway Garden Centre"]
    paged = client.get(f"{base}/employers?page=1&page_size=2", headers=auth)
    assert len(paged.json) == 2 and '"total": 4' in paged.headers["X-Pagination"]
    employer_id = found.json[0]["id"]
    url = f"{base}/employers/{employer_id}"
    changed = client.patch(url, json={"town": "Eastleigh"}, headers=fresh(client, url, auth))
    assert changed.status_code == 200 and changed.json["town"] == "Eastleigh"
    assert audit_actions(app, world.a, employer_id) == [
        "ips.employer.create",
        "ips.employer.update",
    ]


def test_bad_employer_is_422_per_field_and_nothing_saved(app, world, client):
    before = count(app, world.a, IpsEmployer)
    bad = client.post(
        f"{api(world.a)}/employers", json={"name": "", "email": "nope"}, headers=world.a.auth()
    )
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert pointers(bad) == {"#/name", "#/email"}
    assert count(app, world.a, IpsEmployer) == before


def test_other_tenants_employer_is_404(world, client):
    foreign = world.b.ids["ips_employer"][0]
    base = api(world.a)
    assert client.get(f"{base}/employers/{foreign}", headers=world.a.auth()).status_code == 404
    patched = client.patch(
        f"{base}/employers/{foreign}", json={"town": "X"}, headers=world.a.auth()
    )
    assert patched.status_code == 404


def test_employer_contact_about_a_client_needs_the_client(app, world, client):
    base, auth = api(world.a), world.a.auth("practitioner")
    employer_id = world.a.ids["ips_employer"][0]
    before = count(app, world.a, IpsEmployerContact)
    missing = client.post(
        f"{base}/employers/{employer_id}/contacts",
        json={"contact_type": "phone", "purpose": "client_specific"},
        headers=auth,
    )
    assert missing.status_code == 422 and pointers(missing) == {"#/client_id"}
    future = client.post(
        f"{base}/employers/{employer_id}/contacts",
        json={"contact_type": "phone", "purpose": "job_development",
              "contacted_on": (TODAY + timedelta(days=1)).isoformat()},
        headers=auth,
    )  # fmt: skip
    assert future.status_code == 422 and pointers(future) == {"#/contacted_on"}
    foreign_client = client.post(
        f"{base}/employers/{employer_id}/contacts",
        json={"contact_type": "phone", "purpose": "client_specific",
              "client_id": str(world.b.ids["client"][0])},
        headers=auth,
    )  # fmt: skip
    assert foreign_client.status_code == 422 and pointers(foreign_client) == {"#/client_id"}
    assert count(app, world.a, IpsEmployerContact) == before
    ok = client.post(
        f"{base}/employers/{employer_id}/contacts",
        json={"contact_type": "face_to_face", "purpose": "client_specific",
              "client_id": str(world.a.ids["client"][1])},
        headers=auth,
    )  # fmt: skip
    assert ok.status_code == 201
    assert ok.json["specialist_id"] == str(world.a.memberships["practitioner"])
    assert ok.json["contacted_on"] == TODAY.isoformat()
    assert audit_actions(app, world.a, ok.json["id"]) == ["ips.employer_contact.create"]
    listed = client.get(
        f"{base}/employer-contacts?client_id={world.a.ids['client'][1]}", headers=auth
    )
    assert [c["id"] for c in listed.json] == [ok.json["id"]]


def test_only_a_team_leader_records_for_another_specialist(world, client):
    base = api(world.a)
    url = f"{base}/employers/{world.a.ids['ips_employer'][0]}/contacts"
    body = {"contact_type": "phone", "purpose": "job_development"}
    refused = client.post(
        url,
        json={**body, "specialist_id": str(world.a.memberships["admin"])},
        headers=world.a.auth("practitioner"),
    )
    assert refused.status_code == 422 and pointers(refused) == {"#/specialist_id"}
    practitioner = str(world.a.memberships["practitioner"])
    by_leader = client.post(
        url, json={**body, "specialist_id": practitioner}, headers=world.a.auth()
    )
    assert by_leader.status_code == 201 and by_leader.json["specialist_id"] == practitioner
    not_a_specialist = client.post(
        url,
        json={**body, "specialist_id": str(world.a.memberships["partner"])},
        headers=world.a.auth(),
    )
    assert not_a_specialist.status_code == 422


def test_weekly_employer_contacts_per_specialist(world, client):
    base, auth = api(world.a), world.a.auth("practitioner")
    url = f"{base}/employers/{world.a.ids['ips_employer'][0]}/contacts"
    monday = TODAY - timedelta(days=TODAY.weekday())
    dates = [monday, monday, monday - timedelta(weeks=2), monday - timedelta(weeks=9)]
    for day in dates:
        body = {"contact_type": "phone", "purpose": "job_development", "contacted_on": str(day)}
        assert client.post(url, json=body, headers=auth).status_code == 201
    weekly = client.get(f"{base}/employer-contacts/weekly", headers=auth)
    assert weekly.status_code == 200
    assert weekly.json["target_per_week"] == 6
    assert weekly.json["weeks"][-1] == monday.isoformat() and len(weekly.json["weeks"]) == 8
    rows = {r["specialist_id"]: r for r in weekly.json["specialists"]}
    mine = rows[str(world.a.memberships["practitioner"])]
    assert mine["counts"][-1] == 2 and mine["counts"][-3] == 1
    assert mine["total"] == 3  # the contact 9 weeks ago is outside the 8 weeks
    assert mine["below_target"] is True
    leader = rows[str(world.a.memberships["admin"])]
    assert leader["total"] == 0


def test_paid_job_moves_the_episode_and_the_last_end_moves_it_back(app, world, client):
    referral_id = episode(app, world.a, accepted=days_ago(60))
    client_id = world.a.ids["client"][1]
    base, auth = api(world.a), world.a.auth("practitioner")
    job = {"kind": "paid_job", "title": "Gardener", "provider_name": "Parks Trust",
           "hours_band": "02", "started_on": str(days_ago(20))}  # fmt: skip
    first = client.post(f"{base}/clients/{client_id}/outcomes", json=job, headers=auth)
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["referral_id"] == str(referral_id)
    assert referral_status(app, world.a, referral_id) == "in_work"
    second = client.post(
        f"{base}/clients/{client_id}/outcomes",
        json={**job, "title": "Kitchen porter", "hours_band": "03",
              "started_on": str(days_ago(10))},
        headers=auth,
    )  # fmt: skip
    assert second.status_code == 201
    listed = client.get(f"{base}/clients/{client_id}/outcomes", headers=auth)
    assert [o["title"] for o in listed.json] == ["Kitchen porter", "Gardener"]
    end = {"ended_on": str(days_ago(2)), "end_reason": "resigned"}
    url = f"{base}/outcomes/{first.json['id']}"
    ended = client.patch(url, json=end, headers=fresh(client, url, auth))
    assert ended.status_code == 200
    assert referral_status(app, world.a, referral_id) == "in_work"  # still has a job
    url = f"{base}/outcomes/{second.json['id']}"
    client.patch(url, json=end, headers=fresh(client, url, auth))
    assert referral_status(app, world.a, referral_id) == "job_search"
    assert "ips.referral.status" in audit_actions(app, world.a, referral_id)


def test_education_start_does_not_move_the_episode(app, world, client):
    referral_id = episode(app, world.a, status="job_search")
    created = client.post(
        f"{api(world.a)}/clients/{world.a.ids['client'][1]}/outcomes",
        json={"kind": "education", "title": "Horticulture level 2",
              "provider_name": "City College", "started_on": str(days_ago(5))},
        headers=world.a.auth("practitioner"),
    )  # fmt: skip
    assert created.status_code == 201
    assert referral_status(app, world.a, referral_id) == "job_search"


def test_job_before_acceptance_and_other_bad_starts_are_refused(app, world, client):
    episode(app, world.a, accepted=days_ago(30))
    url = f"{api(world.a)}/clients/{world.a.ids['client'][1]}/outcomes"
    auth = world.a.auth("practitioner")
    before = count(app, world.a, IpsOutcome)
    early = client.post(
        url,
        json={"kind": "paid_job", "title": "Cleaner", "provider_name": "Sparkle",
              "hours_band": "03", "started_on": str(days_ago(31))},
        headers=auth,
    )  # fmt: skip
    assert early.status_code == 422 and pointers(early) == {"#/started_on"}
    assert "before the referral was accepted" in early.get_data(as_text=True)
    many = client.post(
        url,
        json={"kind": "voluntary", "title": "Shop volunteer", "hours_band": "01",
              "self_employed": True, "started_on": str(days_ago(5)),
              "ended_on": str(days_ago(6)), "end_reason": "other"},
        headers=auth,
    )  # fmt: skip
    assert many.status_code == 422
    assert pointers(many) == {"#/hours_band", "#/self_employed", "#/ended_on"}
    future = client.post(
        url,
        json={"kind": "paid_job", "title": "Cleaner", "provider_name": "Sparkle",
              "hours_band": "03", "started_on": str(TODAY + timedelta(days=3))},
        headers=auth,
    )  # fmt: skip
    assert future.status_code == 422 and pointers(future) == {"#/started_on"}
    no_employer = client.post(
        url,
        json={"kind": "paid_job", "title": "Cleaner", "started_on": str(days_ago(3))},
        headers=auth,
    )
    assert pointers(no_employer) == {"#/employer_id", "#/hours_band"}
    assert count(app, world.a, IpsOutcome) == before


def test_a_start_needs_an_accepted_open_episode_of_that_client(app, world, client):
    base, auth = api(world.a), world.a.auth("practitioner")
    client_id = world.a.ids["client"][1]
    job = {"kind": "education", "title": "Course", "provider_name": "College",
           "started_on": str(days_ago(3))}  # fmt: skip
    none = client.post(f"{base}/clients/{client_id}/outcomes", json=job, headers=auth)
    assert none.status_code == 422 and pointers(none) == {"#/referral_id"}
    others = world.a.ids["ips_referral"][0]  # the first client's episode
    wrong = client.post(
        f"{base}/clients/{client_id}/outcomes", json={**job, "referral_id": str(others)},
        headers=auth,
    )  # fmt: skip
    assert wrong.status_code == 422 and pointers(wrong) == {"#/referral_id"}
    closed = episode(app, world.a, accepted=days_ago(90), status="closed", closed=days_ago(30))
    after_close = client.post(
        f"{base}/clients/{client_id}/outcomes",
        json={**job, "referral_id": str(closed)},
        headers=auth,
    )
    assert after_close.status_code == 422 and pointers(after_close) == {"#/started_on"}


def test_support_and_retention(app, world, client):
    episode(app, world.a, accepted=days_ago(60))
    client_id = world.a.ids["client"][1]
    base, auth = api(world.a), world.a.auth("practitioner")
    job = client.post(
        f"{base}/clients/{client_id}/outcomes",
        json={"kind": "paid_job", "title": "Gardener", "employer_id":
              str(employer(app, world.a)), "hours_band": "02", "started_on": str(days_ago(20))},
        headers=auth,
    ).json  # fmt: skip
    other_job = world.a.ids["ips_outcome"][0]  # the first client's job
    refused = client.post(
        f"{base}/clients/{client_id}/support-contacts",
        json={"contact_type": "phone", "contacted_on": str(days_ago(1)),
              "outcome_id": str(other_job)},
        headers=auth,
    )  # fmt: skip
    assert refused.status_code == 422 and pointers(refused) == {"#/outcome_id"}
    support = client.post(
        f"{base}/clients/{client_id}/support-contacts",
        json={"contact_type": "phone", "contacted_on": str(days_ago(1)),
              "outcome_id": job["id"], "with_employer": True},
        headers=auth,
    )  # fmt: skip
    assert support.status_code == 201 and support.json["with_employer"] is True
    case = client.post(
        f"{base}/clients/{client_id}/retention-cases",
        json={"opened_on": str(days_ago(10)), "employer_name": "Greenway", "risk": "Rota"},
        headers=auth,
    )
    assert case.status_code == 201
    url = f"{base}/retention-cases/{case.json['id']}"
    current = fresh(client, url, auth)
    early = client.patch(
        url,
        json={"closed_on": str(days_ago(11)), "result": "retained"},
        headers=current,
    )
    assert early.status_code == 422 and pointers(early) == {"#/closed_on"}
    no_result = client.patch(url, json={"closed_on": str(days_ago(1))}, headers=current)
    assert no_result.status_code == 422 and pointers(no_result) == {"#/result"}
    closed = client.patch(
        url,
        json={"closed_on": str(days_ago(1)), "result": "retained"},
        headers=current,
    )
    assert closed.status_code == 200 and closed.json["result"] == "retained"
    still_open = client.get(f"{base}/retention-cases?open=true", headers=auth)
    assert case.json["id"] not in {c["id"] for c in still_open.json}
    assert audit_actions(app, world.a, case.json["id"]) == [
        "ips.retention_case.create",
        "ips.retention_case.read",  # the read that gave the ETag; failed changes keep it
        "ips.retention_case.update",
    ]
    assert count(app, world.a, IpsRetentionCase) == 2


def test_client_work_has_rapid_job_search_and_is_audited(app, world, client):
    referral_id = episode(app, world.a, accepted=days_ago(50))
    client_id = world.a.ids["client"][1]
    base, auth = api(world.a), world.a.auth("practitioner")
    url = f"{base}/employers/{world.a.ids['ips_employer'][0]}/contacts"
    for day, purpose in ((days_ago(55), "client_specific"), (days_ago(45), "job_development")):
        body = {"contact_type": "phone", "purpose": purpose, "contacted_on": str(day),
                "client_id": str(client_id)}  # fmt: skip
        assert client.post(url, json=body, headers=auth).status_code == 201
    work = client.get(f"{base}/clients/{client_id}/work", headers=auth)
    assert work.status_code == 200
    [rapid] = work.json["rapid_job_search"]
    assert rapid["referral_id"] == str(referral_id)
    assert rapid["first_contact_on"] is None and rapid["late"] is True
    body = {"contact_type": "phone", "purpose": "client_specific",
            "contacted_on": str(days_ago(40)), "client_id": str(client_id)}  # fmt: skip
    assert client.post(url, json=body, headers=auth).status_code == 201
    [rapid] = client.get(f"{base}/clients/{client_id}/work", headers=auth).json["rapid_job_search"]
    assert rapid["days"] == 10 and rapid["late"] is False
    assert len(work.json["employer_contacts"]) == 2
    assert "ips.client_work.read" in audit_actions(app, world.a, client_id)


def test_partner_gets_nothing_and_other_tenants_ids_are_404(world, client):
    base = api(world.a)
    shared = world.a.ids["client"][0]
    partner = world.a.auth("partner")
    for url in (f"{base}/employers", f"{base}/outcomes", f"{base}/clients/{shared}/work",
                f"{base}/employer-contacts/weekly", f"{base}/retention-cases"):  # fmt: skip
        assert client.get(url, headers=partner).status_code == 403, url
    auth = world.a.auth()
    for kind, path in (
        ("ips_outcome", "outcomes"),
        ("ips_support_contact", "support-contacts"),
        ("ips_retention_case", "retention-cases"),
        ("ips_employer_contact", "employer-contacts"),
    ):
        foreign = world.b.ids[kind][0]
        assert client.get(f"{base}/{path}/{foreign}", headers=auth).status_code == 404
        own = world.a.ids[kind][0]
        assert client.get(f"{base}/{path}/{own}", headers=auth).status_code == 200
    foreign_client = world.b.ids["client"][0]
    assert client.get(f"{base}/clients/{foreign_client}/work", headers=auth).status_code == 404


def test_reads_of_a_clients_records_are_audited(app, world, client):
    base, auth = api(world.a), world.a.auth("practitioner")
    shared = world.a.ids["client"][0]
    assert client.get(f"{base}/clients/{shared}/outcomes", headers=auth).status_code == 200
    assert "ips.outcome.list" in audit_actions(app, world.a, shared)
    outcome_id = world.a.ids["ips_outcome"][0]
    assert client.get(f"{base}/outcomes/{outcome_id}", headers=auth).status_code == 200
    assert audit_actions(app, world.a, outcome_id) == ["ips.outcome.read"]
