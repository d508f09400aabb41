"""Tenant admin pages: people (list, add, change, deactivate, sign out everywhere),
organisations, roles and the audit log viewer; permissions and tenant isolation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD


def sign_in(client, email: str) -> None:
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def admin(client, world):
    sign_in(client, world.a.emails["admin"])
    return client


def base(world) -> str:
    return f"/{world.a.slug}/admin"


def membership_row(admin_engine, membership_id) -> dict:
    with admin_engine.connect() as conn:
        return dict(
            conn.execute(
                sa.text(
                    "SELECT roles, active, version, organisation_id FROM membership WHERE id = :id"
                ),
                {"id": membership_id},
            )
            .mappings()
            .one()
        )


def audit_actions(admin_engine, tenant_id, action: str) -> list[dict]:
    with admin_engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(
                sa.text(
                    "SELECT action, object_type, object_id, details FROM audit_event "
                    "WHERE tenant_id = :t AND action = :a ORDER BY at"
                ),
                {"t": tenant_id, "a": action},
            ).mappings()
        ]


def home_org(world) -> str:
    return str(world.a.ids["organisation"][0])


def jcp_org(world) -> str:
    return str(world.a.ids["organisation"][1])


# --- Every page renders; the sub-navigation marks where you are --------------------------------


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/people", "<h1>People</h1>"),
        ("/people/new", "<h1>Add a person</h1>"),
        ("/organisations", "<h1>Organisations</h1>"),
        ("/roles", "<h1>Roles</h1>"),
        ("/audit", "<h1>Audit log</h1>"),
    ],
)
def test_admin_pages_render_for_the_tenant_admin(client, world, path, heading):
    response = admin(client, world).get(base(world) + path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert heading in html
    assert 'aria-label="Administration"' in html
    assert html.count('aria-current="page"') >= 1


def test_subnav_marks_the_current_page(client, world):
    html = admin(client, world).get(base(world) + "/roles").get_data(as_text=True)
    nav = html.split('aria-label="Administration"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{base(world)}/roles" aria-current="page">Roles' in nav
    assert f'href="{base(world)}/people">People' in nav


def test_person_page_and_change_form_render(client, world):
    admin(client, world)
    membership_id = world.a.memberships["practitioner"]
    person = client.get(f"{base(world)}/people/{membership_id}")
    assert person.status_code == 200
    html = person.get_data(as_text=True)
    assert "Practitioner of tenant-a" in html
    assert "Sign this person out everywhere" in html
    assert "in every tenant" in html
    change = client.get(f"{base(world)}/people/{membership_id}/change")
    assert change.status_code == 200
    html = change.get_data(as_text=True)
    assert 'name="version" value="1"' in html
    assert "Save changes" in html


def test_people_list_shows_people_roles_and_organisations(client, world):
    html = admin(client, world).get(base(world) + "/people").get_data(as_text=True)
    for person in ("Admin of tenant-a", "Practitioner of tenant-a", "Partner of tenant-a"):
        assert person in html
    assert "Tenant administrator" in html
    assert "Partner advisor" in html
    assert "Job Centre Plus" in html
    assert "3 people" in html
    assert "Add a person" in html
    assert "of tenant-b" not in html


def table(html: str) -> str:
    """The rows of the page's table (the header names the signed-in person too)."""
    return html.split("<tbody", 1)[1].split("</tbody>", 1)[0] if "<tbody" in html else ""


def test_people_list_filters_by_organisation_and_role(client, world):
    admin(client, world)
    by_org = client.get(f"{base(world)}/people?organisation={jcp_org(world)}")
    rows = table(by_org.get_data(as_text=True))
    assert "Partner of tenant-a" in rows
    assert "Practitioner of tenant-a" not in rows
    by_role = client.get(f"{base(world)}/people?role=practitioner")
    html = by_role.get_data(as_text=True)
    assert "Practitioner of tenant-a" in table(html)
    assert "Admin of tenant-a" not in table(html)
    assert "1 person match these filters" in html
    nobody = client.get(f"{base(world)}/people?organisation={jcp_org(world)}&role=tenant_admin")
    assert "No people match these filters" in nobody.get_data(as_text=True)


