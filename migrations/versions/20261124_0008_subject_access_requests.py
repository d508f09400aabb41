"""Subject access requests and their clock (UK GDPR Art. 12(3) and 15).

One row per request: when it was received, when the answer is due (fixed when recorded), an
optional extension (new due date and reason) and when it was answered. Tenant-isolated (RLS
forced) with composite keys like every client table.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLE = "subject_access_request"


def _membership_key(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        ["membership.tenant_id", "membership.id"],
        name=op.f(f"fk_{TABLE}_tenant_id_{column}_membership"),
    )


def upgrade():
    op.create_table(
        TABLE,
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("details", sa.String(length=2000), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_membership_id", sa.Uuid(), nullable=False),
        sa.Column("extended_due_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.String(length=2000), nullable=True),
        sa.Column("extended_by_membership_id", sa.Uuid(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completed_by_membership_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f(f"fk_{TABLE}_tenant_id_client_id_client"),
        ),
        _membership_key("recorded_by_membership_id"),
        _membership_key("extended_by_membership_id"),
        _membership_key("completed_by_membership_id"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f(f"fk_{TABLE}_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{TABLE}")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f(f"uq_{TABLE}_tenant_id_id")),
    )
    op.create_index(
        "ix_subject_access_request_tenant_open", TABLE, ["tenant_id", "completed_on", "due_on"]
    )
    op.create_index("ix_subject_access_request_tenant_client", TABLE, ["tenant_id", "client_id"])
    enable_tenant_rls(TABLE)


def downgrade():
    disable_tenant_rls(TABLE)
    op.drop_index("ix_subject_access_request_tenant_client", table_name=TABLE)
    op.drop_index("ix_subject_access_request_tenant_open", table_name=TABLE)
    op.drop_table(TABLE)
