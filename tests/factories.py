"""Test data built through the real models and tenancy context (no shortcuts around RLS)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from core.accounts import tokens
from core.accounts.models import Membership, Organisation, User
from core.accounts.passwords import hash_password
from core.extensions import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

PASSWORD = "correct horse battery staple"
# Hashing with production argon2 parameters is slow; every test person shares one hash.
_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)
    return _HASH["h"]


@dataclass
class TenantData:
    """Ids (never ORM objects) of one test tenant's rows, by type."""

    slug: str
    tenant_id: uuid.UUID
    ids: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    memberships: dict[str, uuid.UUID] = field(default_factory=dict)

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def add(self, kind: str, value: uuid.UUID) -> None:
        self.ids.setdefault(kind, []).append(value)


@dataclass
class World:
    a: TenantData
    b: TenantData
    c: TenantData  # like A but without the test plugin

    def all_ids(self, tenant: TenantData) -> dict[str, list[uuid.UUID]]:
        return tenant.ids


def make_tenant(slug: str, plugins: dict[str, Any] | None = None, name: str | None = None):
    tenant = Tenant(slug=slug, name=name or slug.title(), plugins=plugins or {}, ods_code="RW1")
    db.session.add(tenant)
    db.session.commit()
    return tenant.id


def make_user(email: str, name: str = "Test Person") -> uuid.UUID:
    user = User(email=email, display_name=name, password_hash=password_hash())
    db.session.add(user)
    db.session.commit()
    return user.id


def make_membership(user_id: uuid.UUID, organisation_id: uuid.UUID, roles: list[str]):
    membership = Membership(user_id=user_id, organisation_id=organisation_id, roles=roles)
    db.session.add(membership)
    db.session.flush()
    return membership


PEOPLE = {
    # The matrix's actor holds every role (information governance too: tenant_admin itself does
    # not see restricted clients or decide on them), so that every route is exercised.
    "admin": (
        [
            "tenant_admin",
            "information_governance",
            "canary_keeper",
            "housing_team_leader",
            "ips_team_leader",
        ],
        "home",
    ),
    "practitioner": (["practitioner", "employment_specialist"], "home"),
    "partner": (["partner_advisor", "jcp_advisor"], "jcp"),
}


def build_tenant(slug: str, plugins: dict[str, Any]) -> TenantData:
    tenant_id = make_tenant(slug, plugins)
    data = TenantData(slug=slug, tenant_id=tenant_id)
    data.add("tenant", tenant_id)
    user_ids = {}
    for person in PEOPLE:
        email = f"{person}@{slug}.example"
        user_ids[person] = make_user(email, f"{person.title()} of {slug}")
        data.emails[person] = email
        data.add("user", user_ids[person])
    with tenant_context(tenant_id) as tenant:
        orgs = {
            "home": Organisation(
                key="home", name="Home Trust", kind="trust", ods_code="RW1", partner=False
            ),
            "jcp": Organisation(
                key="jcp", name="Job Centre Plus", kind="job_centre_plus", partner=True
            ),
        }
        db.session.add_all(orgs.values())
        db.session.flush()
        for org in orgs.values():
            data.add("organisation", org.id)
        for person, (roles, org_key) in PEOPLE.items():
            membership = make_membership(user_ids[person], orgs[org_key].id, roles)
            data.memberships[person] = membership.id
            data.add("membership", membership.id)
            token, secret = tokens.issue(membership, f"{person} token", 30)
            data.tokens[person] = secret
            data.add("api_token", token.id)
        if "canary" in tenant.enabled_plugins:
            from tests.plugins.canary.models import CanaryNote

            note = CanaryNote(
                text=f"note of {slug}", author_membership_id=data.memberships["admin"]
            )
            db.session.add(note)
            db.session.flush()
            data.add("canary_note", note.id)
        _add_client_record(data)
        if "step_out" in tenant.enabled_plugins:
            _add_step_out(data)
        if "ips" in tenant.enabled_plugins:
            _add_ips(data)
        _add_job_run(data)
        from core import audit

        event_id = audit.record("test.seed", object_type="tenant", object_id=tenant_id)
        data.add("audit_event", event_id)
    return data


def build_world(app: Flask) -> World:
    from tests.plugins.canary import CALLS

    with app.app_context():
        world = World(
            a=build_tenant(
                "tenant-a", {"canary": {"greeting": "hello"}, "step_out": {}, "ips": {}}
            ),
            b=build_tenant(
                "tenant-b", {"canary": {"greeting": "hello"}, "step_out": {}, "ips": {}}
            ),
            c=build_tenant("tenant-c", {}),
        )
    CALLS.clear()  # building ran real jobs; tests look only at the hook calls they cause
    return world


