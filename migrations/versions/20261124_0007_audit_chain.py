"""Audit trail tamper evidence (SECURITY L2): audit_event.seq and the audit_seal chain links.

``audit_event.seq`` is a bigint identity (``GENERATED ALWAYS``: nobody picks their own number);
existing rows are numbered in the table's physical order, which for an append-only table is
their insertion order near enough — the number only fixes the order events are sealed in.
``audit_seal`` is tenant-isolated like ``audit_event`` (platform links, ``tenant_id`` empty, are
visible only outside any tenant) and append-only the same way: the app role keeps INSERT and
SELECT, and a trigger refuses UPDATE and DELETE even to the owner. On SQLite (development) the
column is a plain nullable integer and the table has no guards: sealing needs PostgreSQL.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import CURRENT_TENANT, disable_tenant_rls, enable_tenant_rls

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CHAIN_POLICY = f"tenant_id = {CURRENT_TENANT} OR (tenant_id IS NULL AND {CURRENT_TENANT} IS NULL)"


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _is_postgresql():
        op.execute("ALTER TABLE audit_event ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY")
    else:
        op.add_column("audit_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.create_index("ix_audit_event_tenant_seq", "audit_event", ["tenant_id", "seq"], unique=False)
    op.create_table(
        "audit_seal",
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event_seq", sa.BigInteger(), nullable=True),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_audit_seal_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seal")),
        # NULLS NOT DISTINCT: the platform chain (no tenant) gets the same guarantees.
        sa.UniqueConstraint(
            "tenant_id",
            "position",
            name=op.f("uq_audit_seal_tenant_id_position"),
            postgresql_nulls_not_distinct=True,
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "event_id",
            name=op.f("uq_audit_seal_tenant_id_event_id"),
            postgresql_nulls_not_distinct=True,
        ),
    )
    enable_tenant_rls("audit_seal", using=CHAIN_POLICY, check=CHAIN_POLICY)
    if _is_postgresql():
        op.execute(SEAL_APPEND_ONLY)
        op.execute(
            "CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal "
            "FOR EACH ROW EXECUTE FUNCTION audit_seal_refuse_change()"
        )
        op.execute(REVOKE_SEAL_CHANGES)


SEAL_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_seal_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit seals are append-only (% refused)', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$
"""

# Default privileges granted UPDATE/DELETE to the app role; take them back (as 0001 does).
REVOKE_SEAL_CHANGES = """
DO $$
DECLARE grantee_name text;
BEGIN
  FOR grantee_name IN
    SELECT DISTINCT grantee FROM information_schema.role_table_grants
    WHERE table_name = 'audit_seal' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')
      AND grantee <> current_user
  LOOP
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON audit_seal FROM %I', grantee_name);
  END LOOP;
END $$
"""


def downgrade():
    if _is_postgresql():
        op.execute("DROP TRIGGER IF EXISTS audit_seal_append_only ON audit_seal")
        op.execute("DROP FUNCTION IF EXISTS audit_seal_refuse_change()")
    disable_tenant_rls("audit_seal")
    op.drop_table("audit_seal")
    op.drop_index("ix_audit_event_tenant_seq", table_name="audit_event")
    op.drop_column("audit_event", "seq")
