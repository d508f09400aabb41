"""Restriction of processing and the decisions on erasure and restriction requests.

Adds ``restricted_at``/``restricted_reason`` to ``client`` (the current state) and the
``client_rights_decision`` history: RLS forced with a tenant policy, composite keys, and a
trigger that refuses UPDATE and DELETE (a decision is never rewritten, only followed by another).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("client", sa.Column("restricted_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("client", sa.Column("restricted_reason", sa.String(length=2000), nullable=True))
    op.create_table(
        "client_rights_decision",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("request", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("decided_by_membership_id", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_client_rights_decision_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "decided_by_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_rights_decision_tenant_id_decided_by_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_client_rights_decision_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_rights_decision")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_client_rights_decision_tenant_id_id")),
    )
    op.create_index(
        "ix_client_rights_decision_tenant_client_at",
        "client_rights_decision",
        ["tenant_id", "client_id", "decided_at"],
        unique=False,
    )
    enable_tenant_rls("client_rights_decision")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(DECISION_IMMUTABLE)
        op.execute(
            "CREATE TRIGGER client_rights_decision_immutable BEFORE UPDATE OR DELETE "
            "ON client_rights_decision FOR EACH ROW "
            "EXECUTE FUNCTION client_rights_decision_refuse_change()"
        )


DECISION_IMMUTABLE = """
CREATE OR REPLACE FUNCTION client_rights_decision_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rights decisions are history; record a new decision instead'
    USING ERRCODE = 'insufficient_privilege';
END $$
"""


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP TRIGGER IF EXISTS client_rights_decision_immutable ON client_rights_decision"
        )
        op.execute("DROP FUNCTION IF EXISTS client_rights_decision_refuse_change()")
    disable_tenant_rls("client_rights_decision")
    op.drop_index("ix_client_rights_decision_tenant_client_at", table_name="client_rights_decision")
    op.drop_table("client_rights_decision")
    op.drop_column("client", "restricted_reason")
    op.drop_column("client", "restricted_at")
