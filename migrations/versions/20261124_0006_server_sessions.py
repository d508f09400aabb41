"""Server-side sign-in sessions (SECURITY S1).

``web_session`` holds one row per signed-in browser: the SHA-256 of the cookie's random session
id (never the id itself), the person, and the times the idle and absolute limits need. Revoking
a row ends that session at the browser's next request.

A platform table like ``user_account`` and ``sign_in_failure``: no ``tenant_id`` and no
row-level security, because a session is looked up (by its hash) before any tenant or person is
known, and an administrator's deactivation revokes another person's rows. The app role gets
SELECT, INSERT, UPDATE, DELETE through the owner's default privileges
(``flask postgres create-roles``), as for every core table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "web_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_web_session_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("id_hash", name=op.f("uq_web_session_id_hash")),
    )
    op.create_index("ix_web_session_user_id", "web_session", ["user_id"], unique=False)


def downgrade():
    op.drop_index("ix_web_session_user_id", table_name="web_session")
    op.drop_table("web_session")
