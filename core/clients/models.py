"""Client records and what hangs off them. Every table is tenant-scoped with RLS.

Keys between these tables are composite ``(tenant_id, id)`` so nothing can point into another
tenant. Notes are immutable once saved (a database trigger refuses UPDATE and DELETE); a
correction is a new note that points at the one it corrects.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.columns import Timestamps, utcnow
from core.extensions import db
from core.tenancy.models import TenantScoped, tenant_foreign_key


class Client(TenantScoped, Timestamps, db.Model):
    """A person supported by the tenant's services."""

    __tablename__ = "client"
    __table_args__ = TenantScoped.tenant_table_args(
        sa.UniqueConstraint("tenant_id", "nhs_number"),
        sa.UniqueConstraint("tenant_id", "local_id"),
        tenant_foreign_key("key_worker_membership_id", "membership"),
        sa.Index("ix_client_tenant_dob", "tenant_id", "date_of_birth"),
        sa.Index("ix_client_tenant_family_given", "tenant_id", "family_name", "given_name"),
        sa.Index(
            "ix_client_tenant_status_key_worker", "tenant_id", "status", "key_worker_membership_id"
        ),
    )

    nhs_number: Mapped[str | None] = mapped_column(sa.String(10))
    local_id: Mapped[str | None] = mapped_column(sa.String(40))
    given_name: Mapped[str] = mapped_column(sa.String(100))
    family_name: Mapped[str] = mapped_column(sa.String(100))
    preferred_name: Mapped[str | None] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date] = mapped_column(sa.Date)
    gender_identity: Mapped[str | None] = mapped_column(sa.String(2))
    ethnic_category: Mapped[str | None] = mapped_column(sa.String(2))
    address_line_1: Mapped[str | None] = mapped_column(sa.String(200))
    address_line_2: Mapped[str | None] = mapped_column(sa.String(200))
    town: Mapped[str | None] = mapped_column(sa.String(100))
    postcode: Mapped[str | None] = mapped_column(sa.String(8))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    key_worker_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    closed_reason: Mapped[str | None] = mapped_column(sa.String(30))
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The date of death when the trust knows it (recorded by information governance through
    #: the retention API); it can shorten the retention period (core.retention.rules).
    died_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)
    #: Set while processing is restricted (UK GDPR Art. 18): only the information governance
    #: role sees the client (core.clients.access). The decisions are in RightsDecision.
    restricted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    restricted_reason: Mapped[str | None] = mapped_column(sa.String(2000))

    __mapper_args__ = {"version_id_col": version}

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Consent(TenantScoped, db.Model):
    """Consent for one purpose. Withdrawal is recorded on the row; nothing is ever deleted."""

    __tablename__ = "client_consent"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("recorded_by_membership_id", "membership"),
        tenant_foreign_key("withdrawn_by_membership_id", "membership"),
        sa.Index("ix_client_consent_tenant_client", "tenant_id", "client_id"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    given_on: Mapped[date] = mapped_column(sa.Date)
    method: Mapped[str] = mapped_column(sa.String(20))
    notes: Mapped[str | None] = mapped_column(sa.String(1000))
    recorded_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    withdrawn_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.String(500))

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class Share(TenantScoped, db.Model):
    """A client shared with a partner organisation for a purpose, under a consent.

    Partner staff see the client only while the share is active: not ended, not expired, and its
    consent not withdrawn (see :func:`core.clients.access.active_share_clause`).
    """

    __tablename__ = "client_share"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("organisation_id", "organisation"),
        tenant_foreign_key("consent_id", "client_consent"),
        tenant_foreign_key("created_by_membership_id", "membership"),
        sa.Index("ix_client_share_tenant_org_client", "tenant_id", "organisation_id", "client_id"),
        sa.Index("ix_client_share_tenant_client", "tenant_id", "client_id"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    consent_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    ended_reason: Mapped[str | None] = mapped_column(sa.String(500))


class Contact(TenantScoped, db.Model):
    """A contact with the client: when, how, how long, by whom, for which organisation."""

    __tablename__ = "client_contact"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("staff_membership_id", "membership"),
        tenant_foreign_key("organisation_id", "organisation"),
        sa.Index("ix_client_contact_tenant_client_at", "tenant_id", "client_id", "occurred_at"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    method: Mapped[str] = mapped_column(sa.String(20))
    duration_minutes: Mapped[int | None] = mapped_column(sa.Integer)
    staff_membership_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    summary: Mapped[str | None] = mapped_column(sa.String(2000))
    recorded_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Note(TenantScoped, db.Model):
    """A note on the record. Immutable once saved; ``corrects_note_id`` points at the note a
    correction replaces (which stays, marked as corrected, as in a clinical record)."""

    __tablename__ = "client_note"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("author_membership_id", "membership"),
        tenant_foreign_key("organisation_id", "organisation"),
        tenant_foreign_key("corrects_note_id", "client_note"),
        sa.Index("ix_client_note_tenant_client_at", "tenant_id", "client_id", "written_at"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    written_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    author_membership_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    organisation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    text: Mapped[str] = mapped_column(sa.Text)
    corrects_note_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)


class RightsDecision(TenantScoped, db.Model):
    """A decision on a request about a client's data (erasure, restriction, lifting it).

    History: rows are only ever added (a database trigger refuses UPDATE and DELETE); the
    client's current state is ``Client.restricted_at``. See core.clients.rights.
    """

    __tablename__ = "client_rights_decision"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("decided_by_membership_id", "membership"),
        sa.Index(
            "ix_client_rights_decision_tenant_client_at", "tenant_id", "client_id", "decided_at"
        ),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    #: What was asked: ``erasure``, ``restriction`` or ``lift_restriction``.
    request: Mapped[str] = mapped_column(sa.String(20))
    received_on: Mapped[date] = mapped_column(sa.Date)
    #: What was decided: ``restrict``, ``lift`` or ``refuse``.
    action: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str] = mapped_column(sa.String(2000))
    decided_by_membership_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    decided_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class SubjectAccessRequest(TenantScoped, Timestamps, db.Model):
    """A person's request for everything held about them (UK GDPR Art. 15), and its clock.

    ``due_on`` is fixed when the request is recorded; an extension sets ``extended_due_on``
    (two more months, only while the first month runs). See core.clients.access_requests.
    """

    __tablename__ = "subject_access_request"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("recorded_by_membership_id", "membership"),
        tenant_foreign_key("extended_by_membership_id", "membership"),
        tenant_foreign_key("completed_by_membership_id", "membership"),
        sa.Index("ix_subject_access_request_tenant_open", "tenant_id", "completed_on", "due_on"),
        sa.Index("ix_subject_access_request_tenant_client", "tenant_id", "client_id"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    received_on: Mapped[date] = mapped_column(sa.Date)
    #: How it came and from whom (the person, a solicitor with their authority…), free text.
    details: Mapped[str | None] = mapped_column(sa.String(2000))
    due_on: Mapped[date] = mapped_column(sa.Date)
    recorded_by_membership_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    extended_due_on: Mapped[date | None] = mapped_column(sa.Date)
    extension_reason: Mapped[str | None] = mapped_column(sa.String(2000))
    extended_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    completed_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)

    #: Loaded with the request: every list shows whose request it is.
    client: Mapped[Client] = relationship(
        Client,
        primaryjoin="and_(Client.id == SubjectAccessRequest.client_id, "
        "Client.tenant_id == SubjectAccessRequest.tenant_id)",
        foreign_keys="[SubjectAccessRequest.client_id, SubjectAccessRequest.tenant_id]",
        lazy="joined",
        viewonly=True,
    )


class RetentionAppraisal(TenantScoped, db.Model):
    """A client record flagged because its minimum retention period has passed, and the
    decision on it (SECURITY.md P3; core.retention).

    One row per flag; the decision is recorded once on it (``keep`` with a date to review
    again, or ``destroy`` — which only records the decision: the trust's records team
    destroys). A later flag is a new row, so the rows are the history. Nothing is deleted.
    """

    __tablename__ = "retention_appraisal"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        tenant_foreign_key("decided_by_membership_id", "membership"),
        sa.Index("ix_retention_appraisal_tenant_client", "tenant_id", "client_id"),
        sa.Index("ix_retention_appraisal_tenant_open", "tenant_id", "decision", "due_since"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    record_class: Mapped[str] = mapped_column(sa.String(40))
    #: The last contact and death the retention date was worked out from, as they were.
    last_contact_on: Mapped[date] = mapped_column(sa.Date)
    died_on: Mapped[date | None] = mapped_column(sa.Date)
    #: The first day the record could be appraised (the day after its retention ended).
    due_since: Mapped[date] = mapped_column(sa.Date)
    flagged_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    decision: Mapped[str | None] = mapped_column(sa.String(10))
    review_on: Mapped[date | None] = mapped_column(sa.Date)
    reason: Mapped[str | None] = mapped_column(sa.String(2000))
    decided_by_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    #: Loaded with the appraisal: every list shows whose record it is.
    client: Mapped[Client] = relationship(
        Client,
        primaryjoin="and_(Client.id == RetentionAppraisal.client_id, "
        "Client.tenant_id == RetentionAppraisal.tenant_id)",
        foreign_keys="[RetentionAppraisal.client_id, RetentionAppraisal.tenant_id]",
        lazy="joined",
        viewonly=True,
    )
