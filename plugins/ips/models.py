"""IPS tables: referrals (episodes), vocational profiles, employers and employer contacts,
outcomes (jobs, education, voluntary work, work experience), in-work support, retention cases,
Job Centre Plus joint caseload meetings, fidelity reviews and client surveys.

Every table is tenant-scoped and points at its parent with a composite (tenant-safe) key.
Specialists are memberships of the tenant, never users, so a leaver's history stays attached
to the tenant they worked in.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import JSONType, TenantScoped, Timestamps, db, tenant_foreign_key


class IpsReferral(TenantScoped, Timestamps, db.Model):
    """One episode of IPS support, from referral to closure (time-unlimited: no end date).

    Zero exclusion: the service never turns anyone away as "not ready for work"; a referral
    only ends unaccepted when the person chooses not to go on (see ``CLOSE_REASONS``).
    """

    __tablename__ = "ips_referral"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("specialist_id", "membership"),
        tenant_foreign_key("previous_referral_id", "ips_referral"),
        sa.Index("ix_ips_referral_client", "tenant_id", "client_id"),
        sa.Index("ix_ips_referral_specialist", "tenant_id", "specialist_id", "status"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: mental_health_team, job_centre_plus, gp, self, other (schemas.REFERRAL_SOURCES).
    source: Mapped[str] = mapped_column(sa.String(30))
    referrer: Mapped[str | None] = mapped_column(sa.String(120))
    referred_on: Mapped[date] = mapped_column(sa.Date)
    accepted_on: Mapped[date | None] = mapped_column(sa.Date)
    #: referred, accepted, job_search, in_work, closed (schemas.STATUSES).
    status: Mapped[str] = mapped_column(sa.String(20), default="referred")
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: MHSDS employment status at referral (nhs-data.md); "out of work at start" is derived
    #: from it for the IPS Grow employment rate.
    employment_status: Mapped[str | None] = mapped_column(sa.String(2))
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    close_reason: Mapped[str | None] = mapped_column(sa.String(40))
    #: Set when a former client comes back: the new episode points at the last one.
    previous_referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class IpsVocationalProfile(TenantScoped, Timestamps, db.Model):
    """The vocational profile and plan of one episode, reviewed on ``review_on``."""

    __tablename__ = "ips_vocational_profile"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "ips_referral"),
        sa.UniqueConstraint("tenant_id", "referral_id"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    work_history: Mapped[str | None] = mapped_column(sa.Text)
    goals: Mapped[str | None] = mapped_column(sa.Text)
    preferences: Mapped[str | None] = mapped_column(sa.Text)
    strengths: Mapped[str | None] = mapped_column(sa.Text)
    barriers: Mapped[str | None] = mapped_column(sa.Text)
    wellness_plan: Mapped[str | None] = mapped_column(sa.Text)
    disclosure_plan: Mapped[str | None] = mapped_column(sa.Text)
    review_on: Mapped[date | None] = mapped_column(sa.Date)


class IpsBenefitsAdvice(TenantScoped, Timestamps, db.Model):
    """Benefits (work-incentives) advice given, with the better-off calculation's result."""

    __tablename__ = "ips_benefits_advice"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "ips_referral")
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    given_on: Mapped[date] = mapped_column(sa.Date)
    given_by: Mapped[str] = mapped_column(sa.String(120))
    #: Weekly difference in pounds between working (at ``hours_per_week``) and not working.
    better_off_weekly: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    hours_per_week: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 1))
    notes: Mapped[str | None] = mapped_column(sa.Text)


