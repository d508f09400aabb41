"""Memberships API: list, read, add and change people; roles checked; every change audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import PEOPLE


def url(world, suffix: str = "") -> str:
    return f"/api/v1/{world.a.slug}/memberships{suffix}"


def new_member(world, **overrides) -> dict:
    body = {
        "email": "New.Person@Tenant-A.example",
        "display_name": "New Person",
        "organisation_id": str(world.a.ids["organisation"][0]),
        "roles": ["practitioner"],
    }
    body.update(overrides)
    return body


def test_memberships_list_shows_own_tenants_people_only(client, world):
    response = client.get(url(world), headers=world.a.auth())
    assert response.status_code == 200
    assert {m["id"] for m in response.json} == {str(i) for i in world.a.memberships.values()}
    assert {m["user"]["email"] for m in response.json} == set(world.a.emails.values())
    pagination = json.loads(response.headers["X-Pagination"])
    assert pagination["total"] == 3


def test_memberships_list_pages_when_page_size_is_small(client, world):
    first = client.get(url(world, "?page=1&page_size=2"), headers=world.a.auth())
    second = client.get(url(world, "?page=2&page_size=2"), headers=world.a.auth())
    assert len(first.json) == 2
    assert len(second.json) == 1
    assert json.loads(first.headers["X-Pagination"])["total_pages"] == 2
    ids = [m["id"] for m in first.json + second.json]
    assert len(set(ids)) == 3


def test_memberships_list_is_403_for_partner(client, world):
    response = client.get(url(world), headers=world.a.auth("partner"))
    assert response.status_code == 403


def test_membership_get_returns_etag_and_fields(client, world):
    membership_id = world.a.memberships["partner"]
    response = client.get(url(world, f"/{membership_id}"), headers=world.a.auth())
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{membership_id}-1"'
    assert response.json["roles"] == PEOPLE["partner"][0]
    assert response.json["organisation"]["kind"] == "job_centre_plus"
    assert response.json["version"] == 1


def test_membership_get_is_404_when_membership_is_in_another_tenant(client, world):
    other = world.b.memberships["admin"]
    assert client.get(url(world, f"/{other}"), headers=world.a.auth()).status_code == 404


def test_membership_create_adds_person_with_normalised_email(client, world, admin_engine):
    response = client.post(url(world), json=new_member(world), headers=world.a.auth())
    assert response.status_code == 201, response.json
    assert response.json["user"]["email"] == "new.person@tenant-a.example"
    assert response.json["roles"] == ["practitioner"]
    assert response.headers["ETag"] == f'"{response.json["id"]}-1"'
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT tenant_id, roles FROM membership WHERE id = :id"),
            {"id": response.json["id"]},
        ).one()
    assert row.tenant_id == world.a.tenant_id
    assert row.roles == ["practitioner"]


def test_membership_create_reuses_account_when_email_exists_in_another_tenant(
    client, world, admin_engine
):
    email = world.b.emails["practitioner"]
    response = client.post(url(world), json=new_member(world, email=email), headers=world.a.auth())
    assert response.status_code == 201
    with admin_engine.connect() as conn:
        users = conn.execute(
            sa.text("SELECT count(*) FROM user_account WHERE email = :e"), {"e": email}
        ).scalar_one()
    assert users == 1


def test_membership_create_deduplicates_and_sorts_roles(client, world):
    response = client.post(
        url(world),
        json=new_member(world, roles=["practitioner", "caldicott_guardian", "practitioner"]),
        headers=world.a.auth(),
    )
    assert response.status_code == 201
    assert response.json["roles"] == ["caldicott_guardian", "practitioner"]


def test_membership_create_is_422_when_partner_staff_get_a_trust_role(client, world, admin_engine):
    partner_org = str(world.a.ids["organisation"][1])
    response = client.post(
        url(world),
        json=new_member(world, organisation_id=partner_org, roles=["practitioner"]),
        headers=world.a.auth(),
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/roles"]
    assert "practitioner" in response.json["errors"][0]["detail"]
    with admin_engine.connect() as conn:
        assert (
            conn.execute(
                sa.text(
                    "SELECT count(*) FROM user_account WHERE email = 'new.person@tenant-a.example'"
                )
            ).scalar_one()
            == 0
        )


def test_membership_create_accepts_partner_role_for_partner_staff(client, world):
    partner_org = str(world.a.ids["organisation"][1])
    response = client.post(
        url(world),
        json=new_member(world, organisation_id=partner_org, roles=["partner_advisor"]),
        headers=world.a.auth(),
    )
    assert response.status_code == 201


def test_membership_update_is_422_when_moving_trust_staff_to_partner_organisation(client, world):
    membership_id = world.a.memberships["practitioner"]
    etag = client.get(url(world, f"/{membership_id}"), headers=world.a.auth()).headers["ETag"]
    response = client.patch(
        url(world, f"/{membership_id}"),
        json={"organisation_id": str(world.a.ids["organisation"][1])},
        headers={**world.a.auth(), "If-Match": etag},
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/roles"]


def test_membership_create_is_422_when_role_belongs_to_plugin_the_tenant_has_not_enabled(
    client, world
):
    response = client.post(
        f"/api/v1/{world.c.slug}/memberships",
        json={
            "email": "keeper@tenant-c.example",
            "display_name": "Keeper",
            "organisation_id": str(world.c.ids["organisation"][0]),
            "roles": ["canary_keeper"],
        },
        headers=world.c.auth(),
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "#/roles"
    assert "canary_keeper" in response.json["errors"][0]["detail"]


def test_membership_create_accepts_plugin_role_when_tenant_has_enabled_it(client, world):
    response = client.post(
        url(world), json=new_member(world, roles=["canary_keeper"]), headers=world.a.auth()
    )
    assert response.status_code == 201


def test_membership_update_round_trips_etag(client, world, admin_engine):
    membership_id = world.a.memberships["practitioner"]
    first = client.get(url(world, f"/{membership_id}"), headers=world.a.auth())
    etag = first.headers["ETag"]

    changed = client.patch(
        url(world, f"/{membership_id}"),
        json={"roles": ["practitioner", "caldicott_guardian"]},
        headers={**world.a.auth(), "If-Match": etag},
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["roles"] == ["caldicott_guardian", "practitioner"]
    assert changed.json["version"] == 2
    new_etag = changed.headers["ETag"]
    assert new_etag == f'"{membership_id}-2"'
    assert (
        client.get(url(world, f"/{membership_id}"), headers=world.a.auth()).headers["ETag"]
        == new_etag
    )

    stale = client.patch(
        url(world, f"/{membership_id}"),
        json={"active": False},
        headers={**world.a.auth(), "If-Match": etag},
    )
    assert stale.status_code == 412
    again = client.patch(
        url(world, f"/{membership_id}"),
        json={"active": False},
        headers={**world.a.auth(), "If-Match": new_etag},
    )
    assert again.status_code == 200
    assert again.json["active"] is False
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT active, version FROM membership WHERE id = :id"), {"id": membership_id}
        ).one()
    assert (row.active, row.version) == (False, 3)


def test_membership_update_accepts_wildcard_if_match(client, world):
    membership_id = world.a.memberships["practitioner"]
    response = client.patch(
        url(world, f"/{membership_id}"),
        json={"roles": ["caldicott_guardian"]},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert response.status_code == 200


def test_membership_update_is_404_when_membership_is_in_another_tenant(client, world):
    other = world.b.memberships["practitioner"]
    response = client.patch(
        url(world, f"/{other}"),
        json={"active": False},
        headers={**world.a.auth(), "If-Match": "*"},
    )
    assert response.status_code == 404


def audit(client, world, query: str = "", role: str = "admin"):
    return client.get(f"/api/v1/{world.a.slug}/audit-events{query}", headers=world.a.auth(role))


def test_audit_events_record_membership_create_and_update(client, world):
    created = client.post(url(world), json=new_member(world), headers=world.a.auth())
    membership_id = created.json["id"]
    client.patch(
        url(world, f"/{membership_id}"),
        json={"roles": ["caldicott_guardian"]},
        headers={**world.a.auth(), "If-Match": created.headers["ETag"]},
    )
    response = audit(client, world, f"?object_id={membership_id}")
    assert response.status_code == 200
    events = response.json
    assert [e["action"] for e in events] == ["membership.update", "membership.create"]
    assert all(e["actor_label"] == world.a.emails["admin"] for e in events)
    assert all(e["object_type"] == "membership" for e in events)
    assert events[0]["details"] == {"roles": ["caldicott_guardian"]}
    assert events[1]["details"]["roles"] == ["practitioner"]
    assert all(e["request_id"] for e in events)


def test_audit_events_filter_by_action(client, world):
    client.post(url(world), json=new_member(world), headers=world.a.auth())
    response = audit(client, world, "?action=membership.create")
    assert response.status_code == 200
    assert [e["action"] for e in response.json] == ["membership.create"]
    assert [e["action"] for e in audit(client, world, "?action=test.seed").json] == ["test.seed"]


def test_audit_events_show_only_own_tenants_events(client, world):
    client.post(url(world), json=new_member(world), headers=world.a.auth())
    ids = {e["id"] for e in audit(client, world).json}
    assert str(world.b.ids["audit_event"][0]) not in ids
    assert str(world.a.ids["audit_event"][0]) in ids
    other = world.b.ids["audit_event"][0]
    assert audit(client, world, f"/{other}").status_code == 404


def test_audit_events_filter_by_time_window(client, world):
    before = datetime.now(UTC) - timedelta(seconds=1)
    client.post(url(world), json=new_member(world), headers=world.a.auth())
    after = datetime.now(UTC) + timedelta(seconds=1)

    def actions(query: str) -> list[str]:
        response = audit(client, world, query)
        assert response.status_code == 200, response.json
        return [e["action"] for e in response.json]

    since = before.isoformat().replace("+00:00", "Z")
    until = after.isoformat().replace("+00:00", "Z")
    assert "membership.create" in actions(f"?since={since}")
    assert "membership.create" not in actions(f"?since={until}")
    assert "membership.create" not in actions(f"?until={since}")
    assert "membership.create" in actions(f"?since={since}&until={until}")


def test_audit_events_are_422_when_filter_is_malformed(client, world):
    response = audit(client, world, "?since=yesterday")
    assert response.status_code == 422
    assert response.json["errors"][0]["pointer"] == "#/since"


def test_audit_events_are_paginated_with_headers(client, world):
    before = json.loads(audit(client, world, "?page_size=1").headers["X-Pagination"])["total"]
    assert before >= 1  # the world's own events (the seed event, plugins' records)
    for n in range(3):
        client.post(
            url(world),
            json=new_member(world, email=f"p{n}@tenant-a.example"),
            headers=world.a.auth(),
        )
    first = audit(client, world, "?page_size=2")
    assert first.status_code == 200
    assert len(first.json) == 2
    pagination = json.loads(first.headers["X-Pagination"])
    assert pagination["total"] == before + 3
    assert pagination["total_pages"] == -(-(before + 3) // 2)
    second = audit(client, world, "?page_size=2&page=2")
    assert len(second.json) == 2
    assert {e["id"] for e in first.json}.isdisjoint({e["id"] for e in second.json})


def test_audit_events_get_one_by_id(client, world):
    event_id = world.a.ids["audit_event"][0]
    response = audit(client, world, f"/{event_id}")
    assert response.status_code == 200
    assert response.json["action"] == "test.seed"
    assert audit(client, world, "/not-a-uuid").status_code == 404


def test_audit_events_are_403_for_practitioner(client, world):
    response = audit(client, world, role="practitioner")
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert (
        audit(client, world, f"/{world.a.ids['audit_event'][0]}", "practitioner").status_code == 403
    )


def test_audit_events_cannot_be_written_through_the_api(client, world):
    response = client.post(
        f"/api/v1/{world.a.slug}/audit-events", json={"action": "forged"}, headers=world.a.auth()
    )
    assert response.status_code == 405


def set_partner(admin_engine, organisation_id, partner: bool) -> None:
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE organisation SET partner = :p WHERE id = :id"),
            {"p": partner, "id": organisation_id},
        )


def test_membership_create_accepts_trust_role_when_organisation_is_not_a_partner(
    client, world, admin_engine
):
    jcp = world.a.ids["organisation"][1]
    set_partner(admin_engine, jcp, False)
    response = client.post(
        url(world),
        json=new_member(world, organisation_id=str(jcp), roles=["practitioner"]),
        headers=world.a.auth(),
    )
    assert response.status_code == 201, response.json
    assert response.json["organisation"]["partner"] is False


def test_membership_create_is_422_when_trust_organisation_is_flagged_partner(
    client, world, admin_engine
):
    home = world.a.ids["organisation"][0]
    set_partner(admin_engine, home, True)
    response = client.post(
        url(world),
        json=new_member(world, organisation_id=str(home), roles=["practitioner"]),
        headers=world.a.auth(),
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/roles"]
