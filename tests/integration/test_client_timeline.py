"""The client's timeline: contacts and notes newest first, paginated, immutable notes with
corrections, need-to-know for partners, and plugins' entries through the timeline hook."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa


def url(tenant, client_id=None) -> str:
    client_id = client_id or tenant.ids["client"][0]
    return f"/api/v1/{tenant.slug}/clients/{client_id}"


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def add_contact(client, tenant, role="practitioner", client_id=None, **data):
    body = {"occurred_at": at(1), "method": "face_to_face", "duration_minutes": 30, **data}
    response = client.post(
        f"{url(tenant, client_id)}/contacts", json=body, headers=tenant.auth(role)
    )
    assert response.status_code == 201, response.json
    return response.json


def add_note(client, tenant, text, role="practitioner", client_id=None, corrects=None):
    body = {"text": text}
    if corrects:
        body["corrects_note_id"] = str(corrects)
    return client.post(f"{url(tenant, client_id)}/notes", json=body, headers=tenant.auth(role))


def timeline(client, tenant, role="practitioner", client_id=None, **query):
    response = client.get(
        f"{url(tenant, client_id)}/timeline", query_string=query, headers=tenant.auth(role)
    )
    assert response.status_code == 200, response.json
    return response.json


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_timeline_has_the_contact_and_note_newest_first(client, world):
    body = timeline(client, world.c)
    kinds = [e["kind"] for e in body["entries"]]
    assert sorted(kinds) == ["contact", "note"]
    assert body["total"] == 2
    # the seeded note was written "now", the seeded contact on 2026-02-01
    assert kinds == ["note", "contact"]
    contact = body["entries"][1]
    assert contact["id"] == str(world.c.ids["client_contact"][0])
    assert contact["details"]["method"] == "phone"
    assert contact["details"]["duration_minutes"] == 20
    assert "Telephone" in contact["summary"]
    note = body["entries"][0]
    assert note["details"]["text"] == "First meeting went well."
    assert note["details"]["corrected"] is False


def test_timeline_is_newest_first_across_contacts_and_notes(client, world):
    for days in (3, 10, 0.5, 7):
        add_contact(client, world.c, occurred_at=at(days), summary=f"{days} days ago")
    entries = timeline(client, world.c, page_size=100)["entries"]
    times = [parse(e["at"]) for e in entries]
    assert times == sorted(times, reverse=True)
    assert len(entries) == 6


def test_timeline_pagination_walks_every_entry_once(client, world):
    for days in range(1, 9):
        add_contact(client, world.c, occurred_at=at(days * 2))
    for n in range(3):
        assert add_note(client, world.c, f"note {n}").status_code == 201
    everything = timeline(client, world.c, page_size=100)
    assert everything["total"] == 13
    assert len(everything["entries"]) == 13
    pages = [timeline(client, world.c, page=p, page_size=5) for p in (1, 2, 3, 4)]
    assert [len(p["entries"]) for p in pages] == [5, 5, 3, 0]
    assert all(p["total"] == 13 and p["page_size"] == 5 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3, 4]
    walked = [(e["kind"], e["id"]) for p in pages for e in p["entries"]]
    assert walked == [(e["kind"], e["id"]) for e in everything["entries"]]
    assert len(set(walked)) == 13


def test_timeline_default_page_size_is_25(client, world):
    for days in range(30):
        add_contact(client, world.c, occurred_at=at(days + 1))
    body = timeline(client, world.c)
    assert body["page"] == 1 and body["page_size"] == 25
    assert len(body["entries"]) == 25
    assert body["total"] == 32


@pytest.mark.parametrize(
    "query", [{"page": 0}, {"page_size": 0}, {"page_size": 101}, {"page": "x"}]
)
def test_timeline_refuses_bad_paging(client, world, query):
    response = client.get(
        f"{url(world.c)}/timeline", query_string=query, headers=world.c.auth("practitioner")
    )
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"


def test_record_contact(client, world):
    created = add_contact(
        client, world.c, method="video", duration_minutes=45, summary="CV review", occurred_at=at(2)
    )
    assert created["kind"] == "contact"
    entries = timeline(client, world.c)["entries"]
    mine = next(e for e in entries if e["id"] == created["id"])
    assert mine["details"]["method"] == "video"
    assert mine["details"]["duration_minutes"] == 45
    assert mine["details"]["summary"] == "CV review"
    assert mine["details"]["staff_membership_id"] == str(world.c.memberships["practitioner"])
    assert mine["details"]["organisation_id"] == str(world.c.ids["organisation"][0])


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"occurred_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}, "#/occurred_at"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "#/occurred_at"),  # no time zone
        ({"occurred_at": "2026-02-30T10:00:00+00:00"}, "#/occurred_at"),
        ({"method": "carrier_pigeon"}, "#/method"),
        ({"duration_minutes": -5}, "#/duration_minutes"),
        ({"duration_minutes": "long"}, "#/duration_minutes"),
        ({"staff_membership_id": str(uuid.uuid4())}, "#/staff_membership_id"),
    ],
)
def test_bad_contact_is_422_and_nothing_saved(client, world, admin_engine, change, pointer):
    def count() -> int:
        with admin_engine.connect() as conn:
            return conn.execute(
                sa.text("SELECT count(*) FROM client_contact WHERE tenant_id = :t"),
                {"t": world.c.tenant_id},
            ).scalar_one()

    before = count()
    body = {"occurred_at": at(1), "method": "phone", **change}
    response = client.post(
        f"{url(world.c)}/contacts", json=body, headers=world.c.auth("practitioner")
    )
    assert response.status_code == 422
    assert pointer in {e["pointer"] for e in response.json["errors"]}
    assert count() == before


def test_future_contact_message_says_so(client, world):
    response = client.post(
        f"{url(world.c)}/contacts",
        json={
            "occurred_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "method": "phone",
        },
        headers=world.c.auth("practitioner"),
    )
    assert response.status_code == 422
    assert "future" in response.json["errors"][0]["detail"]


# --- notes are immutable -------------------------------------------------------------------


@pytest.mark.hazard("HAZ-004")
@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_notes_have_no_change_route(client, world, method):
    auth = world.c.auth("admin")
    note = world.c.ids["client_note"][0]
    collection = getattr(client, method)(f"{url(world.c)}/notes", json={"text": "x"}, headers=auth)
    assert collection.status_code == 405
    assert "POST" in collection.headers.get("Allow", "")
    item = getattr(client, method)(f"{url(world.c)}/notes/{note}", json={"text": "x"}, headers=auth)
    assert item.status_code in (404, 405)
    text = timeline(client, world.c)["entries"][0]["details"]["text"]
    assert text == "First meeting went well."


def _tenant_connection(conn, tenant_id) -> None:
    conn.execute(
        sa.text("SELECT set_config('app.current_tenant', :t, true)"), {"t": str(tenant_id)}
    )


@pytest.mark.hazard("HAZ-004")
def test_the_database_refuses_to_change_a_note(app_engine, world):
    note = world.a.ids["client_note"][0]
    with app_engine.connect() as conn, conn.begin():
        _tenant_connection(conn, world.a.tenant_id)
        # the app role can see the note (so an UPDATE would reach it were it not for the trigger)
        assert (
            conn.execute(
                sa.text("SELECT text FROM client_note WHERE id = :id"), {"id": note}
            ).scalar_one()
            == "First meeting went well."
        )
    for statement in (
        "UPDATE client_note SET text = 'rewritten' WHERE id = :id",
        "DELETE FROM client_note WHERE id = :id",
    ):
        with (
            pytest.raises(sa.exc.DBAPIError) as refused,
            app_engine.connect() as conn,
            conn.begin(),
        ):
            _tenant_connection(conn, world.a.tenant_id)
            conn.execute(sa.text(statement), {"id": note})
        assert "notes cannot be changed" in str(refused.value)
    with app_engine.connect() as conn, conn.begin():
        _tenant_connection(conn, world.a.tenant_id)
        assert (
            conn.execute(
                sa.text("SELECT text FROM client_note WHERE id = :id"), {"id": note}
            ).scalar_one()
            == "First meeting went well."
        )


def test_even_the_superuser_cannot_change_a_note(admin_engine, world):
    with pytest.raises(sa.exc.DBAPIError), admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE client_note SET text = 'x' WHERE id = :id"),
            {"id": world.a.ids["client_note"][0]},
        )


@pytest.mark.hazard("HAZ-004")
def test_correction_points_at_the_original_which_shows_corrected(client, world, admin_engine):
    original = world.c.ids["client_note"][0]
    response = add_note(client, world.c, "Meeting was on Tuesday, not Monday.", corrects=original)
    assert response.status_code == 201, response.json
    assert response.json["summary"] == "Correction"
    entries = {e["id"]: e for e in timeline(client, world.c)["entries"] if e["kind"] == "note"}
    correction = entries[response.json["id"]]
    assert correction["details"]["corrects_note_id"] == str(original)
    assert correction["details"]["corrected"] is False
    assert entries[str(original)]["details"]["corrected"] is True
    assert entries[str(original)]["details"]["text"] == "First meeting went well."
    with admin_engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM client_note WHERE tenant_id = :t"),
                {"t": world.c.tenant_id},
            ).scalar_one()
            == 2
        )


def test_correcting_a_note_of_another_client_is_422(client, world, admin_engine):
    other = add_note(client, world.c, "about Jo", client_id=world.c.ids["client"][1])
    assert other.status_code == 201
    for target in (other.json["id"], world.a.ids["client_note"][0], uuid.uuid4()):
        response = add_note(client, world.c, "correction", corrects=target)
        assert response.status_code == 422, target
        assert [e["pointer"] for e in response.json["errors"]] == ["#/corrects_note_id"]
    with admin_engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM client_note WHERE tenant_id = :t"),
                {"t": world.c.tenant_id},
            ).scalar_one()
            == 2
        )


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": 42}, {"text": "x", "corrects_note_id": "nope"}]
)
def test_bad_note_is_422(client, world, body):
    response = client.post(f"{url(world.c)}/notes", json=body, headers=world.c.auth("practitioner"))
    assert response.status_code == 422


# --- need-to-know --------------------------------------------------------------------------


def test_partner_sees_only_their_own_organisations_entries(client, world):
    mine = add_contact(client, world.a, role="partner", method="phone", summary="JCP call")
    note = add_note(client, world.a, "JCP note", role="partner")
    assert note.status_code == 201
    body = timeline(client, world.a, role="partner")
    assert {e["id"] for e in body["entries"]} == {mine["id"], note.json["id"]}
    assert body["total"] == 2
    jcp = str(world.a.ids["organisation"][1])
    assert all(e["details"]["organisation_id"] == jcp for e in body["entries"])
    assert all(e["source"] == "core" for e in body["entries"])
    staff = timeline(client, world.a)
    staff_ids = {e["id"] for e in staff["entries"]}
    assert {mine["id"], note.json["id"], str(world.a.ids["client_contact"][0])} <= staff_ids


def test_partner_cannot_see_or_write_the_timeline_of_an_unshared_client(client, world):
    unshared = world.a.ids["client"][1]
    auth = world.a.auth("partner")
    assert client.get(f"{url(world.a, unshared)}/timeline", headers=auth).status_code == 404
    posted = client.post(
        f"{url(world.a, unshared)}/contacts",
        json={"occurred_at": at(1), "method": "phone"},
        headers=auth,
    )
    assert posted.status_code == 404
    assert add_note(client, world.a, "x", role="partner", client_id=unshared).status_code == 404


def test_another_tenants_client_has_no_timeline(client, world):
    other = world.b.ids["client"][0]
    response = client.get(f"{url(world.a, other)}/timeline", headers=world.a.auth("practitioner"))
    assert response.status_code == 404
    posted = client.post(
        f"{url(world.a, other)}/notes", json={"text": "x"}, headers=world.a.auth("practitioner")
    )
    assert posted.status_code == 404


# --- plugins -------------------------------------------------------------------------------


def test_canary_plugin_entry_appears_only_where_the_plugin_is_on(client, world):
    a = timeline(client, world.a)
    canary = [e for e in a["entries"] if e["source"] == "canary"]
    assert len(canary) == 1
    assert canary[0]["kind"] == "canary" and canary[0]["summary"] == "A canary sang"
    # core's two entries and the canary's; the other plugins of tenant-a add their own
    assert len([e for e in a["entries"] if e["source"] in {"core", "canary"}]) == 3
    assert a["total"] == len(a["entries"])
    c = timeline(client, world.c)
    assert not [e for e in c["entries"] if e["source"] != "core"]
    assert c["total"] == 2


def test_canary_hook_is_never_called_for_tenant_without_it(client, world):
    from tests.plugins.canary import CALLS

    CALLS.clear()
    timeline(client, world.c)
    assert ("register_timeline_entries", "tenant-c") not in CALLS
    timeline(client, world.a)
    assert ("register_timeline_entries", "tenant-a") in CALLS


def test_partner_does_not_get_plugin_entries(client, world):
    body = timeline(client, world.a, role="partner")
    assert not [e for e in body["entries"] if e["source"] == "canary"]


def test_date_only_plugin_entries_carry_no_made_up_time(client, world):
    """Starts and reviews have a date, not a time: the API says so and the page shows no time."""
    entries = timeline(client, world.a, role="admin", page_size=100)["entries"]
    dated = [e for e in entries if e["source"] in {"ips", "step_out"}]
    assert dated and all(e["details"]["all_day"] is True for e in dated)
    timed = [e for e in entries if e["source"] == "canary"]
    assert timed and timed[0]["details"]["all_day"] is False
    from tests.factories import PASSWORD

    client.post("/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD})
    page = client.get(f"/{world.a.slug}/clients/{world.a.ids['client'][0]}").get_data(as_text=True)
    assert "12:00pm" not in page and "1:00pm" not in page
