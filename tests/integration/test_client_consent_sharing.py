"""Consent per purpose and need-to-know shares with partner organisations (issue 4, §2-3).

The fixture client "Sam Taylor" (world.a.ids["client"][0]) is shared with the Job Centre Plus
office (jcp) under a jcp_joint_caseload consent; "Jo Unshared" (ids["client"][1]) is not.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from core.accounts.models import Membership, Organisation
from core.extensions import db
from core.tenancy.context import tenant_context


def base(tenant) -> str:
    return f"/api/v1/{tenant.slug}/clients"


def future(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


CONSENT = {"purpose": "jcp_joint_caseload", "given_on": "2026-01-10", "method": "written"}


def give_consent(client, tenant, client_id, **overrides):
    response = client.post(
        f"{base(tenant)}/{client_id}/consents",
        json={**CONSENT, **overrides},
        headers=tenant.auth("practitioner"),
    )
    assert response.status_code == 201, response.json
    return response.json


def share(client, tenant, client_id, consent_id, organisation_id=None, **extra):
    return client.post(
        f"{base(tenant)}/{client_id}/shares",
        json={
            "organisation_id": str(organisation_id or tenant.ids["organisation"][1]),
            "consent_id": str(consent_id),
            **extra,
        },
        headers=tenant.auth("practitioner"),
    )


def add_organisation(app, tenant, key: str, kind: str, name: str) -> uuid.UUID:
    with app.app_context(), tenant_context(tenant.tenant_id):
        org = Organisation(key=key, name=name, kind=kind)
        db.session.add(org)
        db.session.flush()
        return org.id


def expire_share(admin_engine, share_id) -> None:
    """Move a share's expiry into the past behind the application's back (time passing)."""
    with admin_engine.begin() as conn:
        updated = conn.execute(
            sa.text(
                "UPDATE client_share SET expires_at = now() - interval '1 second' WHERE id = :id"
            ),
            {"id": share_id},
        ).rowcount
    assert updated == 1


@pytest.fixture
def exporting_partner(app, world):
    """The jcp partner also holds a trust role, so the permission checks pass and only the
    need-to-know rules (based on the organisation) stand between them and the data."""
    with app.app_context(), tenant_context(world.a.tenant_id):
        membership = db.session.get(Membership, world.a.memberships["partner"])
        membership.roles = ["partner_advisor", "practitioner"]
    return world.a.auth("partner")


# --- consent -------------------------------------------------------------------------------


def test_give_consent_returns_201_and_records_who(client, world):
    shared = world.a.ids["client"][0]
    body = give_consent(client, world.a, shared, purpose="housing_referral", notes="signed form")
    assert body["purpose"] == "housing_referral"
    assert body["active"] is True
    assert body["withdrawn_at"] is None
    assert body["recorded_by_membership_id"] == str(world.a.memberships["practitioner"])
    assert body["client_id"] == str(shared)


def test_consent_list_keeps_withdrawn_consent_as_history(client, world, admin_engine):
    shared = world.a.ids["client"][0]
    auth = world.a.auth("practitioner")
    extra = give_consent(client, world.a, shared, purpose="recovery_college")
    withdrawn = client.post(
        f"{base(world.a)}/{shared}/consents/{extra['id']}/withdraw",
        json={"reason": "changed their mind"},
        headers=auth,
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json["active"] is False
    assert withdrawn.json["withdrawn_reason"] == "changed their mind"
    assert withdrawn.json["withdrawn_by_membership_id"] == str(world.a.memberships["practitioner"])
    listing = client.get(f"{base(world.a)}/{shared}/consents", headers=auth)
    assert listing.status_code == 200
    by_id = {c["id"]: c for c in listing.json}
    assert set(by_id) == {extra["id"], str(world.a.ids["client_consent"][0])}
    assert by_id[extra["id"]]["active"] is False
    assert by_id[extra["id"]]["withdrawn_at"] is not None
    with admin_engine.connect() as conn:
        stored = conn.execute(
            sa.text("SELECT withdrawn_at FROM client_consent WHERE id = :id"), {"id": extra["id"]}
        ).scalar_one()
    assert stored is not None


def test_withdrawing_twice_is_a_conflict(client, world):
    shared, consent = world.a.ids["client"][0], world.a.ids["client_consent"][0]
    url = f"{base(world.a)}/{shared}/consents/{consent}/withdraw"
    auth = world.a.auth("practitioner")
    assert client.post(url, json={}, headers=auth).status_code == 200
    again = client.post(url, json={}, headers=auth)
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"


def test_withdraw_unknown_or_other_clients_consent_is_404(client, world):
    auth = world.a.auth("practitioner")
    unshared = world.a.ids["client"][1]
    consent = world.a.ids["client_consent"][0]
    for url in (
        f"{base(world.a)}/{unshared}/consents/{consent}/withdraw",
        f"{base(world.a)}/{world.a.ids['client'][0]}/consents/{uuid.uuid4()}/withdraw",
        f"{base(world.a)}/{world.a.ids['client'][0]}/consents/not-a-uuid/withdraw",
        # tenant B's consent through tenant A's client
        f"{base(world.a)}/{world.a.ids['client'][0]}/consents/{world.b.ids['client_consent'][0]}"
        "/withdraw",
    ):
        assert client.post(url, json={}, headers=auth).status_code == 404, url


def test_consent_for_unknown_purpose_or_method_is_422(client, world):
    shared = world.a.ids["client"][0]
    response = client.post(
        f"{base(world.a)}/{shared}/consents",
        json={"purpose": "marketing", "given_on": "2026-01-10", "method": "telepathy"},
        headers=world.a.auth("practitioner"),
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert {"#/purpose", "#/method"} <= pointers


# --- shares: the rules -----------------------------------------------------------------------


def test_share_with_partner_under_matching_live_consent(client, world):
    unshared = world.a.ids["client"][1]
    consent = give_consent(client, world.a, unshared)
    expires = future()
    response = share(client, world.a, unshared, consent["id"], expires_at=expires)
    assert response.status_code == 201, response.json
    assert response.json["purpose"] == "jcp_joint_caseload"
    assert response.json["organisation_id"] == str(world.a.ids["organisation"][1])
    assert response.json["expires_at"] is not None
    partner = world.a.auth("partner")
    assert client.get(f"{base(world.a)}/{unshared}", headers=partner).status_code == 200


def test_share_with_the_trust_itself_is_422(client, world):
    unshared = world.a.ids["client"][1]
    consent = give_consent(client, world.a, unshared)
    response = share(
        client, world.a, unshared, consent["id"], organisation_id=world.a.ids["organisation"][0]
    )
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.json["errors"]}
    assert "partner" in errors["#/organisation_id"]


def test_share_needs_a_consent_for_the_organisations_kind(client, world, app):
    college = add_organisation(app, world.a, "rc", "recovery_college", "Recovery College")
    unshared = world.a.ids["client"][1]
    jcp_consent = give_consent(client, world.a, unshared)
    response = share(client, world.a, unshared, jcp_consent["id"], organisation_id=college)
    assert response.status_code == 422
    errors = {e["pointer"]: e["detail"] for e in response.json["errors"]}
    assert "#/consent_id" in errors
    assert "Recovery College" in errors["#/consent_id"]
    rc_consent = give_consent(client, world.a, unshared, purpose="recovery_college")
    ok = share(client, world.a, unshared, rc_consent["id"], organisation_id=college)
    assert ok.status_code == 201, ok.json


def test_share_under_withdrawn_consent_is_422(client, world):
    unshared = world.a.ids["client"][1]
    consent = give_consent(client, world.a, unshared)
    client.post(
        f"{base(world.a)}/{unshared}/consents/{consent['id']}/withdraw",
        json={},
        headers=world.a.auth("practitioner"),
    )
    response = share(client, world.a, unshared, consent["id"])
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/consent_id"]


def test_share_under_another_clients_consent_is_422(client, world):
    unshared = world.a.ids["client"][1]
    response = share(client, world.a, unshared, world.a.ids["client_consent"][0])
    assert response.status_code == 422
    assert "#/consent_id" in {e["pointer"] for e in response.json["errors"]}


def test_share_expiry_must_be_in_the_future(client, world):
    unshared = world.a.ids["client"][1]
    consent = give_consent(client, world.a, unshared)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = share(client, world.a, unshared, consent["id"], expires_at=past)
    assert response.status_code == 422
    assert [e["pointer"] for e in response.json["errors"]] == ["#/expires_at"]
    naive = share(client, world.a, unshared, consent["id"], expires_at="2099-01-01T00:00:00")
    assert naive.status_code == 422


def test_share_with_another_tenants_organisation_is_422(client, world):
    unshared = world.a.ids["client"][1]
    consent = give_consent(client, world.a, unshared)
    response = share(
        client, world.a, unshared, consent["id"], organisation_id=world.b.ids["organisation"][1]
    )
    assert response.status_code == 422
    assert "#/organisation_id" in {e["pointer"] for e in response.json["errors"]}


def test_duplicate_share_is_409(client, world):
    shared, consent = world.a.ids["client"][0], world.a.ids["client_consent"][0]
    response = share(client, world.a, shared, consent)
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/problem+json"


def test_sharing_again_after_the_share_ended_or_expired_is_allowed(client, world, admin_engine):
    shared, consent = world.a.ids["client"][0], world.a.ids["client_consent"][0]
    old = world.a.ids["client_share"][0]
    expire_share(admin_engine, old)
    again = share(client, world.a, shared, consent)
    assert again.status_code == 201, again.json
    ended = client.post(
        f"{base(world.a)}/{shared}/shares/{again.json['id']}/end",
        json={"reason": "done"},
        headers=world.a.auth("practitioner"),
    )
    assert ended.status_code == 200
    assert share(client, world.a, shared, consent).status_code == 201


# --- access ends at once ------------------------------------------------------------------


def _partner_can_see(client, tenant, client_id, auth) -> dict[str, bool]:
    url = base(tenant)
    seen = {
        "read": client.get(f"{url}/{client_id}", headers=auth).status_code == 200,
        "list": any(c["id"] == str(client_id) for c in client.get(url, headers=auth).json),
        "search": any(
            c["id"] == str(client_id) for c in client.get(f"{url}?q=taylor", headers=auth).json
        ),
        "nhs search": any(
            c["id"] == str(client_id)
            for c in client.get(f"{url}?q=999 000 0018", headers=auth).json
        ),
        "timeline": client.get(f"{url}/{client_id}/timeline", headers=auth).status_code == 200,
        "consents": client.get(f"{url}/{client_id}/consents", headers=auth).status_code == 200,
        "shares": client.get(f"{url}/{client_id}/shares", headers=auth).status_code == 200,
    }
    export = client.get(f"{url}/export.csv", headers=auth)
    assert export.status_code == 200
    seen["export"] = str(client_id) in export.get_data(as_text=True)
    return seen


def test_partner_sees_shared_client_everywhere(client, world, exporting_partner):
    seen = _partner_can_see(client, world.a, world.a.ids["client"][0], exporting_partner)
    assert all(seen.values()), seen


@pytest.mark.hazard("HAZ-003")
def test_unshared_client_is_invisible_to_partner_everywhere(client, world, exporting_partner):
    unshared = world.a.ids["client"][1]
    url = base(world.a)
    assert client.get(f"{url}/{unshared}", headers=exporting_partner).status_code == 404
    assert client.get(f"{url}/{unshared}/timeline", headers=exporting_partner).status_code == 404
    assert client.get(f"{url}?q=unshared", headers=exporting_partner).json == []
    assert "Unshared" not in client.get(f"{url}/export.csv", headers=exporting_partner).text


def test_ending_a_share_removes_access_at_once(client, world, exporting_partner):
    shared, share_id = world.a.ids["client"][0], world.a.ids["client_share"][0]
    ended = client.post(
        f"{base(world.a)}/{shared}/shares/{share_id}/end",
        json={"reason": "joint work finished"},
        headers=world.a.auth("practitioner"),
    )
    assert ended.status_code == 200
    assert ended.json["ended_at"] is not None
    assert ended.json["ended_reason"] == "joint work finished"
    seen = _partner_can_see(client, world.a, shared, exporting_partner)
    assert not any(seen.values()), seen
    again = client.post(
        f"{base(world.a)}/{shared}/shares/{share_id}/end",
        json={},
        headers=world.a.auth("practitioner"),
    )
    assert again.status_code == 409


@pytest.mark.hazard("HAZ-003")
def test_withdrawing_consent_removes_access_everywhere(client, world, exporting_partner):
    shared, consent = world.a.ids["client"][0], world.a.ids["client_consent"][0]
    withdrawn = client.post(
        f"{base(world.a)}/{shared}/consents/{consent}/withdraw",
        json={},
        headers=world.a.auth("practitioner"),
    )
    assert withdrawn.status_code == 200
    seen = _partner_can_see(client, world.a, shared, exporting_partner)
    assert not any(seen.values()), seen


@pytest.mark.hazard("HAZ-003")
def test_expired_share_removes_access_everywhere(client, world, admin_engine, exporting_partner):
    shared = world.a.ids["client"][0]
    before = _partner_can_see(client, world.a, shared, exporting_partner)
    assert all(before.values()), before
    expire_share(admin_engine, world.a.ids["client_share"][0])
    seen = _partner_can_see(client, world.a, shared, exporting_partner)
    assert not any(seen.values()), seen


def test_share_with_future_expiry_still_gives_access(client, world, admin_engine):
    shared = world.a.ids["client"][0]
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE client_share SET expires_at = now() + interval '1 hour' WHERE id = :id"
            ),
            {"id": world.a.ids["client_share"][0]},
        )
    partner = world.a.auth("partner")
    assert client.get(f"{base(world.a)}/{shared}", headers=partner).status_code == 200


def test_expiry_set_through_the_orm_in_tenant_context(client, world, app):
    from core.clients.models import Share

    shared = world.a.ids["client"][0]
    partner = world.a.auth("partner")
    with app.app_context(), tenant_context(world.a.tenant_id):
        row = db.session.get(Share, world.a.ids["client_share"][0])
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    assert client.get(f"{base(world.a)}/{shared}", headers=partner).status_code == 404
    assert client.get(base(world.a), headers=partner).json == []


def test_share_in_tenant_b_gives_nothing_in_tenant_a(client, world, admin_engine):
    """Ending A's share leaves B's identical share alone, and vice versa."""
    expire_share(admin_engine, world.a.ids["client_share"][0])
    partner_b = world.b.auth("partner")
    assert (
        client.get(f"{base(world.b)}/{world.b.ids['client'][0]}", headers=partner_b).status_code
        == 200
    )
    assert client.get(
        f"{base(world.a)}/{world.b.ids['client'][0]}", headers=world.a.auth("partner")
    ).status_code in (401, 403, 404)


# --- partners cannot change consent or sharing ------------------------------------------------


@pytest.mark.hazard("HAZ-003")
def test_partner_cannot_give_consent_or_share(client, world):
    shared = world.a.ids["client"][0]
    partner = world.a.auth("partner")
    consent = client.post(f"{base(world.a)}/{shared}/consents", json=CONSENT, headers=partner)
    assert consent.status_code == 403
    shared_again = client.post(
        f"{base(world.a)}/{shared}/shares",
        json={
            "organisation_id": str(world.a.ids["organisation"][1]),
            "consent_id": str(world.a.ids["client_consent"][0]),
        },
        headers=partner,
    )
    assert shared_again.status_code == 403


def test_partner_with_trust_permissions_still_cannot_change_consent_or_shares(
    client, world, exporting_partner, admin_engine
):
    """The guard is the organisation, not only the role's permissions."""
    shared = world.a.ids["client"][0]
    url = f"{base(world.a)}/{shared}"
    consent, share_id = world.a.ids["client_consent"][0], world.a.ids["client_share"][0]
    attempts = [
        client.post(f"{url}/consents", json=CONSENT, headers=exporting_partner),
        client.post(
            f"{url}/shares",
            json={
                "organisation_id": str(world.a.ids["organisation"][1]),
                "consent_id": str(consent),
            },
            headers=exporting_partner,
        ),
        client.post(f"{url}/consents/{consent}/withdraw", json={}, headers=exporting_partner),
        client.post(f"{url}/shares/{share_id}/end", json={}, headers=exporting_partner),
    ]
    assert [r.status_code for r in attempts] == [403, 403, 403, 403]
    with admin_engine.connect() as conn:
        counts = conn.execute(
            sa.text(
                "SELECT (SELECT count(*) FROM client_consent WHERE tenant_id = :t), "
                "(SELECT count(*) FROM client_share WHERE tenant_id = :t AND ended_at IS NULL), "
                "(SELECT count(*) FROM client_consent WHERE tenant_id = :t "
                "AND withdrawn_at IS NOT NULL)"
            ),
            {"t": world.a.tenant_id},
        ).one()
    assert tuple(counts) == (1, 1, 0)


