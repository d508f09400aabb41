"""Client records through the API: create, duplicates, read, update with ETag, close."""

from __future__ import annotations

import pytest

NEW = {
    "nhs_number": "999 000 1006",
    "given_name": "Alex",
    "family_name": "Morgan",
    "date_of_birth": "1990-04-01",
    "postcode": "so16 7ab",
    "gender_identity": "3",
    "ethnic_category": "A",
}


@pytest.fixture
def base(world):
    return f"/api/v1/{world.a.slug}/clients"


def test_create_client_normalises_nhs_number_and_postcode(client, world, base):
    response = client.post(base, json=NEW, headers=world.a.auth("practitioner"))
    assert response.status_code == 201, response.json
    assert response.json["nhs_number"] == "9990001006"
    assert response.json["postcode"] == "SO16 7AB"
    assert response.headers["ETag"]


@pytest.mark.hazard("HAZ-001")
def test_create_client_refuses_bad_nhs_number_naming_the_problem(client, world, base):
    cases = {
        "12345": "10 digits",
        "99900000AB": "only numbers",
        "9990001007": "check digit",
    }
    for value, phrase in cases.items():
        response = client.post(
            base, json={**NEW, "nhs_number": value}, headers=world.a.auth("practitioner")
        )
        assert response.status_code == 422
        errors = {e["pointer"]: e["detail"] for e in response.json["errors"]}
        assert phrase in errors["#/nhs_number"]


@pytest.mark.hazard("HAZ-001")
def test_create_client_shows_likely_duplicate_first(client, world, base):
    auth = world.a.auth("practitioner")
    assert client.post(base, json=NEW, headers=auth).status_code == 201
    again = client.post(base, json={**NEW, "nhs_number": None}, headers=auth)
    assert again.status_code == 409
    assert again.json["can_confirm"] is True
    assert again.json["duplicates"][0]["family_name"] == "Morgan"
    confirmed = client.post(
        base, json={**NEW, "nhs_number": None, "confirm_not_duplicate": True}, headers=auth
    )
    assert confirmed.status_code == 201


def test_same_nhs_number_allowed_in_another_tenant(client, world):
    for tenant in (world.a, world.b):
        response = client.post(
            f"/api/v1/{tenant.slug}/clients", json=NEW, headers=tenant.auth("practitioner")
        )
        assert response.status_code == 201


@pytest.mark.hazard("HAZ-005")
def test_update_needs_if_match_and_refuses_stale(client, world, base):
    auth = world.a.auth("practitioner")
    created = client.post(base, json=NEW, headers=auth)
    url = f"{base}/{created.json['id']}"
    assert client.patch(url, json={"preferred_name": "Al"}, headers=auth).status_code == 428
    ok = client.patch(
        url, json={"preferred_name": "Al"}, headers={**auth, "If-Match": created.headers["ETag"]}
    )
    assert ok.status_code == 200
    stale = client.patch(
        url, json={"preferred_name": "Ali"}, headers={**auth, "If-Match": created.headers["ETag"]}
    )
    assert stale.status_code == 412


def test_search_by_misspelt_name_finds_client(client, world, base):
    auth = world.a.auth("practitioner")
    client.post(base, json=NEW, headers=auth)
    found = client.get(f"{base}?q=alex morgen", headers=auth)
    assert found.status_code == 200
    assert [c["family_name"] for c in found.json] == ["Morgan"]


def test_partner_sees_only_shared_client_with_allowlisted_fields(client, world, base):
    listing = client.get(base, headers=world.a.auth("partner"))
    assert listing.status_code == 200
    assert [c["family_name"] for c in listing.json] == ["Taylor"]
    assert set(listing.json[0]) <= {
        "id",
        "nhs_number",
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "phone",
        "email",
        "status",
        "version",
    }
    unshared = world.a.ids["client"][1]
    assert client.get(f"{base}/{unshared}", headers=world.a.auth("partner")).status_code == 404


def test_withdrawn_consent_ends_partner_access_at_once(client, world, base):
    shared, consent = world.a.ids["client"][0], world.a.ids["client_consent"][0]
    partner = world.a.auth("partner")
    assert client.get(f"{base}/{shared}", headers=partner).status_code == 200
    withdrawn = client.post(
        f"{base}/{shared}/consents/{consent}/withdraw",
        json={"reason": "asked"},
        headers=world.a.auth("practitioner"),
    )
    assert withdrawn.status_code == 200
    assert client.get(f"{base}/{shared}", headers=partner).status_code == 404
    assert client.get(base, headers=partner).json == []
    assert client.get(f"{base}?q=taylor", headers=partner).json == []
    csv = client.get(f"{base}/export.csv", headers=partner)
    assert "Taylor" not in csv.get_data(as_text=True)