def _add_client_record(data: TenantData) -> None:
    """One client with consent, a share with the Job Centre Plus office, a contact and a note.

    Same NHS number and names in every tenant: identical shapes make any leak visible.
    """
    from datetime import UTC, date, datetime

    from core.clients.models import (
        Client,
        Consent,
        Contact,
        Note,
        RetentionAppraisal,
        Share,
        SubjectAccessRequest,
    )

    home, jcp = data.ids["organisation"]
    staff = data.memberships["practitioner"]
    client = Client(
        nhs_number="9990000018",
        local_id="LOCAL-1",
        given_name="Sam",
        family_name="Taylor",
        date_of_birth=date(1985, 6, 15),
        postcode="SO16 7AB",
        key_worker_membership_id=staff,
    )
    unshared = Client(
        nhs_number="9990000050",
        given_name="Jo",
        family_name="Unshared",
        date_of_birth=date(1979, 1, 2),
    )
    db.session.add_all([client, unshared])
    db.session.flush()
    consent = Consent(
        client_id=client.id,
        purpose="jcp_joint_caseload",
        given_on=date(2026, 1, 5),
        method="verbal",
        recorded_by_membership_id=staff,
    )
    db.session.add(consent)
    db.session.flush()
    share = Share(
        client_id=client.id,
        organisation_id=jcp,
        consent_id=consent.id,
        purpose="jcp_joint_caseload",
        created_by_membership_id=staff,
    )
    contact = Contact(
        client_id=client.id,
        occurred_at=datetime(2026, 2, 1, 10, 0, tzinfo=UTC),
        method="phone",
        duration_minutes=20,
        staff_membership_id=staff,
        organisation_id=home,
        summary="Talked about work goals",
    )
    note = Note(
        client_id=client.id,
        author_membership_id=staff,
        organisation_id=home,
        text="First meeting went well.",
    )
    access_request = SubjectAccessRequest(
        client_id=client.id,
        received_on=date(2026, 3, 2),
        details="By letter from Sam",
        due_on=date(2026, 4, 2),
        recorded_by_membership_id=data.memberships["admin"],
    )
    db.session.add_all([share, contact, note, access_request])
    db.session.flush()
    appraisal = RetentionAppraisal(  # the unshared client, as if past its retention period
        client_id=unshared.id,
        record_class="mental_health_record",
        last_contact_on=date(2005, 1, 2),
        due_since=date(2025, 1, 3),
    )
    db.session.add(appraisal)
    db.session.flush()
    restricted = _add_restricted_client(data)
    for kind, obj in (
        ("client", client),
        ("client", unshared),
        ("restricted_client", restricted),
        ("client_consent", consent),
        ("client_share", share),
        ("client_contact", contact),
        ("client_note", note),
        ("subject_access_request", access_request),
        ("retention_appraisal", appraisal),
    ):
        data.add(kind, obj.id)


def _add_restricted_client(data: TenantData):
    """A client whose erasure request was refused and who is therefore restricted (Art. 18):
    visible only to the information governance role (the matrix's admin holds it)."""
    from datetime import date

    from core.clients.models import Client, RightsDecision
    from core.columns import utcnow

    reason = "Erasure refused: care record (Art. 17(3)(c))."
    client = Client(
        given_name="Alex",
        family_name="Restricted",
        date_of_birth=date(1990, 3, 4),
        # Closed (discharged) as well: the admin's default list (open clients) stays as it was.
        status="closed",
        closed_reason="goals_met",
        closed_on=date(2026, 2, 20),
        restricted_at=utcnow(),
        restricted_reason=reason,
    )
    db.session.add(client)
    db.session.flush()
    decision = RightsDecision(
        client_id=client.id,
        request="erasure",
        received_on=date(2026, 3, 1),
        action="refuse",
        reason=reason,
        decided_by_membership_id=data.memberships["admin"],
    )
    db.session.add(decision)
    db.session.flush()
    data.add("client_rights_decision", decision.id)
    return client


def _add_step_out(data: TenantData) -> None:
    """A Step Out referral of the shared client (moved in, so reviews exist), an action, an
    offer and a crisis contact: every Step Out id slot has an object in each tenant."""
    from datetime import date

    from plugins.step_out.models import StepOutAction, StepOutCrisisEvent, StepOutOffer
    from plugins.step_out.services import create_referral, find_client_for_seed

    client = find_client_for_seed(data.ids["client"][0])
    referral = create_referral(
        client,
        {
            "ward": "Willow ward",
            "referrer": "Ward manager",
            "referred_on": date(2026, 1, 5),
            "clinically_ready_date": date(2026, 1, 20),
            "discharge_date": date(2026, 2, 1),
            "move_in_date": date(2026, 2, 1),
        },
    )
    action = StepOutAction(
        referral_id=referral.id,
        application_type="housing_register",
        provider="Council",
        action_date=date(2026, 1, 10),
    )
    offer = StepOutOffer(
        referral_id=referral.id,
        property_description="One-bed flat",
        provider="Solent Homes",
        tenure="social_rent",
        offered_on=date(2026, 1, 25),
        decision="accepted",
    )
    event = StepOutCrisisEvent(
        client_id=client.id, kind="crisis_contact", occurred_on=date(2025, 12, 1)
    )
    db.session.add_all([action, offer, event])
    db.session.flush()
    from sqlalchemy import select

    from plugins.step_out.models import StepOutReview

    review = (
        db.session.execute(select(StepOutReview).where(StepOutReview.referral_id == referral.id))
        .scalars()
        .first()
    )
    for kind, obj in (
        ("step_out_referral", referral),
        ("step_out_action", action),
        ("step_out_offer", offer),
        ("step_out_review", review),
        ("step_out_crisis_event", event),
    ):
        data.add(kind, obj.id)