class IpsEmployer(TenantScoped, Timestamps, db.Model):
    """An employer the team works with (job development), not a partner organisation."""

    __tablename__ = "ips_employer"
    __table_args__ = TenantScoped.tenant_table_args(
        sa.Index("ix_ips_employer_name", "tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[str | None] = mapped_column(sa.String(100))
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    notes: Mapped[str | None] = mapped_column(sa.Text)


class IpsEmployerContact(TenantScoped, Timestamps, db.Model):
    """A contact with an employer by a specialist; ``client_id`` set when it was about a job
    for that client (the first one counts for rapid job search)."""

    __tablename__ = "ips_employer_contact"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("employer_id", "ips_employer"),
        tenant_foreign_key("specialist_id", "membership"),
        tenant_foreign_key("client_id", "client"),
        sa.Index(
            "ix_ips_employer_contact_specialist", "tenant_id", "specialist_id", "contacted_on"
        ),
        sa.Index("ix_ips_employer_contact_client", "tenant_id", "client_id", "contacted_on"),
    )

    employer_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    specialist_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    contacted_on: Mapped[date] = mapped_column(sa.Date)
    #: face_to_face, phone, video, email (schemas.EMPLOYER_CONTACT_TYPES).
    contact_type: Mapped[str] = mapped_column(sa.String(20))
    #: job_development, client_specific, in_work_support, other.
    purpose: Mapped[str] = mapped_column(sa.String(30))
    client_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    notes: Mapped[str | None] = mapped_column(sa.Text)


class IpsOutcome(TenantScoped, Timestamps, db.Model):
    """A start: a paid job (employed or self-employed), education or training, voluntary work,
    or a work-experience placement. The outcome report counts these (``ips-outcomes/3``)."""

    __tablename__ = "ips_outcome"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "ips_referral"),
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("employer_id", "ips_employer"),
        tenant_foreign_key("specialist_id", "membership"),
        sa.Index("ix_ips_outcome_started", "tenant_id", "kind", "started_on"),
        sa.Index("ix_ips_outcome_client", "tenant_id", "client_id"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: Denormalised from the referral so counting "distinct clients" needs no join.
    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: paid_job, education, voluntary, work_experience (schemas.OUTCOME_KINDS).
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    employer_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    #: For education, voluntary work or a provider not in the employer list.
    provider_name: Mapped[str | None] = mapped_column(sa.String(200))
    self_employed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    #: MHSDS weekly hours worked code (01 30+, 02 16–29, 03 5–15, 04 1–4, 97, 98, 99).
    hours_band: Mapped[str | None] = mapped_column(sa.String(2))
    started_on: Mapped[date] = mapped_column(sa.Date)
    ended_on: Mapped[date | None] = mapped_column(sa.Date)
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    #: The specialist credited with the start (job starts per specialist).
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class IpsSupportContact(TenantScoped, Timestamps, db.Model):
    """In-work (follow-along) support given to a client in a job or course."""

    __tablename__ = "ips_support_contact"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "ips_referral"),
        tenant_foreign_key("outcome_id", "ips_outcome"),
        tenant_foreign_key("specialist_id", "membership"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    outcome_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    specialist_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    contacted_on: Mapped[date] = mapped_column(sa.Date)
    #: face_to_face, phone, video, text, email.
    contact_type: Mapped[str] = mapped_column(sa.String(20))
    with_employer: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)


