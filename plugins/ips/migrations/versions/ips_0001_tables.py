"""IPS tables: referrals, profiles, employers and contacts, outcomes, in-work support, retention,
joint meetings with Job Centre Plus, fidelity reviews and client surveys.

Revision ID: ips_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.plugins.api import enable_tenant_rls

revision = "ips_0001"
down_revision = None
branch_labels = ("ips",)
depends_on = "0004"


TABLES = (
    "ips_employer",
    "ips_fidelity_review",
    "ips_fidelity_action",
    "ips_fidelity_score",
    "ips_joint_meeting",
    "ips_employer_contact",
    "ips_joint_meeting_action",
    "ips_joint_meeting_client",
    "ips_referral",
    "ips_benefits_advice",
    "ips_outcome",
    "ips_retention_case",
    "ips_survey",
    "ips_vocational_profile",
    "ips_support_contact",
)


def upgrade():
    op.create_table(
        "ips_employer",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=True),
        sa.Column("contact_name", sa.String(length=120), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_employer_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_employer")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_employer_tenant_id_id")),
    )
    with op.batch_alter_table("ips_employer", schema=None) as batch_op:
        batch_op.create_index("ix_ips_employer_name", ["tenant_id", "name"], unique=False)

    op.create_table(
        "ips_fidelity_review",
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        sa.Column("reviewer_type", sa.String(length=20), nullable=False),
        sa.Column("reviewers", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_fidelity_review_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_fidelity_review")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_fidelity_review_tenant_id_id")),
    )
    op.create_table(
        "ips_fidelity_action",
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "review_id"],
            ["ips_fidelity_review.tenant_id", "ips_fidelity_review.id"],
            name=op.f("fk_ips_fidelity_action_tenant_id_review_id_ips_fidelity_review"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_fidelity_action_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_fidelity_action")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_fidelity_action_tenant_id_id")),
    )
    op.create_table(
        "ips_fidelity_score",
        sa.Column("review_id", sa.Uuid(), nullable=False),
        sa.Column("item", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("item BETWEEN 1 AND 25", name=op.f("ck_ips_fidelity_score_item_range")),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ips_fidelity_score_score_range")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "review_id"],
            ["ips_fidelity_review.tenant_id", "ips_fidelity_review.id"],
            name=op.f("fk_ips_fidelity_score_tenant_id_review_id_ips_fidelity_review"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_fidelity_score_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_fidelity_score")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_fidelity_score_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "review_id",
            "item",
            name=op.f("uq_ips_fidelity_score_tenant_id_review_id_item"),
        ),
    )
    op.create_table(
        "ips_joint_meeting",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column(
            "attendees",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisation.tenant_id", "organisation.id"],
            name=op.f("fk_ips_joint_meeting_tenant_id_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_joint_meeting_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_joint_meeting")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_joint_meeting_tenant_id_id")),
    )
    op.create_table(
        "ips_employer_contact",
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("contact_type", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_employer_contact_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employer_id"],
            ["ips_employer.tenant_id", "ips_employer.id"],
            name=op.f("fk_ips_employer_contact_tenant_id_employer_id_ips_employer"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "specialist_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_ips_employer_contact_tenant_id_specialist_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_employer_contact_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_employer_contact")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_employer_contact_tenant_id_id")),
    )
    with op.batch_alter_table("ips_employer_contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ips_employer_contact_client",
            ["tenant_id", "client_id", "contacted_on"],
            unique=False,
        )
        batch_op.create_index(
            "ix_ips_employer_contact_specialist",
            ["tenant_id", "specialist_id", "contacted_on"],
            unique=False,
        )

    op.create_table(
        "ips_joint_meeting_action",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_joint_meeting_action_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["ips_joint_meeting.tenant_id", "ips_joint_meeting.id"],
            name=op.f("fk_ips_joint_meeting_action_tenant_id_meeting_id_ips_joint_meeting"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_joint_meeting_action_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_joint_meeting_action")),
        sa.UniqueConstraint(
            "tenant_id", "id", name=op.f("uq_ips_joint_meeting_action_tenant_id_id")
        ),
    )
    op.create_table(
        "ips_joint_meeting_client",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("discussion", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_joint_meeting_client_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "meeting_id"],
            ["ips_joint_meeting.tenant_id", "ips_joint_meeting.id"],
            name=op.f("fk_ips_joint_meeting_client_tenant_id_meeting_id_ips_joint_meeting"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_joint_meeting_client_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_joint_meeting_client")),
        sa.UniqueConstraint(
            "tenant_id", "id", name=op.f("uq_ips_joint_meeting_client_tenant_id_id")
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "meeting_id",
            "client_id",
            name=op.f("uq_ips_joint_meeting_client_tenant_id_meeting_id_client_id"),
        ),
    )
    op.create_table(
        "ips_referral",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("referrer", sa.String(length=120), nullable=True),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("employment_status", sa.String(length=2), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.String(length=40), nullable=True),
        sa.Column("previous_referral_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_referral_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "previous_referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_referral_tenant_id_previous_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "specialist_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_ips_referral_tenant_id_specialist_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_referral_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_referral")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_referral_tenant_id_id")),
    )
    with op.batch_alter_table("ips_referral", schema=None) as batch_op:
        batch_op.create_index("ix_ips_referral_client", ["tenant_id", "client_id"], unique=False)
        batch_op.create_index(
            "ix_ips_referral_specialist", ["tenant_id", "specialist_id", "status"], unique=False
        )

    op.create_table(
        "ips_benefits_advice",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("given_by", sa.String(length=120), nullable=False),
        sa.Column("better_off_weekly", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("hours_per_week", sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_benefits_advice_tenant_id_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_benefits_advice_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_benefits_advice")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_benefits_advice_tenant_id_id")),
    )
    op.create_table(
        "ips_outcome",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=True),
        sa.Column("provider_name", sa.String(length=200), nullable=True),
        sa.Column("self_employed", sa.Boolean(), nullable=False),
        sa.Column("hours_band", sa.String(length=2), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_outcome_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "employer_id"],
            ["ips_employer.tenant_id", "ips_employer.id"],
            name=op.f("fk_ips_outcome_tenant_id_employer_id_ips_employer"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_outcome_tenant_id_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "specialist_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_ips_outcome_tenant_id_specialist_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_outcome_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_outcome")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_outcome_tenant_id_id")),
    )
    with op.batch_alter_table("ips_outcome", schema=None) as batch_op:
        batch_op.create_index("ix_ips_outcome_client", ["tenant_id", "client_id"], unique=False)
        batch_op.create_index(
            "ix_ips_outcome_started", ["tenant_id", "kind", "started_on"], unique=False
        )

    op.create_table(
        "ips_retention_case",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("employer_name", sa.String(length=200), nullable=False),
        sa.Column("risk", sa.Text(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_retention_case_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_retention_case_tenant_id_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_retention_case_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_retention_case")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_retention_case_tenant_id_id")),
    )
    with op.batch_alter_table("ips_retention_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ips_retention_closed", ["tenant_id", "result", "closed_on"], unique=False
        )

    op.create_table(
        "ips_survey",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column(
            "answers",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_ips_survey_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_survey_tenant_id_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_survey_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_survey")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_survey_tenant_id_id")),
    )
    op.create_table(
        "ips_vocational_profile",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("work_history", sa.Text(), nullable=True),
        sa.Column("goals", sa.Text(), nullable=True),
        sa.Column("preferences", sa.Text(), nullable=True),
        sa.Column("strengths", sa.Text(), nullable=True),
        sa.Column("barriers", sa.Text(), nullable=True),
        sa.Column("wellness_plan", sa.Text(), nullable=True),
        sa.Column("disclosure_plan", sa.Text(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_vocational_profile_tenant_id_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_vocational_profile_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_vocational_profile")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_vocational_profile_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "referral_id", name=op.f("uq_ips_vocational_profile_tenant_id_referral_id")
        ),
    )
    op.create_table(
        "ips_support_contact",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("outcome_id", sa.Uuid(), nullable=True),
        sa.Column("specialist_id", sa.Uuid(), nullable=True),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("contact_type", sa.String(length=20), nullable=False),
        sa.Column("with_employer", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "outcome_id"],
            ["ips_outcome.tenant_id", "ips_outcome.id"],
            name=op.f("fk_ips_support_contact_tenant_id_outcome_id_ips_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["ips_referral.tenant_id", "ips_referral.id"],
            name=op.f("fk_ips_support_contact_tenant_id_referral_id_ips_referral"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "specialist_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_ips_support_contact_tenant_id_specialist_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_ips_support_contact_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ips_support_contact")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_ips_support_contact_tenant_id_id")),
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade():
    op.drop_table("ips_support_contact")
    op.drop_table("ips_vocational_profile")
    op.drop_table("ips_survey")
    with op.batch_alter_table("ips_retention_case", schema=None) as batch_op:
        batch_op.drop_index("ix_ips_retention_closed")

    op.drop_table("ips_retention_case")
    with op.batch_alter_table("ips_outcome", schema=None) as batch_op:
        batch_op.drop_index("ix_ips_outcome_started")
        batch_op.drop_index("ix_ips_outcome_client")

    op.drop_table("ips_outcome")
    op.drop_table("ips_benefits_advice")
    with op.batch_alter_table("ips_referral", schema=None) as batch_op:
        batch_op.drop_index("ix_ips_referral_specialist")
        batch_op.drop_index("ix_ips_referral_client")

    op.drop_table("ips_referral")
    op.drop_table("ips_joint_meeting_client")
    op.drop_table("ips_joint_meeting_action")
    with op.batch_alter_table("ips_employer_contact", schema=None) as batch_op:
        batch_op.drop_index("ix_ips_employer_contact_specialist")
        batch_op.drop_index("ix_ips_employer_contact_client")

    op.drop_table("ips_employer_contact")
    op.drop_table("ips_joint_meeting")
    op.drop_table("ips_fidelity_score")
    op.drop_table("ips_fidelity_action")
    op.drop_table("ips_fidelity_review")
    with op.batch_alter_table("ips_employer", schema=None) as batch_op:
        batch_op.drop_index("ix_ips_employer_name")

    op.drop_table("ips_employer")
