"""An SSO identity: (issuer, subject) at one tenant, linked to the user it signs in."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.accounts.models import User
from core.columns import Timestamps
from core.extensions import db
from core.tenancy.models import TenantScoped


class Identity(TenantScoped, Timestamps, db.Model):
    """Who a provider says someone is, keyed on (tenant, issuer, subject) — never on email.

    Tenant-scoped on purpose (SECURITY A3): each tenant's administrators choose its providers,
    so one tenant's provider can never sign anybody in as a person of another tenant, even if
    two tenants' providers hand out the same ``sub``. The same human in two tenants has two
    identities and two users. ``email`` is contact information from the claims, nothing more.
    """

    __tablename__ = "sso_identity"
    __table_args__ = TenantScoped.tenant_table_args(
        sa.UniqueConstraint("tenant_id", "issuer", "subject"),
        sa.Index("ix_sso_identity_user_id", "user_id"),
    )

    #: The ``[[sso]]`` name it last signed in through (the issuer is the key, not this).
    provider: Mapped[str] = mapped_column(sa.String(60))
    issuer: Mapped[str] = mapped_column(sa.String(500))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("user_account.id"))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    user: Mapped[User] = relationship(User, lazy="joined", viewonly=True)
