"""Every read of a client record, every list, search and export, and every write is exactly one
audit event (issue 4 §7, SECURITY.md L1); refused requests leave no success event behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa


def base(tenant) -> str:
    return f"/api/v1/{tenant.slug}/clients"


def events(admin_engine, tenant) -> list[dict]:
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT id, action, object_type, object_id, outcome, actor_label, details, "
                "request_id FROM audit_event WHERE tenant_id = :t ORDER BY at, id"
            ),
            {"t": tenant.tenant_id},
        ).mappings()
        return [dict(r) for r in rows]


@pytest.fixture
def audited(admin_engine, world):
    """``audited(request)`` → (response, audit events the request added in tenant A)."""

    def run(send: Callable[[], object], tenant=None):
        tenant = tenant or world.a
        before = {e["id"] for e in events(admin_engine, tenant)}
        response = send()
        if getattr(response, "is_streamed", False):
            response.get_data()  # an export is only finished when its body has been read
        after = [e for e in events(admin_engine, tenant) if e["id"] not in before]
        return response, after

    return run


def one(found: list[dict], action: str, object_type: str, object_id=None) -> dict:
    assert [(e["action"], e["object_type"]) for e in found] == [(action, object_type)], found
    event = found[0]
    if object_id is not None:
        assert event["object_id"] == str(object_id)
    assert event["outcome"] == "success"
    return event


# --- reads ----------------------------------------------------------------------------------


def test_reading_a_record_is_one_event(client, world, audited):
    sam = world.a.ids["client"][0]
    response, found = audited(
        lambda: client.get(f"{base(world.a)}/{sam}", headers=world.a.auth("practitioner"))
    )
    assert response.status_code == 200
    event = one(found, "client.read", "client", sam)
    assert event["actor_label"] == world.a.emails["practitioner"]
    assert event["request_id"] == response.headers["X-Request-ID"]


def test_partner_read_is_audited_with_the_partner_as_actor(client, world, audited):
    sam = world.a.ids["client"][0]
    response, found = audited(
        lambda: client.get(f"{base(world.a)}/{sam}", headers=world.a.auth("partner"))
    )
    assert response.status_code == 200
    assert one(found, "client.read", "client", sam)["actor_label"] == world.a.emails["partner"]


@pytest.mark.parametrize("part", ["timeline", "consents", "shares"])
def test_reading_parts_of_a_record_is_one_read_event(client, world, audited, part):
    sam = world.a.ids["client"][0]
    response, found = audited(
        lambda: client.get(f"{base(world.a)}/{sam}/{part}", headers=world.a.auth("practitioner"))
    )
    assert response.status_code == 200
    one(found, "client.read", "client", sam)


def test_list_is_one_event(client, world, audited):
    response, found = audited(lambda: client.get(base(world.a), headers=world.a.auth("admin")))
    assert response.status_code == 200
    one(found, "client.list", "client")


@pytest.mark.parametrize(
    "query",
    [
        {"q": "taylor"},
        {"nhs_number": "9990000018"},
        {"date_of_birth": "1985-06-15"},
        {"local_id": "X"},
    ],
)
def test_search_is_one_event_naming_the_filters(client, world, audited, query):
    response, found = audited(
        lambda: client.get(base(world.a), query_string=query, headers=world.a.auth("admin"))
    )
    assert response.status_code == 200
    event = one(found, "client.search", "client")
    assert set(event["details"]) == set(query)


def test_csv_export_is_one_event(client, world, audited):
    response, found = audited(
        lambda: client.get(f"{base(world.a)}/export.csv", headers=world.a.auth("practitioner"))
    )
    assert response.status_code == 200
    one(found, "client.export", "client")


def test_subject_access_export_is_one_event(client, world, audited):
    sam = world.a.ids["client"][0]
    response, found = audited(
        lambda: client.get(f"{base(world.a)}/{sam}/export", headers=world.a.auth("admin"))
    )
    assert response.status_code == 200
    one(found, "client.subject_access_export", "client", sam)


def test_audit_events_api_shows_the_reads(client, world):
    sam = world.a.ids["client"][0]
    for _ in range(2):
        client.get(f"{base(world.a)}/{sam}", headers=world.a.auth("practitioner"))
    response = client.get(
        f"/api/v1/{world.a.slug}/audit-events",
        query_string={"action": "client.read", "object_id": str(sam)},
        headers=world.a.auth("admin"),
    )
    assert response.status_code == 200
    assert len(response.json) == 2
    assert {e["actor_label"] for e in response.json} == {world.a.emails["practitioner"]}
    other = client.get(
        f"/api/v1/{world.b.slug}/audit-events",
        query_string={"action": "client.read"},
        headers=world.b.auth("admin"),
    )
    assert other.json == []


# --- writes ---------------------------------------------------------------------------------

NEW = {"given_name": "Alex", "family_name": "Morgan", "date_of_birth": "1990-04-01"}


def test_create_is_one_event(client, world, audited):
    response, found = audited(
        lambda: client.post(base(world.a), json=NEW, headers=world.a.auth("practitioner"))
    )
    assert response.status_code == 201
    one(found, "client.create", "client", response.json["id"])


def test_update_close_reopen_are_one_event_each(client, world, audited):
    auth = world.a.auth("practitioner")
    jo = world.a.ids["client"][1]
    url = f"{base(world.a)}/{jo}"
    etag = client.get(url, headers=auth).headers["ETag"]

    updated, found = audited(
        lambda: client.patch(
            url,
            json={"preferred_name": "Joey", "town": "Southampton"},
            headers={**auth, "If-Match": etag},
        )
    )
    assert updated.status_code == 200
    assert one(found, "client.update", "client", jo)["details"]["fields"] == [
        "preferred_name",
        "town",
    ]

    closed, found = audited(
        lambda: client.post(
            f"{url}/close",
            json={"reason": "goals_met"},
            headers={**auth, "If-Match": updated.headers["ETag"]},
        )
    )
    assert closed.status_code == 200
    assert one(found, "client.close", "client", jo)["details"]["reason"] == "goals_met"

    reopened, found = audited(
        lambda: client.post(f"{url}/reopen", headers={**auth, "If-Match": closed.headers["ETag"]})
    )
    assert reopened.status_code == 200
    one(found, "client.reopen", "client", jo)


def test_update_that_changes_nothing_still_leaves_one_event(client, world, audited):
    """The response carries the whole record, so even a no-op PATCH is accounted for."""
    auth = world.a.auth("practitioner")
    sam = world.a.ids["client"][0]
    url = f"{base(world.a)}/{sam}"
    etag = client.get(url, headers=auth).headers["ETag"]
    response, found = audited(
        lambda: client.patch(url, json={"given_name": "Sam"}, headers={**auth, "If-Match": etag})
    )
    assert response.status_code == 200
    assert one(found, "client.update", "client", sam)["details"]["fields"] == []


def test_consent_and_share_writes_are_one_event_each(client, world, audited):
    auth = world.a.auth("practitioner")
    jo = world.a.ids["client"][1]
    url = f"{base(world.a)}/{jo}"
    given, found = audited(
        lambda: client.post(
            f"{url}/consents",
            json={"purpose": "jcp_joint_caseload", "given_on": "2026-01-10", "method": "verbal"},
            headers=auth,
        )
    )
    assert given.status_code == 201
    assert one(found, "consent.give", "client_consent", given.json["id"])["details"][
        "client_id"
    ] == str(jo)

    shared, found = audited(
        lambda: client.post(
            f"{url}/shares",
            json={
                "organisation_id": str(world.a.ids["organisation"][1]),
                "consent_id": given.json["id"],
                "expires_at": (datetime.now(UTC) + timedelta(days=90)).isoformat(),
            },
            headers=auth,
        )
    )
    assert shared.status_code == 201
    one(found, "share.create", "client_share", shared.json["id"])

    ended, found = audited(
        lambda: client.post(f"{url}/shares/{shared.json['id']}/end", json={}, headers=auth)
    )
    assert ended.status_code == 200
    one(found, "share.end", "client_share", shared.json["id"])

    withdrawn, found = audited(
        lambda: client.post(
            f"{url}/consents/{given.json['id']}/withdraw", json={"reason": "asked"}, headers=auth
        )
    )
    assert withdrawn.status_code == 200
    one(found, "consent.withdraw", "client_consent", given.json["id"])


def test_contact_and_note_are_one_event_each(client, world, audited):
    auth = world.a.auth("practitioner")
    url = f"{base(world.a)}/{world.a.ids['client'][0]}"
    contact, found = audited(
        lambda: client.post(
            f"{url}/contacts",
            json={"occurred_at": datetime.now(UTC).isoformat(), "method": "text"},
            headers=auth,
        )
    )
    assert contact.status_code == 201
    one(found, "contact.create", "client_contact", contact.json["id"])
    note, found = audited(lambda: client.post(f"{url}/notes", json={"text": "hi"}, headers=auth))
    assert note.status_code == 201
    one(found, "note.create", "client_note", note.json["id"])
    correction, found = audited(
        lambda: client.post(
            f"{url}/notes",
            json={"text": "hello", "corrects_note_id": note.json["id"]},
            headers=auth,
        )
    )
    assert correction.status_code == 201
    assert (
        one(found, "note.create", "client_note", correction.json["id"])["details"]["corrects"]
        == note.json["id"]
    )


# --- refusals leave no success event ---------------------------------------------------------


def _refusals(world):
    sam, jo = world.a.ids["client"][0], world.a.ids["client"][1]
    url = base(world.a)
    practitioner = world.a.auth("practitioner")
    consent = world.a.ids["client_consent"][0]
    return {
        "unknown id": ("get", f"{url}/00000000-0000-0000-0000-000000000000", practitioner, None),
        "not a uuid": ("get", f"{url}/nope", practitioner, None),
        "other tenant": ("get", f"{url}/{world.b.ids['client'][0]}", practitioner, None),
        "unshared (partner)": ("get", f"{url}/{jo}", world.a.auth("partner"), None),
        "timeline of other tenant": (
            "get",
            f"{url}/{world.b.ids['client'][0]}/timeline",
            practitioner,
            None,
        ),
        "subject access (no permission)": ("get", f"{url}/{sam}/export", practitioner, None),
        "export (bad filter)": ("get", f"{url}/export.csv?status=nope", practitioner, None),
        "bad search": ("get", f"{url}?status=nope", practitioner, None),
        "bad create": ("post", url, practitioner, {**NEW, "date_of_birth": "2023-02-30"}),
        "duplicate create": (
            "post",
            url,
            practitioner,
            {
                "given_name": "Sam",
                "family_name": "Taylor",
                "date_of_birth": "1985-06-15",
            },
        ),
        "update without If-Match": ("patch", f"{url}/{sam}", practitioner, {"town": "X"}),
        "close bad reason": ("post", f"{url}/{sam}/close", practitioner, {"reason": "bored"}),
        "close without If-Match": ("post", f"{url}/{sam}/close", practitioner, {"reason": "other"}),
        "duplicate share": (
            "post",
            f"{url}/{sam}/shares",
            practitioner,
            {
                "organisation_id": str(world.a.ids["organisation"][1]),
                "consent_id": str(consent),
            },
        ),
        "share with trust": (
            "post",
            f"{url}/{sam}/shares",
            practitioner,
            {
                "organisation_id": str(world.a.ids["organisation"][0]),
                "consent_id": str(consent),
            },
        ),
        "future contact": (
            "post",
            f"{url}/{sam}/contacts",
            practitioner,
            {
                "occurred_at": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                "method": "phone",
            },
        ),
        "bad correction": (
            "post",
            f"{url}/{sam}/notes",
            practitioner,
            {
                "text": "x",
                "corrects_note_id": "00000000-0000-0000-0000-000000000000",
            },
        ),
        "partner consent": (
            "post",
            f"{url}/{sam}/consents",
            world.a.auth("partner"),
            {
                "purpose": "jcp_joint_caseload",
                "given_on": "2026-01-10",
                "method": "verbal",
            },
        ),
        "withdraw unknown": (
            "post",
            f"{url}/{sam}/consents/00000000-0000-0000-0000-000000000000/withdraw",
            practitioner,
            {},
        ),
    }


REFUSALS = [
    "unknown id",
    "not a uuid",
    "other tenant",
    "unshared (partner)",
    "timeline of other tenant",
    "subject access (no permission)",
    "export (bad filter)",
    "bad search",
    "bad create",
    "duplicate create",
    "update without If-Match",
    "close bad reason",
    "close without If-Match",
    "duplicate share",
    "share with trust",
    "future contact",
    "bad correction",
    "partner consent",
    "withdraw unknown",
]


@pytest.mark.parametrize("case", REFUSALS)
def test_refused_request_writes_no_success_event(client, world, audited, case):
    method, url, auth, body = _refusals(world)[case]
    kwargs = {"headers": auth} if body is None else {"headers": auth, "json": body}
    response, found = audited(lambda: getattr(client, method)(url, **kwargs))
    assert 400 <= response.status_code < 500, (case, response.status_code)
    assert [e for e in found if e["outcome"] == "success"] == []


def test_a_read_fails_closed_when_the_audit_cannot_be_written(
    client, world, admin_engine, database_urls
):
    """L1 / F10: no audit row, no record: a generic 503 to retry, nothing of the record."""
    role = database_urls["app_role"]
    sam = world.a.ids["client"][0]
    with admin_engine.begin() as conn:
        conn.execute(sa.text(f'REVOKE INSERT ON audit_event FROM "{role}"'))
    try:
        response = client.get(f"{base(world.a)}/{sam}", headers=world.a.auth("practitioner"))
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "5"
        assert "retry" in response.json["detail"]
        body = response.get_data(as_text=True)
        assert "Taylor" not in body
        assert "audit_event" not in body and "permission denied" not in body
    finally:
        with admin_engine.begin() as conn:
            conn.execute(sa.text(f'GRANT INSERT ON audit_event TO "{role}"'))
    ok = client.get(f"{base(world.a)}/{sam}", headers=world.a.auth("practitioner"))
    assert ok.status_code == 200
