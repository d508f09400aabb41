"""Retention (SECURITY.md P3): the nightly appraisal job and the information governance API."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.clients.models import Client, Contact, Note, RetentionAppraisal
from core.extensions import db
from tests.factories import TenantData, World

TODAY = "2026-03-02"


@contextmanager
def inside(app, tenant: TenantData):
    """Work in one tenant, as the job does (commit on success)."""
    from core.tenancy.context import tenant_context

    with app.app_context(), tenant_context(tenant.tenant_id) as loaded:
        yield loaded


def _client(name: str, *, closed_on: date | None, **extra) -> Client:
    client = Client(
        given_name=name,
        family_name="Retention",
        date_of_birth=date(1950, 1, 1),
        status="closed" if closed_on else "open",
        closed_reason="discharged" if closed_on else None,
        closed_on=closed_on,
        created_at=datetime(2000, 1, 1, 12, tzinfo=UTC),
        **extra,
    )
    db.session.add(client)
    db.session.flush()
    return client


def _seed(data: TenantData) -> dict[str, uuid.UUID]:
    """Records around the edges of the rule, for a run on 2 March 2026."""
    home = data.ids["organisation"][0]
    staff = data.memberships["practitioner"]
    made = {
        # Exactly 20 years ago today: kept through today, due tomorrow.
        "exact": _client("Exact", closed_on=date(2006, 3, 2)),
        # 20 years and a day: due today.
        "over": _client("Over", closed_on=date(2006, 3, 1)),
        # Died on a leap day: 10 years on is 1 March 2026 (no 29 February), due 2 March.
        "leap_death": _client("Leap", closed_on=date(2015, 6, 1), died_on=date(2016, 2, 29)),
        # Died a day later: kept through today.
        "late_death": _client("Late", closed_on=date(2015, 6, 1), died_on=date(2016, 3, 2)),
        # Closed long ago, but a contact since: the period runs from the contact.
        "contact": _client("Contact", closed_on=date(2001, 1, 1)),
        # Closed long ago, a note written after closure: the period runs from the note.
        "note": _client("Note", closed_on=date(2001, 1, 1)),
        # Open: still in use, never due.
        "open": _client("Open", closed_on=None),
        # Restricted (Art. 18): in no background job.
        "restricted": _client(
            "Restricted",
            closed_on=date(2001, 1, 1),
            restricted_at=datetime(2025, 1, 1, tzinfo=UTC),
            restricted_reason="Erasure refused",
        ),
        # Already flagged and waiting for a decision.
        "flagged": _client("Flagged", closed_on=date(2001, 1, 1)),
        # Kept at an earlier appraisal until 3 March 2026.
        "kept": _client("Kept", closed_on=date(2001, 1, 1)),
        # Decided for destruction: the records team's business now; never flagged again.
        "destroy": _client("Destroy", closed_on=date(2001, 1, 1)),
    }
    db.session.add_all(
        [
            Contact(
                client_id=made["contact"].id,
                occurred_at=datetime(2010, 4, 1, 10, tzinfo=UTC),
                method="phone",
                staff_membership_id=staff,
                organisation_id=home,
            ),
            Note(
                client_id=made["note"].id,
                written_at=datetime(2007, 1, 1, 10, tzinfo=UTC),
                author_membership_id=staff,
                organisation_id=home,
                text="Letter from the GP filed.",
            ),
            _appraisal(made["flagged"].id),
            _appraisal(made["kept"].id, "keep", date(2026, 3, 3), data.memberships["admin"]),
            _appraisal(made["destroy"].id, "destroy", None, data.memberships["admin"]),
        ]
    )
    db.session.flush()
    return {key: client.id for key, client in made.items()}


def _appraisal(client_id, decision=None, review_on=None, decided_by=None) -> RetentionAppraisal:
    return RetentionAppraisal(
        client_id=client_id,
        record_class="mental_health_record",
        last_contact_on=date(2001, 1, 1),
        due_since=date(2021, 1, 2),
        decision=decision,
        review_on=review_on,
        reason="Appraised" if decision else None,
        decided_by_membership_id=decided_by,
        decided_at=datetime(2025, 6, 1, tzinfo=UTC) if decision else None,
    )


def _expected(ids, *keys):
    rows = {
        "over": (date(2006, 3, 1), None, date(2026, 3, 2)),
        "leap_death": (date(2015, 6, 1), date(2016, 2, 29), date(2026, 3, 2)),
        "kept": (date(2001, 1, 1), None, date(2026, 3, 3)),
    }
    found = [
        {
            "client_id": str(ids[key]),
            "last_contact_on": rows[key][0].isoformat(),
            "died_on": rows[key][1].isoformat() if rows[key][1] else None,
            "due_since": rows[key][2].isoformat(),
        }
        for key in keys
    ]
    return sorted(found, key=lambda r: (r["due_since"], r["client_id"]))


def _appraisals(admin_engine, tenant_id) -> list[tuple]:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text(
                "SELECT client_id, decision, due_since FROM retention_appraisal "
                "WHERE tenant_id = :t ORDER BY flagged_at, client_id"
            ),
            {"t": tenant_id},
        ).all()


def test_dry_run_lists_exactly_the_records_due_and_writes_nothing(app, world: World, admin_engine):
    from core.retention.services import flag_due_records

    with inside(app, world.a):
        ids = _seed(world.a)
    before = _appraisals(admin_engine, world.a.tenant_id)
    with inside(app, world.a):
        result = flag_due_records(dry_run=True, today=TODAY)
    assert result["dry_run"] is True and result["today"] == TODAY
    assert result["records"] == _expected(ids, "over", "leap_death")
    assert result["count"] == 2
    assert _appraisals(admin_engine, world.a.tenant_id) == before
    with inside(app, world.a):  # the next day: the exact anniversary, the later death, the keep
        later = flag_due_records(dry_run=True, today="2026-03-03")
    assert {r["client_id"] for r in later["records"]} == {
        str(ids[k]) for k in ("over", "leap_death", "exact", "late_death", "kept")
    }
    assert [r for r in later["records"] if r["client_id"] == str(ids["kept"])] == _expected(
        ids, "kept"
    )


def test_the_job_flags_due_records_once_and_deletes_nothing(app, world: World, admin_engine):
    from core.jobs.services import enqueue

    with inside(app, world.a):
        ids = _seed(world.a)
    with admin_engine.connect() as conn:
        clients_before = conn.execute(sa.text("SELECT count(*) FROM client")).scalar()
    before = len(_appraisals(admin_engine, world.a.tenant_id))
    run_ids = []
    for _ in range(2):  # delivered twice (or asked for again): flagged once
        with app.app_context(), inside(app, world.a):
            run_ids.append(enqueue("core.retention.flag", {"today": TODAY}).id)
    with admin_engine.connect() as conn:
        runs = conn.execute(
            sa.text("SELECT status, result FROM job_run WHERE id = ANY(:ids) ORDER BY created_at"),
            {"ids": run_ids},
        ).all()
        clients_after = conn.execute(sa.text("SELECT count(*) FROM client")).scalar()
    assert [status for status, _ in runs] == ["succeeded", "succeeded"]
    assert runs[0].result["records"] == _expected(ids, "over", "leap_death")
    assert runs[1].result["count"] == 0
    flagged = _appraisals(admin_engine, world.a.tenant_id)[before:]
    assert sorted((str(c), d, s) for c, d, s in flagged) == sorted(
        (str(ids[k]), None, date(2026, 3, 2)) for k in ("over", "leap_death")
    )
    assert clients_after == clients_before
    assert _appraisals(admin_engine, world.b.tenant_id) == [
        (world.b.ids["client"][1], None, date(2025, 1, 3))  # tenant B untouched
    ]


def test_the_command_dry_run_prints_the_expected_list(app, world: World, admin_engine):
    import json

    with inside(app, world.a):
        ids = _seed(world.a)
    before = _appraisals(admin_engine, world.a.tenant_id)
    runner = app.test_cli_runner()
    args = ["jobs", "retention", "--tenant", world.a.slug, "--dry-run", "--today", TODAY]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed["dry_run"] is True
    assert printed["records"] == _expected(ids, "over", "leap_death")
    assert _appraisals(admin_engine, world.a.tenant_id) == before
    flagged = runner.invoke(args=["jobs", "retention", "--tenant", world.a.slug, "--today", TODAY])
    assert flagged.exit_code == 0, flagged.output
    assert len(_appraisals(admin_engine, world.a.tenant_id)) == len(before) + 2
    unknown = runner.invoke(args=["jobs", "retention", "--tenant", "nowhere", "--dry-run"])
    assert unknown.exit_code != 0 and "nowhere" in unknown.output


def test_the_scheduler_asks_for_one_run_per_tenant_a_day(app, world: World, admin_engine):
    from core.retention.schedule import tick

    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with app.app_context():
        first = tick(now)
        second = tick(now)
    assert len(first) == 3 and second == []  # tenants A, B, C; a second scheduler: nothing
    with admin_engine.connect() as conn:
        keys = conn.execute(
            sa.text("SELECT idempotency_key FROM job_run WHERE kind = 'core.retention.flag'")
        ).scalars()
        assert sorted(keys) == ["core.retention.flag:2026-03-02"] * 3


# -- the API -----------------------------------------------------------------------------------


@pytest.fixture
def flagged(app, world: World):
    """Tenant A's due records flagged by the job, as on 2 March 2026."""
    from core.retention.services import flag_due_records

    with inside(app, world.a):
        ids = _seed(world.a)
        flag_due_records(today=TODAY)
    return ids