class IpsRetentionCase(TenantScoped, Timestamps, db.Model):
    """Employment retention: a person in work but at risk of losing it; closed retained or not."""

    __tablename__ = "ips_retention_case"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "ips_referral"),
        tenant_foreign_key("client_id", "client"),
        sa.Index("ix_ips_retention_closed", "tenant_id", "result", "closed_on"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    opened_on: Mapped[date] = mapped_column(sa.Date)
    employer_name: Mapped[str] = mapped_column(sa.String(200))
    risk: Mapped[str | None] = mapped_column(sa.Text)
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    #: retained, not_retained (None while open).
    result: Mapped[str | None] = mapped_column(sa.String(20))


class IpsJointMeeting(TenantScoped, Timestamps, db.Model):
    """A joint caseload meeting with one Job Centre Plus organisation."""

    __tablename__ = "ips_joint_meeting"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("organisation_id", "organisation"),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    held_on: Mapped[date] = mapped_column(sa.Date)
    #: Names and roles of who attended, as typed (partners' staff may have no account).
    attendees: Mapped[list[str]] = mapped_column(JSONType, default=list)
    notes: Mapped[str | None] = mapped_column(sa.Text)


class IpsJointMeetingClient(TenantScoped, Timestamps, db.Model):
    """A client discussed at a joint meeting: only clients shared with that organisation."""

    __tablename__ = "ips_joint_meeting_client"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("meeting_id", "ips_joint_meeting"),
        tenant_foreign_key("client_id", "client"),
        sa.UniqueConstraint("tenant_id", "meeting_id", "client_id"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    discussion: Mapped[str | None] = mapped_column(sa.Text)


class IpsJointMeetingAction(TenantScoped, Timestamps, db.Model):
    """An action agreed at a joint meeting, optionally about one discussed client."""

    __tablename__ = "ips_joint_meeting_action"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("meeting_id", "ips_joint_meeting"),
        tenant_foreign_key("client_id", "client"),
    )

    meeting_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    client_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    description: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(120))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done_on: Mapped[date | None] = mapped_column(sa.Date)


class IpsFidelityReview(TenantScoped, Timestamps, db.Model):
    """A review against the 25-item IPS fidelity scale; total and band are computed."""

    __tablename__ = "ips_fidelity_review"
    __table_args__ = TenantScoped.tenant_table_args()

    reviewed_on: Mapped[date] = mapped_column(sa.Date)
    #: external, internal, lived_experience (quality consultant with lived experience).
    reviewer_type: Mapped[str] = mapped_column(sa.String(20))
    reviewers: Mapped[str] = mapped_column(sa.String(300))
    summary: Mapped[str | None] = mapped_column(sa.Text)


class IpsFidelityScore(TenantScoped, Timestamps, db.Model):
    """One item's score (1–5) with the evidence behind it."""

    __tablename__ = "ips_fidelity_score"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("review_id", "ips_fidelity_review"),
        sa.UniqueConstraint("tenant_id", "review_id", "item"),
        sa.CheckConstraint("item BETWEEN 1 AND 25", name="item_range"),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),
    )

    review_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    item: Mapped[int] = mapped_column(sa.Integer)
    score: Mapped[int] = mapped_column(sa.Integer)
    evidence: Mapped[str | None] = mapped_column(sa.Text)


class IpsFidelityAction(TenantScoped, Timestamps, db.Model):
    """The service's action plan after a review: what, who, by when, done."""

    __tablename__ = "ips_fidelity_action"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("review_id", "ips_fidelity_review"),
    )

    review_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    item: Mapped[int | None] = mapped_column(sa.Integer)
    description: Mapped[str] = mapped_column(sa.Text)
    owner: Mapped[str] = mapped_column(sa.String(120))
    due_on: Mapped[date] = mapped_column(sa.Date)
    done_on: Mapped[date | None] = mapped_column(sa.Date)


class IpsSurvey(TenantScoped, Timestamps, db.Model):
    """A client's satisfaction survey: answers keyed by question (schemas.SURVEY_QUESTIONS)."""

    __tablename__ = "ips_survey"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("referral_id", "ips_referral"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    completed_on: Mapped[date] = mapped_column(sa.Date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    comments: Mapped[str | None] = mapped_column(sa.Text)


MODELS = [
    IpsReferral,
    IpsVocationalProfile,
    IpsBenefitsAdvice,
    IpsEmployer,
    IpsEmployerContact,
    IpsOutcome,
    IpsSupportContact,
    IpsRetentionCase,
    IpsJointMeeting,
    IpsJointMeetingClient,
    IpsJointMeetingAction,
    IpsFidelityReview,
    IpsFidelityScore,
    IpsFidelityAction,
    IpsSurvey,
]
