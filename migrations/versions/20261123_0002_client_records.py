"""Client records: clients, consent, shares, contacts and notes.

RLS on every table; a trigram GIN index leading with tenant_id for name search; notes are
immutable (a trigger refuses UPDATE and DELETE).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "client",
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("local_id", sa.String(length=40), nullable=True),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("preferred_name", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("gender_identity", sa.String(length=2), nullable=True),
        sa.Column("ethnic_category", sa.String(length=2), nullable=True),
        sa.Column("address_line_1", sa.String(length=200), nullable=True),
        sa.Column("address_line_2", sa.String(length=200), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("postcode", sa.String(length=8), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("key_worker_membership_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("closed_reason", sa.String(length=30), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "key_worker_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_tenant_id_key_worker_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_client_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_client_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "local_id", name=op.f("uq_client_tenant_id_local_id")),
        sa.UniqueConstraint("tenant_id", "nhs_number", name=op.f("uq_client_tenant_id_nhs_number")),
    )
    op.create_index("ix_client_tenant_dob", "client", ["tenant_id", "date_of_birth"], unique=False)
    op.create_index(
        "ix_client_tenant_family_given",
        "client",
        ["tenant_id", "family_name", "given_name"],
        unique=False,
    )
    op.create_index(
        "ix_client_tenant_status_key_worker",
        "client",
        ["tenant_id", "status", "key_worker_membership_id"],
        unique=False,
    )
    op.create_table(
        "client_consent",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("notes", sa.String(length=1000), nullable=True),
        sa.Column("recorded_by_membership_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_membership_id", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_client_consent_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "recorded_by_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_consent_tenant_id_recorded_by_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "withdrawn_by_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_consent_tenant_id_withdrawn_by_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_client_consent_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_consent")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_client_consent_tenant_id_id")),
    )
    op.create_index(
        "ix_client_consent_tenant_client",
        "client_consent",
        ["tenant_id", "client_id"],
        unique=False,
    )
    op.create_table(
        "client_contact",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("staff_membership_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("summary", sa.String(length=2000), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_client_contact_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisation.tenant_id", "organisation.id"],
            name=op.f("fk_client_contact_tenant_id_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "staff_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_contact_tenant_id_staff_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_client_contact_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_contact")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_client_contact_tenant_id_id")),
    )
    op.create_index(
        "ix_client_contact_tenant_client_at",
        "client_contact",
        ["tenant_id", "client_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "client_note",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_membership_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("corrects_note_id", sa.Uuid(), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "author_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_note_tenant_id_author_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_client_note_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "corrects_note_id"],
            ["client_note.tenant_id", "client_note.id"],
            name=op.f("fk_client_note_tenant_id_corrects_note_id_client_note"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisation.tenant_id", "organisation.id"],
            name=op.f("fk_client_note_tenant_id_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_client_note_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_note")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_client_note_tenant_id_id")),
    )
    op.create_index(
        "ix_client_note_tenant_client_at",
        "client_note",
        ["tenant_id", "client_id", "written_at"],
        unique=False,
    )
    op.create_table(
        "client_share",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("consent_id", sa.Uuid(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_membership_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(length=500), nullable=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["client.tenant_id", "client.id"],
            name=op.f("fk_client_share_tenant_id_client_id_client"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "consent_id"],
            ["client_consent.tenant_id", "client_consent.id"],
            name=op.f("fk_client_share_tenant_id_consent_id_client_consent"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "created_by_membership_id"],
            ["membership.tenant_id", "membership.id"],
            name=op.f("fk_client_share_tenant_id_created_by_membership_id_membership"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "organisation_id"],
            ["organisation.tenant_id", "organisation.id"],
            name=op.f("fk_client_share_tenant_id_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_client_share_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_share")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_client_share_tenant_id_id")),
    )
    op.create_index(
        "ix_client_share_tenant_client", "client_share", ["tenant_id", "client_id"], unique=False
    )
    op.create_index(
        "ix_client_share_tenant_org_client",
        "client_share",
        ["tenant_id", "organisation_id", "client_id"],
        unique=False,
    )
    for table in TABLES:
        enable_tenant_rls(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        # Tenant first, then trigrams of the searched name (core.clients.search.SEARCH_NAME).
        # GiST, not GIN: under row-level security pg_trgm's match operators cannot be index
        # conditions (they are not leakproof), but nearest-first ordering by distance can use
        # a GiST index, which is how core.clients.search finds candidates.
        op.execute(
            "CREATE INDEX ix_client_tenant_name_trgm ON client USING gist "
            "(tenant_id, (lower(((given_name)::text || ' '::text) || (family_name)::text)) "
            "gist_trgm_ops)"
        )
        op.execute(NOTE_IMMUTABLE)
        op.execute(
            "CREATE TRIGGER client_note_immutable BEFORE UPDATE OR DELETE ON client_note "
            "FOR EACH ROW EXECUTE FUNCTION client_note_refuse_change()"
        )


TABLES = ("client", "client_consent", "client_share", "client_contact", "client_note")

NOTE_IMMUTABLE = """
CREATE OR REPLACE FUNCTION client_note_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'notes cannot be changed once saved; write a correction instead'
    USING ERRCODE = 'insufficient_privilege';
END $$
"""


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS client_note_immutable ON client_note")
        op.execute("DROP FUNCTION IF EXISTS client_note_refuse_change()")
        op.execute("DROP INDEX IF EXISTS ix_client_tenant_name_trgm")
    for table in TABLES:
        disable_tenant_rls(table)
    op.drop_index("ix_client_share_tenant_org_client", table_name="client_share")
    op.drop_index("ix_client_share_tenant_client", table_name="client_share")
    op.drop_table("client_share")
    op.drop_index("ix_client_note_tenant_client_at", table_name="client_note")
    op.drop_table("client_note")
    op.drop_index("ix_client_contact_tenant_client_at", table_name="client_contact")
    op.drop_table("client_contact")
    op.drop_index("ix_client_consent_tenant_client", table_name="client_consent")
    op.drop_table("client_consent")
    op.drop_index("ix_client_tenant_status_key_worker", table_name="client")
    op.drop_index("ix_client_tenant_family_given", table_name="client")
    op.drop_index("ix_client_tenant_dob", table_name="client")
    op.drop_table("client")
