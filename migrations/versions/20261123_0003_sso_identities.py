"""Partner SSO: the tenant's identity providers and the identities that sign in through them.

``tenant.sso`` holds the checked ``[[sso]]`` tables of the tenant file (issuer, client id, the
*name* of the environment variable holding the secret, organisation key, role rules).
``sso_identity`` links an (issuer, subject) pair to a user, inside one tenant (SECURITY A3):
the same subject at the same issuer in another tenant is another person to us.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade():
    op.add_column("tenant", sa.Column("sso", JSON, nullable=False, server_default="[]"))
    op.create_table(
        "sso_identity",
        sa.Column("provider", sa.String(length=60), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_sso_identity_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_sso_identity_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sso_identity")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_sso_identity_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "issuer",
            "subject",
            name=op.f("uq_sso_identity_tenant_id_issuer_subject"),
        ),
    )
    op.create_index("ix_sso_identity_user_id", "sso_identity", ["user_id"], unique=False)
    enable_tenant_rls("sso_identity")


def downgrade():
    disable_tenant_rls("sso_identity")
    op.drop_index("ix_sso_identity_user_id", table_name="sso_identity")
    op.drop_table("sso_identity")
    op.drop_column("tenant", "sso")