def _add_ips(data: TenantData) -> None:
    """One row of every IPS table, consistent with each other: an accepted, in-work referral of
    the client shared with Job Centre Plus, its profile and benefits advice, an employer and a
    contact about the client, a paid job with in-work support and a retention case, a joint
    meeting with the JCP office that discussed the client (with an action), a fidelity review
    with all 25 scores and an action, and a survey: every IPS id slot has an object per tenant."""
    from datetime import date
    from decimal import Decimal

    from plugins.ips import models as m

    client_id = data.ids["client"][0]
    jcp = data.ids["organisation"][1]
    specialist = data.memberships["practitioner"]
    referral = m.IpsReferral(
        client_id=client_id,
        source="job_centre_plus",
        referrer="Work coach",
        referred_on=date(2026, 1, 6),
        accepted_on=date(2026, 1, 8),
        status="in_work",
        specialist_id=specialist,
        employment_status="02",
    )
    employer = m.IpsEmployer(name="Harbour Cafe", sector="Hospitality", town="Southampton")
    meeting = m.IpsJointMeeting(
        organisation_id=jcp, held_on=date(2026, 2, 10), attendees=["Work coach (JCP)"]
    )
    review = m.IpsFidelityReview(
        reviewed_on=date(2026, 3, 1), reviewer_type="external", reviewers="IPS Grow reviewer"
    )
    db.session.add_all([referral, employer, meeting, review])
    db.session.flush()
    profile = m.IpsVocationalProfile(
        referral_id=referral.id,
        goals="Work in a cafe",
        barriers="Anxiety in crowds",
        review_on=date(2026, 4, 1),
    )
    advice = m.IpsBenefitsAdvice(
        referral_id=referral.id,
        given_on=date(2026, 1, 20),
        given_by="Welfare rights adviser",
        better_off_weekly=Decimal("85.50"),
        hours_per_week=Decimal("16.0"),
    )
    contact = m.IpsEmployerContact(
        employer_id=employer.id,
        specialist_id=specialist,
        contacted_on=date(2026, 1, 22),
        contact_type="face_to_face",
        purpose="client_specific",
        client_id=client_id,
    )
    outcome = m.IpsOutcome(
        referral_id=referral.id,
        client_id=client_id,
        kind="paid_job",
        title="Barista",
        employer_id=employer.id,
        hours_band="02",
        started_on=date(2026, 2, 2),
        specialist_id=specialist,
    )
    discussed = m.IpsJointMeetingClient(
        meeting_id=meeting.id, client_id=client_id, discussion="Started work"
    )
    meeting_action = m.IpsJointMeetingAction(
        meeting_id=meeting.id, client_id=client_id, description="Pause the claim", owner="JCP"
    )
    scores = [m.IpsFidelityScore(review_id=review.id, item=item, score=4) for item in range(1, 26)]
    fidelity_action = m.IpsFidelityAction(
        review_id=review.id,
        item=3,
        description="More employer visits",
        owner="Team leader",
        due_on=date(2026, 6, 1),
    )
    survey = m.IpsSurvey(
        client_id=client_id,
        referral_id=referral.id,
        completed_on=date(2026, 3, 5),
        answers={"helpful": 5},
    )
    db.session.add_all([profile, advice, contact, outcome, discussed, meeting_action, *scores])
    db.session.add_all([fidelity_action, survey])
    db.session.flush()
    support = m.IpsSupportContact(
        referral_id=referral.id,
        outcome_id=outcome.id,
        specialist_id=specialist,
        contacted_on=date(2026, 2, 9),
        contact_type="phone",
    )
    retention = m.IpsRetentionCase(
        referral_id=referral.id,
        client_id=client_id,
        opened_on=date(2026, 3, 2),
        employer_name="Harbour Cafe",
        risk="Shift changes",
    )
    db.session.add_all([support, retention])
    db.session.flush()
    for obj in (
        referral,
        profile,
        advice,
        employer,
        contact,
        outcome,
        support,
        retention,
        meeting,
        discussed,
        meeting_action,
        review,
        scores[0],
        fidelity_action,
        survey,
    ):
        data.add(obj.__tablename__, obj.id)


def _add_job_run(data: TenantData) -> None:
    """A finished report run (with its workbook), made through the real job path, so job and
    report-run URLs have an object of each tenant."""
    from core.jobs.services import dispatch, enqueue

    run = enqueue(
        "core.reports.run", {"report": "caseload"}, requested_by=data.memberships["admin"]
    )
    data.add("job_run", run.id)
    db.session.commit()
    dispatch()  # inline (the test app has no Redis): runs it now, in its own transaction