def _url(world: World, path: str, tenant: TenantData | None = None) -> str:
    return f"/api/v1/{(tenant or world.a).slug}{path}"


def test_information_governance_lists_due_records_oldest_first(client, world, flagged):
    response = client.get(_url(world, "/retention/appraisals"), headers=world.a.auth("admin"))
    assert response.status_code == 200, response.json
    listed = response.json
    assert {r["client_id"] for r in listed} == {
        str(world.a.ids["client"][1]),  # the world's own flag, due since 2025
        str(flagged["flagged"]),  # flagged before, still undecided
        str(flagged["over"]),
        str(flagged["leap_death"]),
    }
    assert [r["due_since"] for r in listed] == [
        "2021-01-02",
        "2025-01-03",
        "2026-03-02",
        "2026-03-02",
    ]
    assert all(r["decision"] is None for r in listed)
    leap = next(r for r in listed if r["client_id"] == str(flagged["leap_death"]))
    assert leap["client_name"] == "Leap Retention"
    assert leap["died_on"] == "2016-02-29" and leap["due_since"] == "2026-03-02"
    decided = client.get(
        _url(world, "/retention/appraisals?status=decided"), headers=world.a.auth("admin")
    ).json
    assert {r["client_id"] for r in decided} == {str(flagged["kept"]), str(flagged["destroy"])}