def test_partner_sees_only_their_own_organisations_shares(client, world, app):
    college = add_organisation(app, world.a, "rc", "recovery_college", "Recovery College")
    shared = world.a.ids["client"][0]
    rc_consent = give_consent(client, world.a, shared, purpose="recovery_college")
    assert (
        share(client, world.a, shared, rc_consent["id"], organisation_id=college).status_code == 201
    )
    staff = client.get(f"{base(world.a)}/{shared}/shares", headers=world.a.auth("practitioner"))
    assert {s["organisation_id"] for s in staff.json} == {
        str(world.a.ids["organisation"][1]),
        str(college),
    }
    partner = client.get(f"{base(world.a)}/{shared}/shares", headers=world.a.auth("partner"))
    assert partner.status_code == 200
    assert [s["organisation_id"] for s in partner.json] == [str(world.a.ids["organisation"][1])]
    consents = client.get(f"{base(world.a)}/{shared}/consents", headers=world.a.auth("partner"))
    assert [c["id"] for c in consents.json] == [str(world.a.ids["client_consent"][0])]


def test_partner_csv_has_only_allowlisted_columns(client, world, exporting_partner):
    from core.clients.schemas import PARTNER_FIELDS

    response = client.get(f"{base(world.a)}/export.csv", headers=exporting_partner)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == list(PARTNER_FIELDS)
    assert set(rows[0]) <= {
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
    assert [r[rows[0].index("family_name")] for r in rows[1:]] == ["Taylor"]
    assert "SO16 7AB" not in response.get_data(as_text=True)
    assert "LOCAL-1" not in response.get_data(as_text=True)


@pytest.mark.hazard("HAZ-003")
def test_partner_record_has_only_allowlisted_fields(client, world):
    from core.clients.schemas import PARTNER_FIELDS

    shared = world.a.ids["client"][0]
    record = client.get(f"{base(world.a)}/{shared}", headers=world.a.auth("partner"))
    assert record.status_code == 200
    assert set(record.json) <= set(PARTNER_FIELDS)
    assert "postcode" not in record.json and "key_worker_membership_id" not in record.json
    staff = client.get(f"{base(world.a)}/{shared}", headers=world.a.auth("practitioner"))
    assert staff.json["postcode"] == "SO16 7AB"
