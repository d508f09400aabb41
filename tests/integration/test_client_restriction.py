"""Restriction of processing (UK GDPR Art. 18) and erasure decisions (Art. 17(3)(c)).

A restricted client is hidden from everyone without ``clients.restricted.read``: record, list,
search, CSV, timeline and subject access answer as if the client did not exist. Only the
information governance role sees it (with a "Restricted" tag) and decides; every decision is a
new row, one audit event and one call of the plugins' ``on_client_erasure`` hook, in the same
transaction.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

import tests.plugins.canary as canary
from core.accounts import tokens
from core.accounts.models import Membership
from core.extensions import db
from core.tenancy.context import tenant_context
from tests.factories import PASSWORD, TenantData, make_membership, make_user

REASON = "Care record: Art. 17(3)(c). Restricted while the complaint is reviewed."


def base(tenant: TenantData) -> str:
    return f"/api/v1/{tenant.slug}/clients"


def add_ig(app, tenant: TenantData) -> None:
    """An information governance lead in ``tenant`` (token under ``tokens["ig"]``)."""
    email = f"ig@{tenant.slug}.example"
    with app.app_context():
        user_id = make_user(email, "Information Governance Lead")
        with tenant_context(tenant.tenant_id):
            home = tenant.ids["organisation"][0]
            membership = make_membership(user_id, home, ["information_governance"])
            _token, secret = tokens.issue(membership, "ig token", 30)
            tenant.memberships["ig"] = membership.id
    tenant.tokens["ig"], tenant.emails["ig"] = secret, email


@pytest.fixture
def ig(app, world):
    add_ig(app, world.a)
    canary.ERASURES.clear()
    return world.a


def decide(client, tenant, client_id, role="ig", **body):
    data = {"request": "restriction", "action": "restrict", "received_on": "2026-11-02"}
    data |= {"reason": REASON} | body
    return client.post(
        f"{base(tenant)}/{client_id}/rights-decisions", json=data, headers=tenant.auth(role)
    )


def restrict(client, tenant, client_id, **body):
    response = decide(client, tenant, client_id, **body)
    assert response.status_code == 201, response.json
    return response.json


def sign_in(app, tenant: TenantData, person: str):
    browser = app.test_client()
    response = browser.post("/sign-in", data={"email": tenant.emails[person], "password": PASSWORD})
    assert response.status_code == 302
    return browser


def listed(client, tenant, role, **query) -> set[str]:
    response = client.get(base(tenant), query_string=query, headers=tenant.auth(role))
    assert response.status_code == 200, response.json
    return {c["id"] for c in response.json}


def csv_ids(client, tenant, role) -> str:
    response = client.get(f"{base(tenant)}/export.csv", headers=tenant.auth(role))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def reads(client, tenant, role, client_id) -> dict[str, int]:
    url = f"{base(tenant)}/{client_id}"
    return {
        "record": client.get(url, headers=tenant.auth(role)).status_code,
        "timeline": client.get(f"{url}/timeline", headers=tenant.auth(role)).status_code,
        "consents": client.get(f"{url}/consents", headers=tenant.auth(role)).status_code,
    }


# --- visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["practitioner", "partner", "admin_without_ig"])
@pytest.mark.hazard("HAZ-012")
def test_restricted_client_is_invisible_without_the_ig_role(app, client, world, ig, role):
    shared = world.a.ids["client"][0]  # shared with the partner's organisation
    if role == "admin_without_ig":
        with app.app_context(), tenant_context(world.a.tenant_id):
            admin = db.session.get(Membership, world.a.memberships["admin"])
            admin.roles = [r for r in admin.roles if r != "information_governance"]
        role = "admin"
    assert str(shared) in listed(client, world.a, role)  # the control: visible before
    restrict(client, world.a, shared)
    assert reads(client, world.a, role, shared) == dict.fromkeys(
        ("record", "timeline", "consents"), 404
    )
    assert str(shared) not in listed(client, world.a, role)
    assert str(shared) not in listed(client, world.a, role, q="Sam Taylor")
    assert str(shared) not in listed(client, world.a, role, nhs_number="9990000018")
    assert str(shared) not in csv_ids(client, world.a, role)
    export = client.get(f"{base(world.a)}/{shared}/export", headers=world.a.auth(role))
    assert export.status_code in (403, 404)  # partners may not export at all
    browser = sign_in(app, world.a, "admin" if role == "admin" else role)
    assert browser.get(f"/{world.a.slug}/clients/{shared}").status_code == 404
    page = browser.get(f"/{world.a.slug}/clients/?q=Sam+Taylor&status=").get_data(as_text=True)
    assert str(shared) not in page


def test_subject_access_of_a_restricted_client_is_404_for_the_admin(app, client, world, ig):
    shared = world.a.ids["client"][0]
    with app.app_context(), tenant_context(world.a.tenant_id):
        admin = db.session.get(Membership, world.a.memberships["admin"])
        admin.roles = [r for r in admin.roles if r != "information_governance"]
    url = f"{base(world.a)}/{shared}/export"
    assert client.get(url, headers=world.a.auth("admin")).status_code == 200
    restrict(client, world.a, shared)
    assert client.get(url, headers=world.a.auth("admin")).status_code == 404
    assert client.get(url, headers=world.a.auth("ig")).status_code == 200


def test_ig_role_sees_the_restricted_client_with_a_tag(app, client, world, ig):
    shared = world.a.ids["client"][0]
    restrict(client, world.a, shared)
    assert reads(client, world.a, "ig", shared) == dict.fromkeys(
        ("record", "timeline", "consents"), 200
    )
    assert str(shared) in listed(client, world.a, "ig", q="Sam Taylor")
    browser = sign_in(app, world.a, "ig")
    page = browser.get(f"/{world.a.slug}/clients/{shared}").get_data(as_text=True)
    assert "Restricted" in page and "Processing restricted" in page
    assert f"/clients/{shared}/rights" in page
    listing = browser.get(f"/{world.a.slug}/clients/?status=").get_data(as_text=True)
    assert "Restricted" in listing


def test_restriction_stays_in_its_tenant(client, world, ig):
    restrict(client, world.a, world.a.ids["client"][0])
    # Tenant B has a client of the same NHS number and name: untouched.
    assert str(world.b.ids["client"][0]) in listed(client, world.b, "practitioner")


@pytest.mark.hazard("HAZ-012")
def test_lifting_restores_visibility(client, world, ig):
    shared = world.a.ids["client"][0]
    restrict(client, world.a, shared)
    lifted = decide(client, world.a, shared, request="lift_restriction", action="lift")
    assert lifted.status_code == 201, lifted.json
    assert reads(client, world.a, "practitioner", shared)["record"] == 200
    assert str(shared) in listed(client, world.a, "partner")


# --- decisions ------------------------------------------------------------------------------


def test_decisions_are_history(client, world, ig, admin_engine):
    shared = world.a.ids["client"][0]
    first = restrict(client, world.a, shared)
    decide(client, world.a, shared, request="lift_restriction", action="lift", reason="Resolved")
    url = f"{base(world.a)}/{shared}/rights-decisions"
    history = client.get(url, headers=world.a.auth("ig"))
    assert history.status_code == 200
    assert [d["action"] for d in history.json] == ["lift", "restrict"]
    assert history.json[1] == first
    assert first["decided_by_membership_id"] == str(world.a.memberships["ig"])
    with admin_engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="history"):
        conn.execute(sa.text("UPDATE client_rights_decision SET reason = 'rewritten'"))


@pytest.mark.hazard("HAZ-012")
def test_refusing_erasure_restricts_the_record(client, world, ig, admin_engine):
    shared = world.a.ids["client"][0]
    refused = decide(client, world.a, shared, request="erasure", action="refuse")
    assert refused.status_code == 201, refused.json
    assert reads(client, world.a, "practitioner", shared)["record"] == 404
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT restricted_at, restricted_reason FROM client WHERE id = :c"),
            {"c": shared},
        ).one()
    assert row.restricted_at is not None and row.restricted_reason == REASON
    # A second erasure request on the restricted record is still answered (and recorded).
    again = decide(client, world.a, shared, request="erasure", action="refuse")
    assert again.status_code == 201


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"request": "erasure", "action": "restrict"}, "#/action"),
        ({"request": "erasure", "action": "lift"}, "#/action"),
        ({"request": "forget me"}, "#/request"),
        ({"action": "shred"}, "#/action"),
        ({"reason": ""}, "#/reason"),
        ({"reason": None}, "#/reason"),
        ({"received_on": "2099-01-01"}, "#/received_on"),
        ({"received_on": "2026-02-30"}, "#/received_on"),
    ],
)
def test_bad_decisions_are_422_per_field(client, world, ig, body, pointer):
    shared = world.a.ids["client"][0]
    response = decide(client, world.a, shared, **body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert pointer in [e["pointer"] for e in response.json["errors"]]
    assert reads(client, world.a, "practitioner", shared)["record"] == 200


def test_restricting_twice_or_lifting_nothing_is_409(client, world, ig, admin_engine):
    shared = world.a.ids["client"][0]
    lifted = decide(client, world.a, shared, request="lift_restriction", action="lift")
    assert lifted.status_code == 409
    restrict(client, world.a, shared)
    again = decide(client, world.a, shared)
    assert again.status_code == 409
    assert again.content_type == "application/problem+json"
    with admin_engine.connect() as conn:
        count = conn.execute(
            sa.text("SELECT count(*) FROM client_rights_decision WHERE client_id = :c"),
            {"c": shared},
        ).scalar()
    assert count == 1


@pytest.mark.parametrize("role", ["practitioner", "partner"])
def test_only_the_ig_role_decides(client, world, ig, role):
    shared = world.a.ids["client"][0]
    assert decide(client, world.a, shared, role=role).status_code == 403
    url = f"{base(world.a)}/{shared}/rights-decisions"
    assert client.get(url, headers=world.a.auth(role)).status_code == 403


def test_tenant_admin_role_has_no_rights_permissions(app):
    from core.accounts.permissions import CORE_ROLES

    roles = {r.name: r.permissions for r in CORE_ROLES}
    for name, permissions in roles.items():
        held = {"clients.restricted.read", "clients.rights.decide"} & permissions
        assert bool(held) == (name == "information_governance"), name


def test_a_decision_is_one_audit_event_without_the_reason(client, world, ig, admin_engine):
    shared = world.a.ids["client"][0]
    made = restrict(client, world.a, shared)
    with admin_engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT object_id, details FROM audit_event WHERE tenant_id = :t "
                "AND action = 'client.rights_decision'"
            ),
            {"t": world.a.tenant_id},
        ).all()
    assert len(rows) == 1
    assert rows[0].object_id == str(shared)
    assert rows[0].details["decision_id"] == made["id"]
    assert rows[0].details["effect"] == "restrict"
    assert REASON not in str(rows[0].details)


# --- the plugins' hook ----------------------------------------------------------------------


def test_each_decision_calls_the_hook_in_the_tenant_with_the_plugin(client, world, ig):
    shared = world.a.ids["client"][0]
    restrict(client, world.a, shared)
    decide(client, world.a, shared, request="lift_restriction", action="lift")
    assert [(str(c), d["action"]) for c, d in canary.ERASURES] == [
        (str(shared), "restrict"),
        (str(shared), "lift"),
    ]
    assert canary.ERASURES[0][1]["reason"] == REASON


def test_the_hook_is_not_called_for_a_tenant_without_the_plugin(app, client, world):
    add_ig(app, world.c)
    canary.CALLS.clear()
    restrict(client, world.c, world.c.ids["client"][0])
    assert ("on_client_erasure", "tenant-c") not in canary.CALLS
    assert canary.CALLS == []


def test_a_plugin_that_raises_rolls_the_decision_back(client, world, ig, admin_engine, monkeypatch):
    shared = world.a.ids["client"][0]
    monkeypatch.setattr(canary, "ERASURE_ERROR", RuntimeError("canary refuses"))
    with pytest.raises(RuntimeError, match="canary refuses"):  # TESTING propagates it
        decide(client, world.a, shared)
    with admin_engine.connect() as conn:
        assert not conn.execute(
            sa.text("SELECT 1 FROM client_rights_decision WHERE client_id = :c"), {"c": shared}
        ).first()
        assert (
            conn.execute(
                sa.text("SELECT restricted_at FROM client WHERE id = :c"), {"c": shared}
            ).scalar()
            is None
        )
        assert not conn.execute(
            sa.text("SELECT 1 FROM audit_event WHERE action = 'client.rights_decision'")
        ).first()
    assert reads(client, world.a, "practitioner", shared)["record"] == 200


# --- the page -------------------------------------------------------------------------------


def test_page_records_a_decision(app, world, ig):
    shared = world.a.ids["client"][0]
    browser = sign_in(app, world.a, "ig")
    url = f"/{world.a.slug}/clients/{shared}/rights"
    assert browser.get(url).status_code == 200
    today = date.today()
    response = browser.post(
        url,
        data={
            "request": "erasure",
            "action": "refuse",
            "received_on[day]": str(today.day),
            "received_on[month]": str(today.month),
            "received_on[year]": str(today.year),
            "reason": REASON,
        },
    )
    assert response.status_code == 302
    page = browser.get(url).get_data(as_text=True)
    assert "Erasure (right to be forgotten)" in page and REASON.split(":")[0] in page


def test_page_shows_every_problem_in_the_error_summary(app, world, ig):
    shared = world.a.ids["client"][0]
    browser = sign_in(app, world.a, "ig")
    url = f"/{world.a.slug}/clients/{shared}/rights"
    response = browser.post(
        url,
        data={"request": "erasure", "action": "restrict", "received_on[day]": "31",
              "received_on[month]": "2", "received_on[year]": "2026", "reason": " "},
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nhsuk-error-summary" in page
    assert "Erasure does not apply to care records" in page
    assert "must be a real date" in page
    assert 'value="31"' in page  # the input is kept


def test_page_is_refused_to_practitioners(app, world, ig):
    browser = sign_in(app, world.a, "practitioner")
    url = f"/{world.a.slug}/clients/{world.a.ids['client'][0]}/rights"
    assert browser.get(url).status_code == 403


def test_csv_keeps_the_restricted_row_for_a_holder_of_restricted_read(client, world, ig):
    """The world's admin also holds the information governance role (and clients.export)."""
    shared = world.a.ids["client"][0]
    restrict(client, world.a, shared)
    rows = list(csv.reader(io.StringIO(csv_ids(client, world.a, "admin"))))
    assert any(str(shared) in row for row in rows)


def test_the_worlds_restricted_client_is_seen_only_with_restricted_read(client, world, ig):
    restricted = str(world.a.ids["restricted_client"][0])
    assert restricted in listed(client, world.a, "ig", q="Alex Restricted")
    assert restricted in listed(client, world.a, "admin")  # the world's admin holds the IG role
    for role in ("practitioner", "partner"):
        assert restricted not in listed(client, world.a, role, q="Alex Restricted")
        assert reads(client, world.a, role, restricted)["record"] == 404


def test_subject_access_export_holds_the_decisions(client, world, ig):
    shared = world.a.ids["client"][0]
    made = restrict(client, world.a, shared)
    body = client.get(f"{base(world.a)}/{shared}/export", headers=world.a.auth("ig")).json
    assert [d["id"] for d in body["rights_decisions"]] == [made["id"]]
