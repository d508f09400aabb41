"""Partner SSO against the real oidc-provider (issue 6; SECURITY A1-A3, A5).

Every refusal must show a clear page, write an audit event in the tenant and create nothing.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from tests.sso.conftest import (
    APP_BASE,
    DEMO_USERS,
    audit_events,
    counts,
    provider_config,
    relative,
    set_providers,
    sso_sign_in,
    start,
    through_provider,
)

pytestmark = pytest.mark.usefixtures("world")


def _membership(admin_engine, tenant_id, subject):
    with admin_engine.connect() as conn:
        return (
            conn.execute(
                sa.text(
                    "SELECT m.roles, m.active, o.key AS organisation, u.email, u.password_hash, "
                    "i.email AS contact_email, i.issuer FROM sso_identity i "
                    "JOIN user_account u ON u.id = i.user_id "
                    "JOIN membership m ON m.user_id = u.id AND m.tenant_id = i.tenant_id "
                    "JOIN organisation o ON o.id = m.organisation_id "
                    "WHERE i.tenant_id = :t AND i.subject = :s"
                ),
                {"t": tenant_id, "s": subject},
            )
            .mappings()
            .one_or_none()
        )


def _refused(admin_engine, before, journey, reason, status=None):
    """The callback (or start) refused with our page, audited, and stored nothing."""
    response = journey.response
    assert response is not None
    if status:
        assert response.status_code == status
    else:
        assert response.status_code >= 400
    page = response.get_data(as_text=True)
    assert "You cannot sign in" in page
    assert f'data-sso-refusal="{reason}"' in page
    assert counts(admin_engine) == before
    events = audit_events(admin_engine, "sso.sign_in.refused")
    assert events and events[-1]["details"]["reason"] == reason
    assert events[-1]["tenant_id"] is not None
    return events[-1]


def test_sign_in_provisions_user_membership_and_roles_just_in_time(
    client, world, admin_engine, oidc_provider
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    before = counts(admin_engine)

    journey = sso_sign_in(client, "tenant-a")

    assert journey.response.status_code == 302
    assert journey.response.location.endswith("/tenant-a/")
    after = counts(admin_engine)
    assert after == {k: v + 1 for k, v in before.items()}
    row = _membership(admin_engine, world.a.tenant_id, "jcp-coach-0001")
    assert row["roles"] == ["partner_advisor"] and row["active"] is True
    assert row["organisation"] == "jcp" and row["issuer"] == oidc_provider.issuer
    # Email is contact detail only: never matched, never the login of a local account.
    assert row["contact_email"] == "partner@tenant-a.example"
    assert row["email"].endswith("@tenant-a.sso.invalid") and row["password_hash"] is None
    assert client.get("/tenant-a/").status_code == 200
    success = audit_events(admin_engine, "sso.sign_in.success")
    assert len(success) == 1 and success[0]["tenant_id"] == world.a.tenant_id
    assert len(audit_events(admin_engine, "sso.user.provisioned")) == 1

    # Signing in again finds the same identity: nothing new.
    client.post("/sign-out")
    again = sso_sign_in(client, "tenant-a")
    assert again.response.status_code == 302
    assert counts(admin_engine) == after


@pytest.mark.hazard("HAZ-011")
def test_email_claim_never_links_to_an_existing_local_account(
    client, world, admin_engine, oidc_provider
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    sso_sign_in(client, "tenant-a")
    with admin_engine.connect() as conn:
        local = conn.execute(
            sa.text("SELECT id FROM user_account WHERE email = 'partner@tenant-a.example'")
        ).scalar_one()
        linked = conn.execute(sa.text("SELECT user_id FROM sso_identity")).scalar_one()
    assert local != linked


@pytest.mark.hazard("HAZ-011")
def test_same_person_in_two_tenants_gets_two_separate_users(
    client, app, world, admin_engine, oidc_provider
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    set_providers(
        admin_engine,
        "tenant-b",
        [provider_config("tenant-b", oidc_provider.issuer, name="college")],
    )
    assert sso_sign_in(client, "tenant-a").response.status_code == 302
    other = app.test_client()
    assert sso_sign_in(other, "tenant-b", name="college").response.status_code == 302

    a = _membership(admin_engine, world.a.tenant_id, "jcp-coach-0001")
    b = _membership(admin_engine, world.b.tenant_id, "jcp-coach-0001")
    assert a and b and a["email"] != b["email"]
    # Each session reaches only its own tenant.
    assert client.get("/tenant-b/").status_code == 404
    assert other.get("/tenant-a/").status_code == 404
    assert other.get("/tenant-b/").status_code == 200


def test_wrong_state_is_refused(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    before = counts(admin_engine)
    first = start(client, "tenant-a")
    callback, _ = through_provider(first.location, "jcp-coach")
    tampered = callback.replace("state=", "state=x")
    response = client.get(relative(tampered))
    _refused(admin_engine, before, type("J", (), {"response": response})(), "state_mismatch", 400)


@pytest.mark.hazard("HAZ-011")
def test_callback_for_another_provider_than_started_is_refused(
    client, world, admin_engine, oidc_provider
):
    """Mix-up defence (SECURITY A3): a flow started for provider A cannot finish as B."""
    set_providers(
        admin_engine,
        "tenant-a",
        [
            provider_config("tenant-a", oidc_provider.issuer),
            provider_config("tenant-a", oidc_provider.issuer, name="college"),
        ],
    )
    before = counts(admin_engine)
    first = start(client, "tenant-a", "jcp")
    callback, _ = through_provider(first.location, "jcp-coach")
    response = client.get(relative(callback).replace("/jcp/callback", "/college/callback"))
    _refused(admin_engine, before, type("J", (), {"response": response})(), "state_mismatch", 400)


def test_wrong_nonce_is_refused(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    before = counts(admin_engine)
    first = start(client, "tenant-a")
    with client.session_transaction() as session:
        key = next(k for k in session if k.startswith("_state_sso:"))
        data = dict(session[key])
        data["data"] = {**data["data"], "nonce": "not-the-nonce-we-sent"}
        session[key] = data
    callback, _ = through_provider(first.location, "jcp-coach")
    response = client.get(relative(callback))
    event = _refused(
        admin_engine, before, type("J", (), {"response": response})(), "invalid_token", 400
    )
    assert "nonce" in event["details"]["detail"]


def test_replayed_code_is_refused(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    first = start(client, "tenant-a")
    with client.session_transaction() as session:
        saved = dict(session)
    callback, _ = through_provider(first.location, "jcp-coach")
    assert client.get(relative(callback)).status_code == 302
    client.post("/sign-out")
    before = counts(admin_engine)

    # An attacker replays the same code with a session that still holds the flow's state.
    with client.session_transaction() as session:
        session.clear()
        session.update(saved)
    response = client.get(relative(callback))
    event = _refused(
        admin_engine, before, type("J", (), {"response": response})(), "token_refused", 400
    )
    assert "invalid_grant" in event["details"]["detail"]


def test_issuer_other_than_the_pinned_one_is_refused(client, world, admin_engine, oidc_provider):
    """The tenant pins ``http://localhost:<port>``; the provider says ``http://127.0.0.1:…``."""
    pinned = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", pinned)])
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    event = _refused(admin_engine, before, journey, "unavailable", 503)
    assert "issuer mismatch" in event["details"]["detail"]


