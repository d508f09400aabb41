"""Step Out tables: referrals, housing actions, offers, tenancy reviews, crisis events.

Revision ID: step_out_0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from core.plugins.api import enable_tenant_rls

revision = "step_out_0001"
down_revision = None
branch_labels = ("step_out",)
depends_on = "0004"

TABLES = (
    "step_out_referral",
    "step_out_action",
    "step_out_offer",
    "step_out_review",
    "step_out_crisis_event",
)


def _common(table: str, parent: str, column: str) -> list:
    """id, tenant_id, timestamps, the tenant FK, UNIQUE (tenant_id, id), the composite FK."""
    return [
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{table}_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", column],
            [f"{parent}.tenant_id", f"{parent}.id"],
            name=op.f(f"fk_{table}_tenant_id_{column}_{parent}"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{table}_tenant_id_id")),
    ]


def upgrade():
    op.create_table(
        "step_out_referral",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("ward", sa.String(length=120), nullable=False),
        sa.Column("referrer", sa.String(length=120), nullable=False),
        sa.Column("admission_date", sa.Date(), nullable=True),
        sa.Column("clinically_ready_date", sa.Date(), nullable=True),
        sa.Column("accommodation_type", sa.String(length=2), nullable=True),
        sa.Column("settled_indicator", sa.String(length=1), nullable=True),
        sa.Column("needs", sa.Text(), nullable=True),
        sa.Column("risks", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("assessment_date", sa.Date(), nullable=True),
        sa.Column("move_in_date", sa.Date(), nullable=True),
        sa.Column("discharge_date", sa.Date(), nullable=True),
        sa.Column("discharge_destination", sa.String(length=200), nullable=True),
        sa.Column("delay_reason", sa.String(length=2), nullable=True),
        sa.Column("delay_attribution", sa.String(length=2), nullable=True),
        sa.Column("tenancy_end_date", sa.Date(), nullable=True),
        sa.Column("tenancy_end_reason", sa.String(length=200), nullable=True),
        sa.Column("tenancy_end_planned", sa.Boolean(), nullable=True),
        *_common("step_out_referral", "client", "client_id"),
    )
    op.create_index("ix_step_out_referral_client", "step_out_referral", ["tenant_id", "client_id"])
    op.create_table(
        "step_out_action",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("application_type", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("action_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        *_common("step_out_action", "step_out_referral", "referral_id"),
    )
    op.create_table(
        "step_out_offer",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("property_description", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("tenure", sa.String(length=40), nullable=False),
        sa.Column("weekly_rent", sa.Numeric(8, 2), nullable=True),
        sa.Column("offered_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("decline_reason", sa.String(length=200), nullable=True),
        *_common("step_out_offer", "step_out_referral", "referral_id"),
    )
    op.create_table(
        "step_out_review",
        sa.Column("referral_id", sa.Uuid(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("marked_due_at", sa.DateTime(timezone=True), nullable=True),
        *_common("step_out_review", "step_out_referral", "referral_id"),
        sa.UniqueConstraint(
            "tenant_id",
            "referral_id",
            "months",
            name=op.f("uq_step_out_review_tenant_id_referral_id_months"),
        ),
    )
    op.create_table(
        "step_out_crisis_event",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.String(length=500), nullable=True),
        *_common("step_out_crisis_event", "client", "client_id"),
    )
    op.create_index(
        "ix_step_out_crisis_event_client",
        "step_out_crisis_event",
        ["tenant_id", "client_id", "occurred_on"],
    )
    for table in TABLES:
        enable_tenant_rls(table)


def downgrade():
    for table in reversed(TABLES):
        op.drop_table(table)
