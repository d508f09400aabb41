"""Local sign-in, throttling, sessions, sign-out, and the browser safety of every response."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD


def sign_in(client, email: str, password: str = PASSWORD, next_url: str | None = None):
    url = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def failures(admin_engine, email: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(
            sa.text("SELECT count(*) FROM sign_in_failure WHERE email = :e"), {"e": email}
        ).scalar_one()


def audit_actions(admin_engine, action_prefix: str = "sign_in.") -> list[tuple[str, str, dict]]:
    with admin_engine.connect() as conn:
        return [
            (r.action, r.outcome, r.details)
            for r in conn.execute(
                sa.text(
                    "SELECT action, outcome, details FROM audit_event "
                    "WHERE action LIKE :p ORDER BY at"
                ),
                {"p": action_prefix + "%"},
            )
        ]


def location_path(response) -> str:
    return urlsplit(response.headers["Location"]).path


def test_sign_in_sets_session_and_redirects_when_credentials_are_right(client, world, admin_engine):
    response = sign_in(client, world.a.emails["admin"])
    assert response.status_code == 302
    assert location_path(response) == "/"
    with client.session_transaction() as session:
        assert session["_user_id"].endswith(":0")
    assert client.get(f"/{world.a.slug}/").status_code == 200
    assert [a[:2] for a in audit_actions(admin_engine)] == [("sign_in.success", "success")]
    with admin_engine.connect() as conn:
        signed_in_at = conn.execute(
            sa.text("SELECT last_signed_in_at FROM user_account WHERE email = :e"),
            {"e": world.a.emails["admin"]},
        ).scalar_one()
    assert signed_in_at is not None


def test_sign_in_accepts_email_in_any_case(client, world):
    response = sign_in(client, world.a.emails["admin"].upper())
    assert response.status_code == 302


def test_sign_in_redirects_to_next_when_it_is_a_safe_path(client, world):
    response = sign_in(client, world.a.emails["admin"], next_url=f"/{world.a.slug}/")
    assert response.status_code == 302
    assert location_path(response) == f"/{world.a.slug}/"


@pytest.mark.parametrize("next_url", ["//evil.example", "https://evil.example/", "/%09/evil"])
def test_sign_in_ignores_next_when_it_leads_off_site(client, world, next_url):
    response = sign_in(client, world.a.emails["admin"], next_url=next_url)
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
    assert location_path(response) == "/"


def test_sign_in_gives_same_message_when_password_wrong_or_email_unknown(client, world):
    wrong_password = sign_in(client, world.a.emails["admin"], "not the password at all")
    unknown_email = sign_in(client, "nobody@nowhere.example", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 200
    message = "Enter a correct email address and password"
    assert message in wrong_password.get_data(as_text=True)
    assert message in unknown_email.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_sign_in_records_failure_and_audit_event_when_password_is_wrong(
    client, world, admin_engine
):
    email = world.a.emails["admin"]
    sign_in(client, email, "not the password at all")
    assert failures(admin_engine, email) == 1
    events = audit_actions(admin_engine)
    assert events == [("sign_in.failure", "refused", {"email": email})]
    with admin_engine.connect() as conn:
        stored = " ".join(
            str(v) for row in conn.execute(sa.text("SELECT * FROM audit_event")) for v in row
        )
    assert "not the password at all" not in stored


def test_sign_in_refuses_deactivated_user_with_same_message(client, world, admin_engine):
    email = world.a.emails["admin"]
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_account SET is_active = false WHERE email = :e"), {"e": email}
        )
    response = sign_in(client, email)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.get_data(as_text=True)
    assert failures(admin_engine, email) == 1


def test_sign_in_is_throttled_after_five_failures_even_with_right_password(
    client, world, admin_engine
):
    email = world.a.emails["admin"]
    for _ in range(5):
        assert sign_in(client, email, "not the password at all").status_code == 200
    response = sign_in(client, email)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert ("sign_in.throttled", "refused", {"email": email}) in audit_actions(admin_engine)
    # Another account is not affected by this one's failures.
    assert sign_in(client, world.a.emails["practitioner"]).status_code == 302


def test_sign_in_is_not_throttled_after_four_failures(client, world):
    email = world.a.emails["admin"]
    for _ in range(4):
        sign_in(client, email, "not the password at all")
    assert sign_in(client, email).status_code == 302


def test_raising_session_epoch_signs_person_out(client, world, admin_engine):
    sign_in(client, world.a.emails["admin"])
    assert client.get(f"/{world.a.slug}/").status_code == 200
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE user_account SET session_epoch = session_epoch + 1 WHERE email = :e"),
            {"e": world.a.emails["admin"]},
        )
    response = client.get(f"/{world.a.slug}/")
    assert response.status_code == 302
    assert location_path(response) == "/sign-in"


def test_tenant_page_is_404_when_signed_in_person_is_not_a_member(client, world):
    sign_in(client, world.a.emails["admin"])
    assert client.get(f"/{world.b.slug}/").status_code == 404
    assert client.get("/no-such-tenant/").status_code == 404


def test_tenant_page_is_404_when_membership_is_inactive(client, world, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE membership SET active = false WHERE id = :id"),
            {"id": world.a.memberships["practitioner"]},
        )
    assert client.get(f"/{world.a.slug}/").status_code == 404


def test_tenant_page_redirects_anonymous_person_to_sign_in_with_next(client, world):
    response = client.get(f"/{world.a.slug}/")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/sign-in"
    assert parse_qs(location.query)["next"] == [f"/{world.a.slug}/"]


def test_unknown_tenant_page_redirects_anonymous_person_like_a_real_one(client, world):
    real = client.get(f"/{world.a.slug}/")
    fake = client.get("/no-such-tenant/")
    assert fake.status_code == real.status_code == 302
    assert location_path(fake) == "/sign-in"


def test_sign_out_clears_session(client, world):
    sign_in(client, world.a.emails["admin"])
    response = client.post("/sign-out")
    assert response.status_code == 302
    assert location_path(response) == "/sign-in"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get(f"/{world.a.slug}/").status_code == 302


def test_sign_out_does_nothing_when_requested_with_get(client, world):
    sign_in(client, world.a.emails["admin"])
    client.get("/sign-out", follow_redirects=True)
    with client.session_transaction() as session:
        assert "_user_id" in session
    assert client.get(f"/{world.a.slug}/").status_code == 200


def test_session_cookie_is_httponly_and_samesite_lax(client, world):
    response = sign_in(client, world.a.emails["admin"])
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    session_cookies = [c for c in cookies if c.startswith("session=")]
    assert session_cookies, cookies
    for cookie in session_cookies:
        attributes = {a.strip().lower() for a in cookie.split(";")}
        assert "httponly" in attributes
        assert "samesite=lax" in attributes


def test_session_cookie_is_secure_when_configured(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    response = sign_in(client, world.a.emails["admin"])
    cookie = next(v for k, v in response.headers.items() if k == "Set-Cookie")
    assert "secure" in {a.strip().lower() for a in cookie.split(";")}
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]


def test_security_headers_are_set_on_pages(client, world):
    assert_security_headers(client.get("/sign-in"))
    sign_in(client, world.a.emails["admin"])
    page = client.get(f"/{world.a.slug}/")
    assert page.status_code == 200
    assert_security_headers(page)
    assert page.headers["Cache-Control"] == "no-store"


def test_security_headers_are_set_on_api_responses(client, world):
    response = client.get(f"/api/v1/{world.a.slug}/me", headers=world.a.auth())
    assert response.status_code == 200
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/no/such/page", "/api/v1/no/such/thing", "/api/v1/x-y/me"])
def test_security_headers_are_set_on_error_responses(client, path):
    response = client.get(path)
    assert response.status_code in (401, 404)
    assert_security_headers(response)


def test_security_headers_are_set_on_html_error_page_for_non_member(client, world):
    sign_in(client, world.a.emails["admin"])
    response = client.get(f"/{world.b.slug}/")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert_security_headers(response)


def test_create_admin_command_creates_tenant_admin_membership(app, client, world, admin_engine):
    email = "new.admin@tenant-a.example"
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create-admin",
            "--email",
            email,
            "--name",
            "New Admin",
            "--tenant",
            world.a.slug,
            "--password",
            PASSWORD,
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{email} is tenant_admin of {world.a.slug}" in result.output
    with admin_engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT m.roles, m.active, m.tenant_id, o.key FROM membership m "
                "JOIN user_account u ON u.id = m.user_id "
                "JOIN organisation o ON o.id = m.organisation_id WHERE u.email = :e"
            ),
            {"e": email},
        ).one()
    assert row.roles == ["tenant_admin"]
    assert row.active is True
    assert row.tenant_id == world.a.tenant_id
    assert row.key == "home"  # the trust sharing the tenant's ODS code, not the partner
    assert sign_in(client, email, next_url=f"/{world.a.slug}/").status_code == 302
    assert client.get(f"/{world.a.slug}/").status_code == 200


def test_create_admin_command_refuses_short_password(app, world, admin_engine):
    result = app.test_cli_runner().invoke(
        args=["users", "create-admin", "--email", "x@tenant-a.example", "--password", "short"],
    )
    assert result.exit_code != 0
    assert "at least" in result.output
    with admin_engine.connect() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM user_account WHERE email = 'x@tenant-a.example'")
            ).scalar_one()
            == 0
        )
