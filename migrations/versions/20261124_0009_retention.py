"""Retention: a client's date of death, and records flagged for appraisal (SECURITY.md P3).

``client.died_on`` (nullable) can shorten the retention period. ``retention_appraisal`` holds
one row per record flagged as past its minimum retention period, with the decision recorded
on it once (keep with a review date, or destroy). Tenant-isolated (RLS forced) with composite
keys like every client table; at most one undecided appraisal per client.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLE = "retention_appraisal"


def upgrade():
    op.add_column("client", sa.Column("died_on", sa.Date(), nullable=True))
    op.create_table(
        TABLE,
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("record_class", sa.String(length=40), nullable=False),
        sa.Column("last_contact_on", sa.Date(), nullable=False),
        sa.Column("died_on", sa.Date(), nullable=True),
        sa.Column("due_since", sa.Date(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("decided_by_membership_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('keep', 'destroy')",
            name=op.f(f"ck_{TABLE}_decision"),
        ),
        sa.CheckConstraint(
            "(decision = 'keep') = (review_on IS NOT NULL)", name=op.f(f"ck_{TABLE}_review_on")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f(f"fk_{TABLE}_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "decided_by_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f(f"fk_{TABLE}_tenant_id_decided_by_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{TABLE}_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{TABLE}_tenant_id_id")),
    )
    op.create_index("ix_retention_appraisal_tenant_client", TABLE, ["tenant_id", "client_id"])
    op.create_index(
        "ix_retention_appraisal_tenant_open", TABLE, ["tenant_id", "decision", "due_since"]
    )
    # A second run of the job (or two at once) cannot flag the same record twice.
    op.create_index(
        "uq_retention_appraisal_tenant_client_undecided",
        TABLE,
        ["tenant_id", "client_id"],
        unique=True,
        postgresql_where=sa.text("decision IS NULL"),
        sqlite_where=sa.text("decision IS NULL"),
    )
    enable_tenant_rls(TABLE)


def downgrade():
    disable_tenant_rls(TABLE)
    op.drop_index("uq_retention_appraisal_tenant_client_undecided", table_name=TABLE)
    op.drop_index("ix_retention_appraisal_tenant_open", table_name=TABLE)
    op.drop_index("ix_retention_appraisal_tenant_client", table_name=TABLE)
    op.drop_table(TABLE)
    op.drop_column("client", "died_on")
