"""Every API error is RFC 9457 problem+json, and a failed request leaves nothing half-written."""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import app_config
from tests.factories import PEOPLE

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["type"].startswith("urn:stepping-stones:problem:")
    assert body["title"]
    assert body["detail"]
    assert body["instance"] == f"urn:request:{response.headers['X-Request-ID']}"
    return body


def memberships_url(world) -> str:
    return f"/api/v1/{world.a.slug}/memberships"


def new_member(world, **overrides) -> dict:
    body = {
        "email": "new.person@tenant-a.example",
        "display_name": "New Person",
        "organisation_id": str(world.a.ids["organisation"][0]),
        "roles": ["practitioner"],
    }
    body.update(overrides)
    return body


def count(admin_engine, sql: str, **params) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar_one()


def test_malformed_json_is_400_problem(client, world):
    response = client.post(
        memberships_url(world),
        data='{"email": ',
        content_type="application/json",
        headers=world.a.auth(),
    )
    body = assert_problem(response, 400)
    assert body["type"].endswith(":bad-request")
    assert "not valid JSON" in body["detail"]


def test_missing_token_is_401_problem_with_www_authenticate(client, world):
    response = client.get(f"/api/v1/{world.a.slug}/me")
    body = assert_problem(response, 401)
    assert body["type"].endswith(":unauthorised")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_scheme_is_401_problem(client, world):
    response = client.get(
        f"/api/v1/{world.a.slug}/me", headers={"Authorization": f"Basic {world.a.tokens['admin']}"}
    )
    assert_problem(response, 401)


def test_practitioner_writing_memberships_is_403_problem(client, world):
    response = client.post(
        memberships_url(world), json=new_member(world), headers=world.a.auth("practitioner")
    )
    body = assert_problem(response, 403)
    assert body["type"].endswith(":forbidden")


def test_unknown_route_under_api_is_404_problem(client):
    body = assert_problem(client.get("/api/v1/no/such/thing/here"), 404)
    assert body["type"].endswith(":not-found")


def test_unknown_tenant_is_404_problem_when_token_is_sent(client, world):
    response = client.get("/api/v1/no-such-tenant/me", headers=world.a.auth())
    assert_problem(response, 404)


def test_malformed_tenant_slug_is_404_problem(client, world):
    response = client.get("/api/v1/NOT_A_SLUG/me", headers=world.a.auth())
    assert_problem(response, 404)


def test_unknown_membership_is_404_problem(client, world):
    response = client.get(f"{memberships_url(world)}/{uuid.uuid4()}", headers=world.a.auth())
    assert_problem(response, 404)


def test_malformed_membership_id_is_404_problem(client, world):
    response = client.get(f"{memberships_url(world)}/not-a-uuid", headers=world.a.auth())
    assert_problem(response, 404)


def test_wrong_method_is_405_problem_with_allow_header(client, world):
    response = client.delete(f"/api/v1/{world.a.slug}/me", headers=world.a.auth())
    body = assert_problem(response, 405)
    assert body["type"].endswith(":method-not-allowed")
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed
    assert "DELETE" not in allowed


def test_adding_existing_member_is_409_problem(client, world, admin_engine):
    before = count(admin_engine, "SELECT count(*) FROM audit_event")
    response = client.post(
        memberships_url(world),
        json=new_member(world, email=world.a.emails["practitioner"]),
        headers=world.a.auth(),
    )
    body = assert_problem(response, 409)
    assert body["type"].endswith(":conflict")
    assert count(admin_engine, "SELECT count(*) FROM audit_event") == before


def test_stale_if_match_is_412_problem_and_changes_nothing(client, world, admin_engine):
    membership_id = world.a.memberships["practitioner"]
    url = f"{memberships_url(world)}/{membership_id}"
    response = client.patch(
        url,
        json={"roles": ["caldicott_guardian"]},
        headers={**world.a.auth(), "If-Match": f'"{membership_id}-0"'},
    )
    body = assert_problem(response, 412)
    assert body["type"].endswith(":precondition-failed")
    with admin_engine.connect() as conn:
        roles = conn.execute(
            sa.text("SELECT roles FROM membership WHERE id = :id"), {"id": membership_id}
        ).scalar_one()
    assert roles == PEOPLE["practitioner"][0]


def test_missing_if_match_is_428_problem(client, world):
    url = f"{memberships_url(world)}/{world.a.memberships['practitioner']}"
    response = client.patch(url, json={"active": False}, headers=world.a.auth())
    body = assert_problem(response, 428)
    assert body["type"].endswith(":precondition-required")


def test_oversize_body_is_413_problem(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200)
    response = client.post(
        memberships_url(world),
        json=new_member(world, display_name="x" * 500),
        headers=world.a.auth(),
    )
    body = assert_problem(response, 413)
    assert body["type"].endswith(":too-large")


