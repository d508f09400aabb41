import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import TenantScoped, db, tenant_foreign_key


class CanaryNote(TenantScoped, db.Model):
    """A note, pointing at its author's membership with a composite (tenant-safe) key."""

    __tablename__ = "canary_note"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("author_membership_id", "membership")
    )

    text: Mapped[str] = mapped_column(sa.String(500))
    author_membership_id: Mapped[uuid.UUID | None] = mapped_column(sa.Uuid)