def test_others_may_not_see_or_decide(client, world, flagged):
    for role in ("practitioner", "partner"):
        response = client.get(_url(world, "/retention/appraisals"), headers=world.a.auth(role))
        assert response.status_code == 403


def _due_id(client, world, client_id) -> str:
    listed = client.get(_url(world, "/retention/appraisals"), headers=world.a.auth("admin")).json
    return next(r["id"] for r in listed if r["client_id"] == str(client_id))


def test_keep_needs_a_future_review_date_and_is_recorded_once(client, world, flagged):
    appraisal = _due_id(client, world, flagged["over"])
    url = _url(world, f"/retention/appraisals/{appraisal}/decision")
    auth = world.a.auth("admin")
    missing = client.post(url, json={"decision": "keep", "reason": "Litigation hold"}, headers=auth)
    assert missing.status_code == 422
    assert missing.content_type == "application/problem+json"
    assert [e["pointer"] for e in missing.json["errors"]] == ["#/review_on"]
    past = client.post(
        url,
        json={"decision": "keep", "reason": "Litigation hold", "review_on": "2020-01-01"},
        headers=auth,
    )
    assert past.status_code == 422 and past.json["errors"][0]["pointer"] == "#/review_on"
    bad = client.post(url, json={"decision": "archive", "reason": ""}, headers=auth)
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json["errors"]} == {"#/decision", "#/reason"}
    review_on = (date.today() + timedelta(days=365)).isoformat()
    kept = client.post(
        url,
        json={"decision": "keep", "reason": "Litigation hold", "review_on": review_on},
        headers=auth,
    )
    assert kept.status_code == 200, kept.json
    assert kept.json["decision"] == "keep" and kept.json["review_on"] == review_on
    assert kept.json["decided_by_membership_id"] == str(world.a.memberships["admin"])
    again = client.post(url, json={"decision": "destroy", "reason": "Changed mind"}, headers=auth)
    assert again.status_code == 409
    shown = client.get(_url(world, f"/retention/appraisals/{appraisal}"), headers=auth)
    assert shown.json["decision"] == "keep"