def test_organisations_page_is_read_only_and_names_the_tenant_file(client, world):
    html = admin(client, world).get(base(world) + "/organisations").get_data(as_text=True)
    assert "Home Trust" in html
    assert "Job Centre Plus" in html
    assert "NHS trust or provider" in html  # the kind's label, not its code
    assert f"tenants/{world.a.slug}.toml" in html
    assert "platform team" in html
    assert "<form" not in html.split("<h1>Organisations</h1>", 1)[1]


def test_roles_page_lists_tenant_roles_with_permissions(client, world):
    html = admin(client, world).get(base(world) + "/roles").get_data(as_text=True)
    assert "Tenant administrator" in html
    assert "Partner advisor" in html
    assert "For partner organisations" in html
    assert "memberships.write" in html
    assert "Add people, change their roles and organisation." in html


def test_admin_link_in_navigation_only_for_people_who_may_see_it(client, world):
    html = admin(client, world).get(f"/{world.a.slug}/").get_data(as_text=True)
    assert f'href="{base(world)}/people"' in html
    client.post("/sign-out")
    sign_in(client, world.a.emails["practitioner"])
    html = client.get(f"/{world.a.slug}/").get_data(as_text=True)
    assert f'href="{base(world)}/people"' not in html


# --- Permissions and isolation -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/people", "/people/new", "/roles", "/audit"])
def test_practitioner_gets_403_on_admin_pages(client, world, path):
    sign_in(client, world.a.emails["practitioner"])
    assert client.get(base(world) + path).status_code == 403


def test_practitioner_cannot_change_people(client, world, admin_engine):
    sign_in(client, world.a.emails["practitioner"])
    target = world.a.memberships["partner"]
    assert client.get(f"{base(world)}/people/{target}").status_code == 403
    response = client.post(
        f"{base(world)}/people/{target}/change",
        data={
            "organisation_id": jcp_org(world),
            "roles": ["partner_advisor"],
            "active": "inactive",
            "version": "1",
        },
    )
    assert response.status_code == 403
    assert client.post(f"{base(world)}/people/{target}/sign-out-everywhere").status_code == 403
    assert membership_row(admin_engine, target)["active"] is True


def test_unsigned_visitor_is_sent_to_sign_in(client, world):
    response = client.get(base(world) + "/people")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("suffix", ["", "/change"])
def test_another_tenants_membership_is_404(client, world, suffix):
    admin(client, world)
    other = world.b.memberships["practitioner"]
    assert client.get(f"{base(world)}/people/{other}{suffix}").status_code == 404
    assert client.get(f"{base(world)}/people/not-a-uuid{suffix}").status_code == 404


def test_changing_or_signing_out_another_tenants_person_is_404_and_changes_nothing(
    client, world, admin_engine
):
    admin(client, world)
    other = world.b.memberships["practitioner"]
    change = client.post(
        f"{base(world)}/people/{other}/change",
        data={
            "organisation_id": home_org(world),
            "roles": ["practitioner"],
            "active": "inactive",
            "version": "1",
        },
    )
    assert change.status_code == 404
    sign_out = client.post(f"{base(world)}/people/{other}/sign-out-everywhere")
    assert sign_out.status_code == 404
    assert membership_row(admin_engine, other)["active"] is True
    with admin_engine.connect() as conn:
        epoch = conn.execute(
            sa.text("SELECT session_epoch FROM user_account WHERE email = :e"),
            {"e": world.b.emails["practitioner"]},
        ).scalar_one()
    assert epoch == 0


# --- Add a person ------------------------------------------------------------------------------


