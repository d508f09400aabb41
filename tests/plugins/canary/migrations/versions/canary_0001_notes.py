"""Canary notes: the test plugin's own Alembic branch.

Revision ID: canary_0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from core.plugins.api import enable_tenant_rls

revision = "canary_0001"
down_revision = None
branch_labels = ("canary",)
depends_on = "0001"


def upgrade():
    op.create_table(
        "canary_note",
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("author_membership_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_canary_note_tenant_id_author_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_canary_note_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canary_note")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_canary_note_tenant_id_id")),
    )
    enable_tenant_rls("canary_note")


def downgrade():
    op.drop_table("canary_note")