def test_destroy_records_the_decision_and_deletes_nothing(client, world, flagged, admin_engine):
    appraisal = _due_id(client, world, flagged["leap_death"])
    decided = client.post(
        _url(world, f"/retention/appraisals/{appraisal}/decision"),
        json={"decision": "destroy", "reason": "No longer needed; no holds"},
        headers=world.a.auth("admin"),
    )
    assert decided.status_code == 200, decided.json
    assert decided.json["decision"] == "destroy" and decided.json["review_on"] is None
    assert "records team" in decided.json["destruction"]
    with admin_engine.connect() as conn:
        still = conn.execute(
            sa.text("SELECT count(*) FROM client WHERE id = :i"), {"i": flagged["leap_death"]}
        ).scalar()
        events = conn.execute(
            sa.text(
                "SELECT count(*) FROM audit_event WHERE action = 'client.retention_decision' "
                "AND object_id = :i"
            ),
            {"i": str(flagged["leap_death"])},
        ).scalar()
    assert still == 1 and events == 1


def test_recording_a_death_shortens_the_period(client, world):
    client_id = world.a.ids["client"][0]  # born 1985, open
    auth = world.a.auth("admin")
    url = _url(world, f"/clients/{client_id}/death")
    future = client.put(url, json={"died_on": "2999-01-01"}, headers=auth)
    assert future.status_code == 422 and future.json["errors"][0]["pointer"] == "#/died_on"
    before_birth = client.put(url, json={"died_on": "1980-01-01"}, headers=auth)
    assert before_birth.status_code == 422
    assert before_birth.json["errors"][0]["pointer"] == "#/died_on"
    recorded = client.put(url, json={"died_on": "2026-01-10"}, headers=auth)
    assert recorded.status_code == 200, recorded.json
    assert recorded.json["died_on"] == "2026-01-10"
    assert recorded.json["retain_until"] == "2036-01-10"
    assert recorded.json["due_on"] == "2036-01-11"
    assert recorded.json["open"] is True
    shown = client.get(_url(world, f"/clients/{client_id}/retention"), headers=auth).json
    assert shown == recorded.json
    refused = client.put(url, json={"died_on": "2026-01-10"}, headers=world.a.auth("practitioner"))
    assert refused.status_code == 403


def test_another_tenants_appraisal_is_not_found(client, world):
    theirs = world.b.ids["retention_appraisal"][0]
    auth = world.a.auth("admin")
    shown = client.get(_url(world, f"/retention/appraisals/{theirs}"), headers=auth)
    assert shown.status_code == 404
    decided = client.post(
        _url(world, f"/retention/appraisals/{theirs}/decision"),
        json={"decision": "destroy", "reason": "Not ours"},
        headers=auth,
    )
    assert decided.status_code == 404
    mine = client.get(_url(world, "/retention/appraisals"), headers=auth).json
    assert [r["id"] for r in mine] == [str(world.a.ids["retention_appraisal"][0])]
    other_client = world.b.ids["client"][0]
    assert (
        client.get(_url(world, f"/clients/{other_client}/retention"), headers=auth).status_code
        == 404
    )


def test_the_subject_access_export_includes_the_appraisal(client, world):
    unshared = world.a.ids["client"][1]
    export = client.get(
        _url(world, f"/clients/{unshared}/export"), headers=world.a.auth("admin")
    ).json
    assert [r["id"] for r in export["retention_appraisals"]] == [
        str(world.a.ids["retention_appraisal"][0])
    ]
