"""Bad input on client records: 422 problem+json with one pointer per field, and nothing saved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

GOOD = {"given_name": "Alex", "family_name": "Morgan", "date_of_birth": "1990-04-01"}


def base(tenant) -> str:
    return f"/api/v1/{tenant.slug}/clients"


def row_counts(admin_engine, tenant) -> tuple[int, ...]:
    with admin_engine.connect() as conn:
        return tuple(
            conn.execute(
                sa.text(f"SELECT count(*) FROM {table} WHERE tenant_id = :t"),
                {"t": tenant.tenant_id},
            ).scalar_one()
            for table in (
                "client",
                "client_consent",
                "client_share",
                "client_contact",
                "client_note",
            )
        )


def stored_client(admin_engine, client_id) -> dict:
    with admin_engine.connect() as conn:
        return dict(
            conn.execute(sa.text("SELECT * FROM client WHERE id = :id"), {"id": client_id})
            .mappings()
            .one()
        )


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, (response.status_code, response.json)
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json
    assert body["status"] == 422
    assert body["type"].endswith("validation-error")
    found: dict[str, str] = {}
    for error in body["errors"]:
        found.setdefault(error["pointer"], error["detail"])
    return found


CASES = [
    ({"date_of_birth": "2023-02-30"}, "#/date_of_birth", "real date"),
    ({"date_of_birth": "1990-13-01"}, "#/date_of_birth", "real date"),
    ({"date_of_birth": "01/04/1990"}, "#/date_of_birth", "YYYY-MM-DD"),
    ({"date_of_birth": (date.today() + timedelta(days=1)).isoformat()}, "#/date_of_birth", "past"),
    ({"date_of_birth": "1899-12-31"}, "#/date_of_birth", "1900"),
    ({"gender_identity": "7"}, "#/gender_identity", "Gender identity"),
    ({"gender_identity": "male"}, "#/gender_identity", "Gender identity"),
    ({"ethnic_category": "Q"}, "#/ethnic_category", "Ethnic category"),
    ({"ethnic_category": "a"}, "#/ethnic_category", "Ethnic category"),
    ({"postcode": "SO16"}, "#/postcode", "postcode"),
    ({"postcode": "NOT A CODE"}, "#/postcode", "postcode"),
    ({"email": "not-an-email"}, "#/email", "email"),
    ({"email": "a@"}, "#/email", "email"),
    ({"phone": "call me maybe"}, "#/phone", "phone"),
    ({"phone": "12"}, "#/phone", "phone"),
    ({"nhs_number": "12345"}, "#/nhs_number", "10 digits"),
    ({"nhs_number": "99900000AB"}, "#/nhs_number", "only numbers"),
    ({"nhs_number": "9990000019"}, "#/nhs_number", "check digit"),
    ({"nhs_number": "9991234560"}, "#/nhs_number", "check digit"),
    ({"nhs_number": 9990000018}, "#/nhs_number", "string"),
    ({"shoe_size": 9}, "#/shoe_size", "Unknown field"),
    ({"status": "closed"}, "#/status", "Unknown field"),
    ({"version": 99}, "#/version", "Unknown field"),
    ({"given_name": 42}, "#/given_name", "string"),
    ({"given_name": ""}, "#/given_name", "ength"),
    ({"given_name": "x" * 101}, "#/given_name", "ength"),
    ({"date_of_birth": 19900401}, "#/date_of_birth", ""),
    ({"key_worker_membership_id": "abc"}, "#/key_worker_membership_id", "UUID"),
    ({"confirm_not_duplicate": "perhaps"}, "#/confirm_not_duplicate", "boolean"),
]


@pytest.mark.parametrize(
    ("change", "pointer", "phrase"), CASES, ids=[f"{c[1][2:]}={c[0]}"[:60] for c in CASES]
)
def test_create_refuses_bad_field_and_saves_nothing(
    client, world, admin_engine, change, pointer, phrase
):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a), json={**GOOD, **change}, headers=world.a.auth("practitioner")
    )
    errors = errors_of(response)
    assert list(errors) == [pointer]
    assert phrase.lower() in errors[pointer].lower()
    assert row_counts(admin_engine, world.a) == before


def test_nhs_number_reasons_are_distinct(client, world):
    details = set()
    for value in ("12345", "99900000AB", "9990000019"):
        response = client.post(
            base(world.a), json={**GOOD, "nhs_number": value}, headers=world.a.auth("admin")
        )
        details.add(errors_of(response)["#/nhs_number"])
    assert len(details) == 3


def test_every_bad_field_is_reported_at_once(client, world, admin_engine):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a),
        json={
            "given_name": "",
            "date_of_birth": "2023-02-30",
            "gender_identity": "9",
            "ethnic_category": "ZZ",
            "postcode": "nowhere",
            "email": "nope",
            "phone": "phone",
            "nhs_number": "9434765918",
            "extra": True,
        },
        headers=world.a.auth("practitioner"),
    )
    errors = errors_of(response)
    assert set(errors) == {
        "#/given_name",
        "#/family_name",
        "#/date_of_birth",
        "#/gender_identity",
        "#/ethnic_category",
        "#/postcode",
        "#/email",
        "#/phone",
        "#/nhs_number",
        "#/extra",
    }
    assert row_counts(admin_engine, world.a) == before


def test_missing_required_fields(client, world):
    errors = errors_of(client.post(base(world.a), json={}, headers=world.a.auth("practitioner")))
    assert set(errors) == {"#/given_name", "#/family_name", "#/date_of_birth"}


@pytest.mark.parametrize("field", ["given_name", "family_name"])
def test_blank_name_is_422_not_a_server_error(client, world, admin_engine, field):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a), json={**GOOD, field: "   "}, headers=world.a.auth("practitioner")
    )
    assert f"#/{field}" in errors_of(response)
    assert row_counts(admin_engine, world.a) == before


@pytest.mark.parametrize("body", [[1, 2], "a string", 42])
def test_body_that_is_not_an_object(client, world, admin_engine, body):
    before = row_counts(admin_engine, world.a)
    response = client.post(base(world.a), json=body, headers=world.a.auth("practitioner"))
    assert response.status_code in (400, 422)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert row_counts(admin_engine, world.a) == before


def test_body_that_is_not_json(client, world, admin_engine):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a),
        data="{not json",
        headers={**world.a.auth("practitioner"), "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert response.headers["Content-Type"] == "application/problem+json"
    assert row_counts(admin_engine, world.a) == before


def test_good_values_are_normalised(client, world):
    response = client.post(
        base(world.a),
        json={
            **GOOD,
            "nhs_number": "943-476-5919",
            "postcode": "zz993vz",
            "gender_identity": "X",
            "ethnic_category": "99",
            "email": "alex@example.org",
            "phone": " +44 7700 900 982 ",
        },
        headers=world.a.auth("practitioner"),
    )
    assert response.status_code == 201, response.json
    assert response.json["nhs_number"] == "9434765919"
    assert response.json["postcode"] == "ZZ99 3VZ"
    assert response.json["phone"] == "+44 7700 900 982"


@pytest.mark.hazard("HAZ-001")
def test_same_nhs_number_twice_in_a_tenant_is_refused_even_when_confirmed(
    client, world, admin_engine
):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a),
        json={**GOOD, "nhs_number": "999 000 0018", "confirm_not_duplicate": True},
        headers=world.a.auth("practitioner"),
    )
    assert response.status_code == 409
    assert response.json["can_confirm"] is False
    assert row_counts(admin_engine, world.a) == before


def test_same_local_id_twice_is_422(client, world, admin_engine):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a), json={**GOOD, "local_id": "LOCAL-1"}, headers=world.a.auth("practitioner")
    )
    assert list(errors_of(response)) == ["#/local_id"]
    assert row_counts(admin_engine, world.a) == before


# --- update -----------------------------------------------------------------------------------


@pytest.fixture
def sam(client, world):
    url = f"{base(world.a)}/{world.a.ids['client'][0]}"
    response = client.get(url, headers=world.a.auth("practitioner"))
    return url, response.headers["ETag"]


def _patch(client, world, sam, body):
    url, etag = sam
    return client.patch(url, json=body, headers={**world.a.auth("practitioner"), "If-Match": etag})


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"date_of_birth": "2023-02-30"}, "#/date_of_birth"),
        ({"postcode": "SO16"}, "#/postcode"),
        ({"nhs_number": "9990000019"}, "#/nhs_number"),
        ({"nhs_number": "9990000050"}, "#/nhs_number"),  # Jo's number
        ({"given_name": None}, "#/given_name"),
        ({"family_name": "   "}, "#/family_name"),
        ({"date_of_birth": None}, "#/date_of_birth"),
        ({"gender_identity": "7"}, "#/gender_identity"),
        ({"id": "00000000-0000-0000-0000-000000000000"}, "#/id"),
        (
            {"key_worker_membership_id": "00000000-0000-0000-0000-000000000000"},
            "#/key_worker_membership_id",
        ),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(
    client, world, admin_engine, sam, body, pointer
):
    before = stored_client(admin_engine, world.a.ids["client"][0])
    errors = errors_of(_patch(client, world, sam, body))
    assert pointer in errors
    assert stored_client(admin_engine, world.a.ids["client"][0]) == before


def test_key_worker_must_not_be_a_partner_member(client, world, admin_engine, sam):
    before = stored_client(admin_engine, world.a.ids["client"][0])
    response = _patch(
        client, world, sam, {"key_worker_membership_id": str(world.a.memberships["partner"])}
    )
    assert list(errors_of(response)) == ["#/key_worker_membership_id"]
    assert stored_client(admin_engine, world.a.ids["client"][0]) == before


def test_key_worker_must_be_of_this_tenant(client, world, admin_engine, sam):
    before = stored_client(admin_engine, world.a.ids["client"][0])
    response = _patch(
        client,
        world,
        sam,
        {"key_worker_membership_id": str(world.b.memberships["practitioner"])},
    )
    assert list(errors_of(response)) == ["#/key_worker_membership_id"]
    assert stored_client(admin_engine, world.a.ids["client"][0]) == before


def test_key_worker_can_be_trust_staff(client, world, sam):
    response = _patch(
        client, world, sam, {"key_worker_membership_id": str(world.a.memberships["admin"])}
    )
    assert response.status_code == 200
    assert response.json["key_worker_membership_id"] == str(world.a.memberships["admin"])


def test_create_with_partner_key_worker_is_422(client, world, admin_engine):
    before = row_counts(admin_engine, world.a)
    response = client.post(
        base(world.a),
        json={**GOOD, "key_worker_membership_id": str(world.a.memberships["partner"])},
        headers=world.a.auth("practitioner"),
    )
    assert list(errors_of(response)) == ["#/key_worker_membership_id"]
    assert row_counts(admin_engine, world.a) == before


def test_update_bumps_version_and_etag(client, world, sam):
    response = _patch(client, world, sam, {"town": "Southampton"})
    assert response.status_code == 200
    assert response.headers["ETag"] != sam[1]
    assert response.json["version"] == 2


# --- close and reopen -----------------------------------------------------------------------


def test_close_with_unknown_reason_is_422(client, world, admin_engine, sam):
    url, etag = sam
    before = stored_client(admin_engine, world.a.ids["client"][0])
    response = client.post(
        f"{url}/close",
        json={"reason": "bored"},
        headers={**world.a.auth("practitioner"), "If-Match": etag},
    )
    errors = errors_of(response)
    assert list(errors) == ["#/reason"]
    assert "Reason for closing" in errors["#/reason"]
    for body in ({}, {"reason": "other", "closed_on": "2099-01-01"}, {"reason": "other", "x": 1}):
        response = client.post(
            f"{url}/close", json=body, headers={**world.a.auth("practitioner"), "If-Match": etag}
        )
        assert response.status_code == 422, body
    assert stored_client(admin_engine, world.a.ids["client"][0]) == before


def test_close_needs_if_match(client, world, admin_engine, sam):
    url, _etag = sam
    response = client.post(
        f"{url}/close", json={"reason": "goals_met"}, headers=world.a.auth("practitioner")
    )
    assert response.status_code == 428
    assert response.headers["Content-Type"] == "application/problem+json"
    assert stored_client(admin_engine, world.a.ids["client"][0])["status"] == "open"
    stale = client.post(
        f"{url}/close",
        json={"reason": "goals_met"},
        headers={**world.a.auth("practitioner"), "If-Match": '"stale-1"'},
    )
    assert stale.status_code == 412
    assert stored_client(admin_engine, world.a.ids["client"][0])["status"] == "open"


def test_closing_a_closed_record_is_409_and_reopening_an_open_one_too(
    client, world, admin_engine, sam
):
    url, etag = sam
    auth = world.a.auth("practitioner")
    closed = client.post(
        f"{url}/close",
        json={"reason": "goals_met", "closed_on": "2026-01-31"},
        headers={**auth, "If-Match": etag},
    )
    assert closed.status_code == 200
    assert closed.json["status"] == "closed"
    assert closed.json["closed_reason"] == "goals_met"
    assert closed.json["closed_on"] == "2026-01-31"
    again = client.post(
        f"{url}/close",
        json={"reason": "other"},
        headers={**auth, "If-Match": closed.headers["ETag"]},
    )
    assert again.status_code == 409
    stored = stored_client(admin_engine, world.a.ids["client"][0])
    assert stored["closed_reason"] == "goals_met"
    reopened = client.post(f"{url}/reopen", headers={**auth, "If-Match": closed.headers["ETag"]})
    assert reopened.status_code == 200
    assert reopened.json["status"] == "open" and reopened.json["closed_reason"] is None
    twice = client.post(f"{url}/reopen", headers={**auth, "If-Match": reopened.headers["ETag"]})
    assert twice.status_code == 409
    assert client.post(f"{url}/reopen", headers=auth).status_code == 428


def test_closed_record_stays_readable(client, world, sam):
    url, etag = sam
    auth = world.a.auth("practitioner")
    client.post(f"{url}/close", json={"reason": "died"}, headers={**auth, "If-Match": etag})
    assert client.get(url, headers=auth).json["status"] == "closed"


def test_partner_cannot_write_the_record(client, world, sam):
    url, etag = sam
    partner = {**world.a.auth("partner"), "If-Match": etag}
    assert client.patch(url, json={"town": "X"}, headers=partner).status_code == 403
    assert client.post(f"{url}/close", json={"reason": "other"}, headers=partner).status_code == 403
    assert client.post(base(world.a), json=GOOD, headers=partner).status_code == 403