def test_expired_id_token_is_refused(client, world, admin_engine, skewed_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", skewed_provider.issuer)])
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    event = _refused(admin_engine, before, journey, "invalid_token", 400)
    assert "Expired" in event["details"]["detail"] or "exp" in event["details"]["detail"]


def test_unknown_client_is_refused_by_the_provider_and_nothing_is_created(
    client, world, admin_engine, oidc_provider
):
    set_providers(
        admin_engine,
        "tenant-a",
        [provider_config("tenant-a", oidc_provider.issuer, client_id="nobody-knows-me")],
    )
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    # The provider cannot trust an unknown client's redirect URI, so it answers itself.
    assert journey.response is None
    assert journey.provider_response.status_code == 400
    assert "invalid_client" in journey.provider_response.text
    assert counts(admin_engine) == before
    assert audit_events(admin_engine, "sso.sign_in.success") == []


def test_wrong_client_secret_is_refused_at_the_token_endpoint(
    client, world, admin_engine, oidc_provider, monkeypatch
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    monkeypatch.setenv("SSO_TEST_SECRET_TENANT_A", "not-the-secret")
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    event = _refused(admin_engine, before, journey, "token_refused", 400)
    assert "invalid_client" in event["details"]["detail"]


def test_missing_secret_variable_is_refused_clearly(
    client, world, admin_engine, oidc_provider, monkeypatch
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    monkeypatch.delenv("SSO_TEST_SECRET_TENANT_A")
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    event = _refused(admin_engine, before, journey, "not_configured", 503)
    assert "SSO_TEST_SECRET_TENANT_A" in event["details"]["detail"]


def test_unreachable_provider_is_refused(client, world, admin_engine):
    from tests.conftest import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", closed)])
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    _refused(admin_engine, before, journey, "unavailable", 503)
    assert "We cannot reach Job Centre Plus" in journey.response.get_data(as_text=True)


def test_person_whose_claims_map_to_no_role_is_refused(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a", user="no-role")
    _refused(admin_engine, before, journey, "no_role", 403)
    assert "does not give you access" in journey.response.get_data(as_text=True)


@pytest.mark.hazard("HAZ-011")
def test_leaver_loses_access_at_next_sign_in(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    assert sso_sign_in(client, "tenant-a").response.status_code == 302
    client.post("/sign-out")
    users = {**DEMO_USERS, "jcp-coach": {**DEMO_USERS["jcp-coach"], "groups": ["former-staff"]}}
    oidc_provider.set_users(users)
    before = counts(admin_engine)

    journey = sso_sign_in(client, "tenant-a")

    _refused(admin_engine, before, journey, "no_role", 403)
    row = _membership(admin_engine, world.a.tenant_id, "jcp-coach-0001")
    assert row["active"] is False
    assert len(audit_events(admin_engine, "sso.membership.deactivated")) == 1
    assert client.get("/tenant-a/").status_code != 200

    # Back in the group: still refused until an administrator switches the membership on.
    oidc_provider.set_users(DEMO_USERS)
    again = sso_sign_in(client, "tenant-a")
    assert again.response.status_code == 403


def test_partner_advisor_sees_only_shared_clients_after_sso(
    client, world, admin_engine, oidc_provider
):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    assert sso_sign_in(client, "tenant-a").response.status_code == 302
    page = client.get("/tenant-a/clients/")
    assert page.status_code == 200
    text = page.get_data(as_text=True).upper()
    assert "TAYLOR" in text  # shared with Job Centre Plus under consent
    assert "UNSHARED" not in text
    assert "1 CLIENT" in text


def test_required_acr_missing_is_refused(client, world, admin_engine, oidc_provider):
    """SECURITY A1: a tenant requiring an assurance level refuses tokens without it."""
    set_providers(
        admin_engine,
        "tenant-a",
        [provider_config("tenant-a", oidc_provider.issuer, required_acr=["AAL3_ANY"])],
    )
    before = counts(admin_engine)
    journey = sso_sign_in(client, "tenant-a")
    event = _refused(admin_engine, before, journey, "invalid_token", 400)
    assert "acr" in event["details"]["detail"]


def test_sign_out_ends_the_provider_session_too(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    assert sso_sign_in(client, "tenant-a").response.status_code == 302
    response = client.post("/sign-out")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    url = re.search(r'href="([^"]+)" data-end-session', page).group(1).replace("&amp;", "&")
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == oidc_provider.issuer
    assert parts.path == "/session/end"
    assert query["post_logout_redirect_uri"] == [f"{APP_BASE}/sign-in?tenant=tenant-a"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/tenant-a/").status_code == 302  # signed out here either way


def test_sign_in_page_shows_the_tenants_providers(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    page = client.get("/sign-in?next=/tenant-a/").get_data(as_text=True)
    assert "Sign in with Job Centre Plus" in page
    assert "/sso/tenant-a/jcp/start?next=/tenant-a/" in page
    assert "Sign in with Job Centre Plus" in client.get("/sign-in?tenant=tenant-a").get_data(
        as_text=True
    )
    assert "Sign in with" not in client.get("/sign-in?next=/tenant-b/").get_data(as_text=True)
    assert client.get("/sso/no-such-tenant/jcp/start").status_code == 404
    assert client.get("/sso/tenant-a/nope/start").status_code == 404


def test_provider_error_response_is_refused_clearly(client, world, admin_engine, oidc_provider):
    set_providers(admin_engine, "tenant-a", [provider_config("tenant-a", oidc_provider.issuer)])
    before = counts(admin_engine)
    first = start(client, "tenant-a")
    state = parse_qs(urlsplit(first.location).query)["state"][0]
    response = client.get(f"/sso/tenant-a/jcp/callback?error=access_denied&state={state}")
    event = _refused(
        admin_engine, before, type("J", (), {"response": response})(), "provider_error", 400
    )
    assert event["details"]["detail"] == "access_denied"