def test_oversize_form_is_413_page_outside_api(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 200)
    response = client.post("/sign-in", data={"email": "a@b.example", "password": "x" * 500})
    assert response.status_code == 413
    assert response.mimetype == "text/html"


def pointers(body: dict) -> dict[str, str]:
    assert body["type"].endswith(":validation-error")
    assert all(set(e) == {"pointer", "detail"} for e in body["errors"])
    return {e["pointer"]: e["detail"] for e in body["errors"]}


def test_wrong_types_are_422_problem_with_field_errors(client, world):
    response = client.post(
        memberships_url(world),
        json=new_member(world, email="not-an-email", roles="practitioner", organisation_id=7),
        headers=world.a.auth(),
    )
    found = pointers(assert_problem(response, 422))
    assert set(found) == {"#/email", "#/roles", "#/organisation_id"}


def test_unknown_fields_are_422_problem_with_field_errors(client, world):
    response = client.post(
        memberships_url(world),
        json=new_member(world, tenant_id=str(world.b.tenant_id)),
        headers=world.a.auth(),
    )
    found = pointers(assert_problem(response, 422))
    assert set(found) == {"#/tenant_id"}


def test_missing_fields_are_422_problem_with_field_errors(client, world):
    response = client.post(memberships_url(world), json={}, headers=world.a.auth())
    found = pointers(assert_problem(response, 422))
    assert set(found) == {"#/email", "#/display_name", "#/organisation_id", "#/roles"}


def test_list_item_errors_point_at_their_index(client, world):
    response = client.post(
        memberships_url(world),
        json=new_member(world, roles=["practitioner", 5]),
        headers=world.a.auth(),
    )
    found = pointers(assert_problem(response, 422))
    assert set(found) == {"#/roles/1"}


def test_rule_breaking_input_is_422_problem_and_leaves_no_user(client, world, admin_engine):
    users_before = count(admin_engine, "SELECT count(*) FROM user_account")
    events_before = count(admin_engine, "SELECT count(*) FROM audit_event")
    response = client.post(
        memberships_url(world),
        json=new_member(world, roles=["no_such_role"]),
        headers=world.a.auth(),
    )
    found = pointers(assert_problem(response, 422))
    assert "no_such_role" in found["#/roles"]
    assert count(admin_engine, "SELECT count(*) FROM user_account") == users_before
    assert (
        count(
            admin_engine,
            "SELECT count(*) FROM user_account WHERE email = :e",
            e="new.person@tenant-a.example",
        )
        == 0
    )
    assert count(admin_engine, "SELECT count(*) FROM audit_event") == events_before
    assert count(admin_engine, "SELECT count(*) FROM membership") == 9


def test_other_tenants_organisation_is_422_problem_and_leaves_no_user(client, world, admin_engine):
    response = client.post(
        memberships_url(world),
        json=new_member(world, organisation_id=str(world.b.ids["organisation"][0])),
        headers=world.a.auth(),
    )
    assert "#/organisation_id" in pointers(assert_problem(response, 422))
    assert (
        count(
            admin_engine,
            "SELECT count(*) FROM user_account WHERE email = :e",
            e="new.person@tenant-a.example",
        )
        == 0
    )


@pytest.fixture
def crashing_app(database_urls, tmp_path):
    """A throwaway app, not in testing mode (so errors are handled as in production)."""
    from core import create_app

    app = create_app(app_config(database_urls, tmp_path, TESTING=False))

    def boom():
        raise RuntimeError("secret-internal-detail NHS 943 476 5919")

    boom.is_public = True
    app.add_url_rule("/api/v1/boom", "api_boom", boom)
    app.add_url_rule("/boom", "page_boom", boom)
    return app


def test_unexpected_error_is_500_problem_without_exception_text(crashing_app):
    response = crashing_app.test_client().get("/api/v1/boom")
    body = assert_problem(response, 500)
    text = response.get_data(as_text=True)
    assert body["detail"] == "Something went wrong"
    assert body["title"] == "Something went wrong"
    assert "secret-internal-detail" not in text
    assert "RuntimeError" not in text
    assert "943" not in text
    assert set(body) == {"type", "title", "status", "detail", "instance"}


def test_unexpected_error_echoes_callers_request_id_in_500_problem(crashing_app):
    response = crashing_app.test_client().get(
        "/api/v1/boom", headers={"X-Request-ID": "trace-1234567"}
    )
    body = assert_problem(response, 500)
    assert body["instance"] == "urn:request:trace-1234567"


def test_unexpected_error_is_500_page_without_exception_text_outside_api(crashing_app):
    response = crashing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "secret-internal-detail" not in text
    assert "RuntimeError" not in text
    assert response.headers["X-Request-ID"] in text


def test_problem_body_is_json_with_problem_media_type(client):
    response = client.get("/api/v1/nowhere")
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert json.loads(response.get_data(as_text=True))["status"] == 404
