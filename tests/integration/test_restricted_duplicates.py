"""A restricted record (Art. 18) stays hidden in duplicate warnings, yet still stops a second
record of the same person; a bulk import never changes it."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.integration.test_client_restriction import base

#: The world's restricted client (tests/factories.py ``_add_restricted_client``).
RESTRICTED = {"given_name": "Alex", "family_name": "Restricted", "date_of_birth": "1990-03-04"}


def _restricted_id(world) -> str:
    return str(world.a.ids["restricted_client"][0])


def test_duplicate_check_does_not_show_a_restricted_record(client, world):
    url = f"{base(world.a)}/duplicates"
    seen_by_practitioner = client.get(
        url, query_string=RESTRICTED, headers=world.a.auth("practitioner")
    )
    assert seen_by_practitioner.status_code == 200
    assert seen_by_practitioner.json == []
    # the world's administrator adds clients and also holds the information governance role
    seen_by_ig = client.get(url, query_string=RESTRICTED, headers=world.a.auth("admin"))
    assert seen_by_ig.status_code == 200
    assert [c["id"] for c in seen_by_ig.json] == [_restricted_id(world)]


def test_adding_the_same_person_says_a_restricted_record_matches_but_not_whose(client, world):
    response = client.post(base(world.a), json=RESTRICTED, headers=world.a.auth("practitioner"))
    assert response.status_code == 409
    assert "restricted also matches" in response.json["detail"]
    assert response.json["duplicates"] == []
    assert _restricted_id(world) not in response.get_data(as_text=True)


@pytest.mark.hazard("HAZ-012")
def test_the_same_nhs_number_as_a_restricted_record_is_refused_without_a_name(
    client, world, admin_engine
):
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE client SET nhs_number = '9434765919' WHERE id = :id"),
            {"id": _restricted_id(world)},
        )
    body = {"given_name": "Sam", "family_name": "Other", "date_of_birth": "1980-01-01"}
    response = client.post(
        base(world.a),
        json={**body, "nhs_number": "943 476 5919"},
        headers=world.a.auth("practitioner"),
    )
    assert response.status_code == 409
    assert response.json["can_confirm"] is False
    assert response.json["duplicates"] == []
    assert "restricted also matches" in response.json["detail"]
    assert "Restricted" not in response.get_data(as_text=True).replace("restricted", "")


@pytest.mark.parametrize("mode", ["update", "skip"])
def test_an_import_never_changes_a_restricted_record(client, world, admin_engine, mode):
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE client SET local_id = 'R-1' WHERE id = :id"),
            {"id": _restricted_id(world)},
        )
    csv = b"local_id,given_name,family_name,date_of_birth\nR-1,Alexandra,Changed,1990-03-04\n"
    job = client.post(
        f"/api/v1/{world.a.slug}/imports/clients",
        data={"file": (io.BytesIO(csv), "clients.csv"), "mode": mode},
        headers=world.a.auth(),
        content_type="multipart/form-data",
    )
    assert job.status_code == 202, job.get_data(as_text=True)
    result = client.get(
        f"/api/v1/{world.a.slug}/jobs/{job.json['id']}", headers=world.a.auth()
    ).json["result"]
    assert result["updated"] == 0 and result["invalid"] == 1
    with admin_engine.connect() as conn:
        name = conn.execute(
            sa.text("SELECT given_name, family_name FROM client WHERE id = :id"),
            {"id": _restricted_id(world)},
        ).one()
    assert tuple(name) == ("Alex", "Restricted")
