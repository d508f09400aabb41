"""Joint caseload meetings: only clients shared with the meeting's Job Centre Plus office may be
discussed, and a work coach sees only their own office's meetings and still-shared clients."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from core.accounts import tokens
from core.accounts.models import Organisation
from core.audit.models import AuditEvent
from core.clients.models import Client, Consent, Share
from core.columns import utcnow
from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.models import IpsJointMeeting, IpsJointMeetingClient
from tests.factories import make_membership, make_user
from tests.form_dates import post_form
from tests.security.harness import sign_in

API = "/api/v1/tenant-a/ips"


def problems(response) -> dict[str, str]:
    """pointer → detail of a 422 problem+json."""
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in response.json["errors"]}


@pytest.fixture
def other_office(app, world):
    """A second Job Centre Plus office in tenant A, a client shared with it only, and a work
    coach of that office (API token)."""
    a = world.a
    with app.app_context(), tenant_context(a.tenant_id):
        office = Organisation(key="jcp-2", name="Eastleigh Jobcentre", kind="job_centre_plus")
        db.session.add(office)
        db.session.flush()
        client = Client(given_name="Lee", family_name="Other", date_of_birth=date(1990, 1, 1))
        db.session.add(client)
        db.session.flush()
        consent = Consent(
            client_id=client.id,
            purpose="jcp_joint_caseload",
            given_on=date(2026, 1, 5),
            method="verbal",
            recorded_by_membership_id=a.memberships["practitioner"],
        )
        db.session.add(consent)
        db.session.flush()
        db.session.add(
            Share(
                client_id=client.id,
                organisation_id=office.id,
                consent_id=consent.id,
                purpose="jcp_joint_caseload",
                created_by_membership_id=a.memberships["practitioner"],
            )
        )
        user_id = make_user("coach2@tenant-a.example", "Second coach")
        coach = make_membership(user_id, office.id, ["jcp_advisor"])
        _token, secret = tokens.issue(coach, "coach 2", 1)
        ids = {"office": str(office.id), "client": str(client.id)}
    return ids | {"auth": {"Authorization": f"Bearer {secret}"}}


def _count(app, world, model) -> int:
    with app.app_context(), tenant_context(world.a.tenant_id):
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _meeting(client_ids, **extra):
    return {
        "held_on": "2026-03-02",
        "attendees": ["Pat Lee, employment specialist", "Sam Green, work coach (JCP)"],
        "notes": "Monthly joint caseload review",
        "clients": [{"client_id": c, "discussion": "Job search going well"} for c in client_ids],
        **extra,
    }


def test_meeting_with_a_shared_client_is_recorded_and_audited(app, world, client):
    a = world.a
    jcp, shared = a.ids["organisation"][1], a.ids["client"][0]
    body = _meeting([str(shared)], actions=[
        {"description": "Book a better-off calculation", "owner": "Pat Lee",
         "due_on": "2026-03-20", "client_id": str(shared)},
    ])  # fmt: skip
    response = post_form(client, f"{API}/job-centres/{jcp}/meetings", json=body, headers=a.auth())
    assert response.status_code == 201, response.json
    meeting = response.json
    assert [c["client_name"] for c in meeting["clients"]] == ["Sam Taylor"]
    assert meeting["actions"][0]["client_name"] == "Sam Taylor"
    assert meeting["organisation_name"] == "Job Centre Plus"
    with app.app_context(), tenant_context(a.tenant_id):
        events = db.session.execute(
            sa.select(AuditEvent).where(AuditEvent.object_id == meeting["id"])
        ).scalars()
        assert [e.action for e in events] == ["ips.joint_meeting.create"]


def test_unshared_client_is_refused_per_field_and_nothing_is_saved(app, world, client):
    a = world.a
    jcp, shared, unshared = a.ids["organisation"][1], *a.ids["client"][:2]
    before = (_count(app, world, IpsJointMeeting), _count(app, world, IpsJointMeetingClient))
    response = post_form(
        client,
        f"{API}/job-centres/{jcp}/meetings",
        json=_meeting([str(shared), str(unshared)]),
        headers=a.auth(),
    )
    errors = problems(response)
    assert list(errors) == ["#/clients/1/client_id"]
    assert "not shared with Job Centre Plus" in errors["#/clients/1/client_id"]
    after = (_count(app, world, IpsJointMeeting), _count(app, world, IpsJointMeetingClient))
    assert after == before


def test_client_shared_with_another_office_is_refused(app, world, client, other_office):
    a = world.a
    jcp = a.ids["organisation"][1]
    response = post_form(
        client,
        f"{API}/job-centres/{jcp}/meetings",
        json=_meeting([other_office["client"]]),
        headers=a.auth(),
    )
    assert "#/clients/0/client_id" in problems(response)
    # ... but it may be discussed with the office it is shared with.
    response = post_form(
        client,
        f"{API}/job-centres/{other_office['office']}/meetings",
        json=_meeting([other_office["client"]]),
        headers=a.auth(),
    )
    assert response.status_code == 201


def test_adding_an_unshared_client_later_is_refused(app, world, client):
    a = world.a
    meeting_id, unshared = a.ids["ips_joint_meeting"][0], a.ids["client"][1]
    response = post_form(
        client,
        f"{API}/meetings/{meeting_id}/clients",
        json={"client_id": str(unshared)},
        headers=a.auth(),
    )
    assert "#/client_id" in problems(response)
    again = post_form(
        client,
        f"{API}/meetings/{meeting_id}/clients",
        json={"client_id": str(a.ids["client"][0])},
        headers=a.auth(),
    )
    assert "already discussed" in problems(again)["#/client_id"]


def test_an_action_must_be_about_a_client_discussed(app, world, client):
    a = world.a
    meeting_id = a.ids["ips_joint_meeting"][0]
    body = {"description": "Call", "owner": "Pat", "client_id": str(a.ids["client"][1])}
    response = post_form(
        client, f"{API}/meetings/{meeting_id}/actions", json=body, headers=a.auth()
    )
    assert "#/client_id" in problems(response)


def test_an_organisation_that_is_not_a_job_centre_is_refused(app, world, client):
    a = world.a
    home = a.ids["organisation"][0]
    response = post_form(
        client, f"{API}/job-centres/{home}/meetings", json=_meeting([]), headers=a.auth()
    )
    assert "#/organisation_id" in problems(response)
    foreign = world.b.ids["organisation"][1]
    response = post_form(
        client, f"{API}/job-centres/{foreign}/meetings", json=_meeting([]), headers=a.auth()
    )
    assert response.status_code == 404


def test_ended_share_hides_the_client_from_the_work_coach_at_once(app, world, client):
    a = world.a
    meeting_id = a.ids["ips_joint_meeting"][0]
    url = f"{API}/meetings/{meeting_id}"
    seen = client.get(url, headers=a.auth("partner"))
    assert seen.status_code == 200
    assert [c["client_name"] for c in seen.json["clients"]] == ["Sam Taylor"]
    assert len(seen.json["actions"]) == 1
    with app.app_context(), tenant_context(a.tenant_id):
        share = db.session.get(Share, a.ids["client_share"][0])
        share.ended_at = utcnow()
        db.session.commit()
    hidden = client.get(url, headers=a.auth("partner"))
    assert hidden.status_code == 200
    assert hidden.json["clients"] == []
    assert hidden.json["actions"] == []  # the action was about that client
    assert str(a.ids["client"][0]) not in hidden.get_data(as_text=True)
    staff = client.get(url, headers=a.auth())
    assert [c["client_name"] for c in staff.json["clients"]] == ["Sam Taylor"]


def test_another_offices_meeting_is_404_to_the_work_coach(app, world, client, other_office):
    a = world.a
    created = post_form(
        client,
        f"{API}/job-centres/{other_office['office']}/meetings",
        json=_meeting([other_office["client"]]),
        headers=a.auth(),
    )
    other_id = created.json["id"]
    assert client.get(f"{API}/meetings/{other_id}", headers=a.auth("partner")).status_code == 404
    listed = client.get(f"{API}/meetings", headers=a.auth("partner"))
    assert [m["id"] for m in listed.json] == [str(a.ids["ips_joint_meeting"][0])]
    # The other office's coach sees theirs and not ours.
    theirs = client.get(f"{API}/meetings", headers=other_office["auth"])
    assert [m["id"] for m in theirs.json] == [other_id]
    ours = a.ids["ips_joint_meeting"][0]
    assert client.get(f"{API}/meetings/{ours}", headers=other_office["auth"]).status_code == 404
    # Staff see both, paginated.
    both = client.get(f"{API}/meetings?page_size=1", headers=a.auth())
    assert len(both.json) == 1
    assert '"total": 2' in both.headers["X-Pagination"]


def test_work_coach_cannot_record_meetings(app, world, client):
    a = world.a
    jcp = a.ids["organisation"][1]
    response = post_form(
        client, f"{API}/job-centres/{jcp}/meetings", json=_meeting([]), headers=a.auth("partner")
    )
    assert response.status_code == 403


def test_ui_records_a_meeting_and_offers_only_shared_clients(app, world, client):
    a = world.a
    sign_in(client, a.emails["admin"])
    page = client.get("/tenant-a/ips/meetings/new")
    assert page.status_code == 200
    response = post_form(
        client,
        "/tenant-a/ips/meetings/new",
        data={
            "organisation_id": str(a.ids["organisation"][1]),
            "held_on": "2026-03-02",
            "attendees": "Pat Lee, specialist\nSam Green, work coach",
            "notes": "",
        },
    )
    assert response.status_code == 302
    meeting_url = response.headers["Location"]
    add = client.get(meeting_url + "/clients/new").get_data(as_text=True)
    assert "Sam Taylor" in add
    assert "Jo Unshared" not in add
    refused = post_form(
        client, meeting_url + "/clients/new", data={"client_id": str(a.ids["client"][1])}
    )
    assert refused.status_code == 200
    assert "There is a problem" in refused.get_data(as_text=True)
    done = post_form(
        client, meeting_url + "/clients/new", data={"client_id": str(a.ids["client"][0])}
    )
    assert done.status_code == 302
    assert "Sam Taylor" in client.get(meeting_url).get_data(as_text=True)


def test_ui_meeting_form_shows_errors(app, world, client):
    sign_in(client, world.a.emails["admin"])
    page = post_form(client, "/tenant-a/ips/meetings/new", data={"held_on": "", "attendees": ""})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "There is a problem" in text
    assert "Enter who attended." in text and 'href="#attendees"' in text
