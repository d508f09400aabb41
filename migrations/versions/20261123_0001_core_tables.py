"""Core tables: tenants, people, organisations, memberships, API tokens, audit.

Every tenant table gets row-level security (ENABLE + FORCE + one policy). The audit table is
append-only for everyone but the owner's DDL: the app role keeps INSERT and SELECT.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from core.tenancy.rls import CURRENT_TENANT, CURRENT_USER, disable_tenant_rls, enable_tenant_rls

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sign_in_failure",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("source_address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failure")),
    )
    op.create_index(
        "ix_sign_in_failure_address_at", "sign_in_failure", ["source_address", "at"], unique=False
    )
    op.create_index("ix_sign_in_failure_email_at", "sign_in_failure", ["email", "at"], unique=False)
    op.create_table(
        "tenant",
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("ods_code", sa.String(length=9), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "plugins",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source_file", sa.String(length=255), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenant_slug")),
    )
    op.create_table(
        "user_account",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("is_platform_operator", sa.Boolean(), nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False),
        sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_account")),
        sa.UniqueConstraint("email", name=op.f("uq_user_account_email")),
    )
    op.create_table(
        "audit_event",
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_label", sa.String(length=320), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("object_type", sa.String(length=80), nullable=True),
        sa.Column("object_id", sa.String(length=80), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("source_address", sa.String(length=64), nullable=True),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_audit_event_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    op.create_index(
        "ix_audit_event_tenant_actor",
        "audit_event",
        ["tenant_id", "actor_user_id", "at"],
        unique=False,
    )
    op.create_index("ix_audit_event_tenant_at", "audit_event", ["tenant_id", "at"], unique=False)
    op.create_index(
        "ix_audit_event_tenant_object",
        "audit_event",
        ["tenant_id", "object_type", "object_id"],
        unique=False,
    )
    op.create_table(
        "organisation",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("ods_code", sa.String(length=9), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("partner", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_organisation_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_organisation_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_organisation_tenant_id_key")),
    )
    op.create_table(
        "membership",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column(
            "roles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisation.tenant_id", "organisation.id"],
            name=op.f("fk_membership_tenant_id_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_membership_tenant_id_tenant")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_membership_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_membership_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_membership_tenant_id_user_id")),
    )
    op.create_index("ix_membership_user_id", "membership", ["user_id"], unique=False)
    op.create_table(
        "api_token",
        sa.Column("membership_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_api_token_tenant_id_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_api_token_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_api_token_tenant_id_id")),
        sa.UniqueConstraint(
            "tenant_id", "token_hash", name=op.f("uq_api_token_tenant_id_token_hash")
        ),
    )
    enable_tenant_rls("organisation")
    enable_tenant_rls("api_token")
    enable_tenant_rls("membership")
    # Outside any tenant (the tenant chooser) a person may also read their own memberships in
    # every tenant: a separate SELECT-only policy, so it never widens UPDATE/DELETE, and never
    # applies inside a tenant (else A's tenant gate could find a member of B wherever the ORM
    # filter is off).
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE POLICY own_memberships ON membership FOR SELECT "
            f"USING ({CURRENT_TENANT} IS NULL AND user_id = {CURRENT_USER})"
        )
    # Platform events (no tenant) are visible only outside any tenant.
    enable_tenant_rls(
        "audit_event",
        using=f"tenant_id = {CURRENT_TENANT} OR (tenant_id IS NULL AND {CURRENT_TENANT} IS NULL)",
        check=f"tenant_id = {CURRENT_TENANT} OR (tenant_id IS NULL AND {CURRENT_TENANT} IS NULL)",
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_refuse_change()"
        )
        op.execute(REVOKE_AUDIT_CHANGES)


APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$
"""

# Default privileges may have granted UPDATE/DELETE to the app role; take them back.
REVOKE_AUDIT_CHANGES = """
DO $$
DECLARE grantee_name text;
BEGIN
  FOR grantee_name IN
    SELECT DISTINCT grantee FROM information_schema.role_table_grants
    WHERE table_name = 'audit_event' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
      AND grantee <> current_user
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_event FROM %I', grantee_name);
  END LOOP;
END $$
"""


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_refuse_change()")
        op.execute("DROP POLICY IF EXISTS own_memberships ON membership")
    for table in ("audit_event", "membership", "api_token", "organisation"):
        disable_tenant_rls(table)
    op.drop_table("api_token")
    op.drop_index("ix_membership_user_id", table_name="membership")
    op.drop_table("membership")
    op.drop_table("organisation")
    op.drop_index("ix_audit_event_tenant_object", table_name="audit_event")
    op.drop_index("ix_audit_event_tenant_at", table_name="audit_event")
    op.drop_index("ix_audit_event_tenant_actor", table_name="audit_event")
    op.drop_table("audit_event")
    op.drop_table("user_account")
    op.drop_table("tenant")
    op.drop_index("ix_sign_in_failure_email_at", table_name="sign_in_failure")
    op.drop_index("ix_sign_in_failure_address_at", table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