def test_add_a_person_creates_their_membership(client, world, admin_engine):
    admin(client, world)
    response = client.post(
        f"{base(world)}/people/new",
        data={
            "email": "New.Person@Tenant-A.example",
            "display_name": "New Person",
            "organisation_id": home_org(world),
            "roles": ["practitioner", "caldicott_guardian"],
        },
    )
    assert response.status_code == 302
    assert f"{base(world)}/people/" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert "New Person has been added." in page.get_data(as_text=True)

    listed = client.get(f"/api/v1/{world.a.slug}/memberships", headers=world.a.auth("admin"))
    added = [m for m in listed.json if m["user"]["email"] == "new.person@tenant-a.example"]
    assert len(added) == 1
    assert added[0]["roles"] == ["caldicott_guardian", "practitioner"]
    assert added[0]["organisation"]["id"] == home_org(world)
    assert len(audit_actions(admin_engine, world.a.tenant_id, "membership.create")) == 1


def test_partner_organisation_with_trust_role_shows_error_and_keeps_input(
    client, world, admin_engine
):
    admin(client, world)
    response = client.post(
        f"{base(world)}/people/new",
        data={
            "email": "advisor@jcp.example",
            "display_name": "Pat Advisor",
            "organisation_id": jcp_org(world),
            "roles": ["practitioner"],
        },
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Error: Add a person" in html
    assert "There is a problem" in html
    assert "Staff of a partner organisation cannot have: practitioner." in html
    assert 'href="#roles"' in html
    assert 'value="advisor@jcp.example"' in html
    assert 'value="Pat Advisor"' in html
    assert f'value="{jcp_org(world)}" selected' in html
    assert 'value="practitioner" checked' in html
    with admin_engine.connect() as conn:
        users = conn.execute(
            sa.text("SELECT count(*) FROM user_account WHERE email = 'advisor@jcp.example'")
        ).scalar_one()
    assert users == 0
    assert audit_actions(admin_engine, world.a.tenant_id, "membership.create") == []


def test_add_a_person_lists_every_missing_field(client, world):
    admin(client, world)
    response = client.post(f"{base(world)}/people/new", data={"email": "not an email"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Enter an email address in the correct format" in html
    assert "Enter their full name" in html
    assert "Choose the organisation they work for" in html
    assert "Choose at least one role" in html


def test_adding_someone_already_here_says_so(client, world):
    admin(client, world)
    response = client.post(
        f"{base(world)}/people/new",
        data={
            "email": world.a.emails["practitioner"],
            "display_name": "Again",
            "organisation_id": home_org(world),
            "roles": ["practitioner"],
        },
    )
    assert response.status_code == 200
    assert "already has a membership in this tenant" in response.get_data(as_text=True)


# --- Change a person ---------------------------------------------------------------------------


def change(client, world, membership_id, **data):
    body = {
        "organisation_id": home_org(world),
        "roles": ["practitioner"],
        "active": "active",
        "version": "1",
    }
    body.update(data)
    return client.post(f"{base(world)}/people/{membership_id}/change", data=body)


def test_change_roles_saves_and_audits(client, world, admin_engine):
    admin(client, world)
    target = world.a.memberships["practitioner"]
    response = change(client, world, target, roles=["practitioner", "caldicott_guardian"])
    assert response.status_code == 302
    row = membership_row(admin_engine, target)
    assert row["roles"] == ["caldicott_guardian", "practitioner"]
    assert row["version"] == 2
    events = audit_actions(admin_engine, world.a.tenant_id, "membership.update")
    assert [e["object_id"] for e in events] == [str(target)]


def test_change_with_stale_version_says_someone_else_changed_it_and_changes_nothing(
    client, world, admin_engine
):
    admin(client, world)
    target = world.a.memberships["practitioner"]
    # Someone else saves first (through the API), so the form's version 1 is out of date.
    api = client.patch(
        f"/api/v1/{world.a.slug}/memberships/{target}",
        json={"roles": ["practitioner", "caldicott_guardian"]},
        headers={**world.a.auth("admin"), "If-Match": f'"{target}-1"'},
    )
    assert api.status_code == 200
    response = change(client, world, target, roles=["practitioner"], active="inactive")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Someone else changed this person’s membership" in page
    assert 'name="version" value="2"' in page
    row = membership_row(admin_engine, target)
    assert row["roles"] == ["caldicott_guardian", "practitioner"]
    assert row["active"] is True
    assert row["version"] == 2


def test_moving_a_person_to_a_partner_keeps_the_service_rule(client, world, admin_engine):
    admin(client, world)
    target = world.a.memberships["practitioner"]
    response = change(client, world, target, organisation_id=jcp_org(world))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Staff of a partner organisation cannot have: practitioner." in html
    assert f'value="{jcp_org(world)}" selected' in html
    assert str(membership_row(admin_engine, target)["organisation_id"]) == home_org(world)


def test_deactivating_ends_access_at_once(client, world, admin_engine):
    me = f"/api/v1/{world.a.slug}/me"
    assert client.get(me, headers=world.a.auth("practitioner")).status_code == 200
    admin(client, world)
    target = world.a.memberships["practitioner"]
    response = change(client, world, target, active="inactive")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "has been deactivated" in page
    assert membership_row(admin_engine, target)["active"] is False
    assert client.get(me, headers=world.a.auth("practitioner")).status_code == 401


def test_you_cannot_deactivate_yourself(client, world, admin_engine):
    admin(client, world)
    me = world.a.memberships["admin"]
    response = change(client, world, me, roles=["tenant_admin", "canary_keeper"], active="inactive")
    assert response.status_code == 200
    assert "You cannot deactivate your own membership" in response.get_data(as_text=True)
    assert membership_row(admin_engine, me)["active"] is True


# --- Sign out everywhere -----------------------------------------------------------------------


def test_sign_out_everywhere_bumps_epoch_and_ends_their_session(app, client, world, admin_engine):
    theirs = app.test_client()
    sign_in(theirs, world.a.emails["practitioner"])
    assert theirs.get(f"/{world.a.slug}/").status_code == 200

    admin(client, world)
    target = world.a.memberships["practitioner"]
    response = client.post(f"{base(world)}/people/{target}/sign-out-everywhere")
    assert response.status_code == 302
    assert "signed out everywhere" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with admin_engine.connect() as conn:
        epoch = conn.execute(
            sa.text("SELECT session_epoch FROM user_account WHERE email = :e"),
            {"e": world.a.emails["practitioner"]},
        ).scalar_one()
    assert epoch == 1
    ended = theirs.get(f"/{world.a.slug}/")
    assert ended.status_code == 302
    assert "/sign-in" in ended.headers["Location"]
    events = audit_actions(admin_engine, world.a.tenant_id, "user.sign_out_everywhere")
    assert len(events) == 1
    assert events[0]["details"]["membership_id"] == str(target)
    # The administrator's own session is untouched.
    assert client.get(base(world) + "/people").status_code == 200


# --- Audit log viewer --------------------------------------------------------------------------


def add_old_event(admin_engine, tenant_id, at: datetime, action: str = "test.old") -> None:
    with admin_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_event (id, tenant_id, at, action, outcome, object_type, "
                "object_id, details, actor_label, source_address, request_id) VALUES "
                "(:id, :t, :at, :a, 'success', 'client', 'abc', CAST(:d AS jsonb), "
                "'someone@tenant-a.example', '10.0.0.1', 'req-old-1')"
            ),
            {"id": uuid.uuid4(), "t": tenant_id, "at": at, "a": action, "d": '{"why": "test"}'},
        )


def test_audit_viewer_shows_events_newest_first_and_audits_the_reading(client, world, admin_engine):
    add_old_event(admin_engine, world.a.tenant_id, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    add_old_event(admin_engine, world.a.tenant_id, datetime.now(UTC), "test.newest")
    admin(client, world)
    html = client.get(base(world) + "/audit").get_data(as_text=True)
    assert html.index("test.newest") < html.index("test.seed") < html.index("test.old")
    assert "1 January 2026, 12:00pm" in html
    assert "10.0.0.1" in html
    assert "req-old-1" in html
    assert "why: test" in html
    reads = audit_actions(admin_engine, world.a.tenant_id, "audit.read")
    assert len(reads) == 1
    # A's administrator has no membership in B: B's audit log does not exist for them.
    assert client.get(f"/{world.b.slug}/admin/audit").status_code == 404


def test_audit_viewer_filters_by_action(client, world, admin_engine):
    add_old_event(admin_engine, world.a.tenant_id, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    admin(client, world)
    html = client.get(base(world) + "/audit?action=test.old").get_data(as_text=True)
    assert "test.old" in html
    assert "<code>test.seed</code>" not in html
    assert "1 event match these filters" in html
    none = client.get(base(world) + "/audit?action=nothing.like.this").get_data(as_text=True)
    assert "No events match these filters" in none
    reads = audit_actions(admin_engine, world.a.tenant_id, "audit.read")
    assert reads[0]["details"]["filters"] == {"action": "test.old"}


def test_audit_viewer_filters_by_dates(client, world, admin_engine):
    add_old_event(admin_engine, world.a.tenant_id, datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    add_old_event(
        admin_engine, world.a.tenant_id, datetime(2026, 1, 3, 12, 0, tzinfo=UTC), "test.later"
    )
    admin(client, world)
    one_day = (
        "?since[day]=1&since[month]=1&since[year]=2026&until[day]=1&until[month]=1&until[year]=2026"
    )
    html = client.get(base(world) + "/audit" + one_day).get_data(as_text=True)
    assert "<code>test.old</code>" in html
    assert "<code>test.later</code>" not in html
    assert "<code>test.seed</code>" not in html
    assert 'value="2026"' in html  # the typed dates are kept

    today = datetime.now(ZoneInfo("Europe/London")).date()
    from_today = f"?since[day]={today.day}&since[month]={today.month}&since[year]={today.year}"
    html = client.get(base(world) + "/audit" + from_today).get_data(as_text=True)
    assert "<code>test.seed</code>" in html
    assert "<code>test.old</code>" not in html


def test_audit_viewer_explains_bad_dates(client, world):
    admin(client, world)
    backwards = (
        "?since[day]=5&since[month]=1&since[year]=2026&until[day]=1&until[month]=1&until[year]=2026"
    )
    response = client.get(base(world) + "/audit" + backwards)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: Audit log" in html
    assert "must be the same as or after" in html
    assert 'href="#until-day"' in html
    unreal = client.get(base(world) + "/audit?since[day]=31&since[month]=2&since[year]=2026")
    assert "From must be a real date" in unreal.get_data(as_text=True)


def test_audit_viewer_filters_by_person(client, world, admin_engine):
    admin(client, world)
    with admin_engine.connect() as conn:
        practitioner = conn.execute(
            sa.text("SELECT id FROM user_account WHERE email = :e"),
            {"e": world.a.emails["practitioner"]},
        ).scalar_one()
    html = client.get(f"{base(world)}/audit?person={practitioner}").get_data(as_text=True)
    assert "No events match these filters" in html
    html = client.get(f"{base(world)}/audit?person=someone-else").get_data(as_text=True)
    assert "Choose a person from the list" in html


def test_admins_sign_themselves_out_from_their_account_page_not_here(client, world, admin_engine):
    admin(client, world)
    me = world.a.memberships["admin"]
    page = client.get(f"{base(world)}/people/{me}").get_data(as_text=True)
    assert 'use <a href="/account/">your account page</a>' in page
    response = client.post(f"{base(world)}/people/{me}/sign-out-everywhere")
    assert response.status_code == 302
    assert client.get(base(world) + "/people").status_code == 200  # still signed in
    with admin_engine.connect() as conn:
        epoch = conn.execute(
            sa.text("SELECT session_epoch FROM user_account WHERE email = :e"),
            {"e": world.a.emails["admin"]},
        ).scalar_one()
    assert epoch == 0
