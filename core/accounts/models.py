"""Accounts: a global person, the organisations of a tenant, and the membership linking them."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.columns import JSONType, Timestamps, UUIDPrimaryKey, utcnow
from core.extensions import db
from core.tenancy.models import TenantScoped, tenant_foreign_key

#: Kinds of organisation a tenant works with (DESIGN §1).
ORGANISATION_KINDS: dict[str, str] = {
    "trust": "NHS trust or provider",
    "housing_provider": "Housing provider",
    "job_centre_plus": "Job Centre Plus",
    "recovery_college": "Recovery College",
    "employer": "Employer",
    "voluntary_sector": "Voluntary sector organisation",
}


def default_partner(kind: str) -> bool:
    """Whether an organisation of ``kind`` is a partner unless its tenant file says otherwise.

    The trust runs the service; everyone else is a partner. A housing association running its
    own tenant marks its organisation ``partner = false`` in the tenant file.
    """
    return kind != "trust"


class User(UUIDPrimaryKey, Timestamps, db.Model):
    """A person. Global, because one person may work for two trusts; grants nothing by itself.

    ``session_epoch`` is part of the signed-in session's identity: raising it signs the person
    out everywhere at once.
    """

    __tablename__ = "user_account"

    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    is_platform_operator: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    session_epoch: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_epoch}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Organisation(TenantScoped, Timestamps, db.Model):
    """The trust itself or one of its partners, inside one tenant."""

    __tablename__ = "organisation"
    __table_args__ = TenantScoped.tenant_table_args(sa.UniqueConstraint("tenant_id", "key"))

    #: Stable key from the tenant's TOML file (``jcp-southampton``); sync matches on it.
    key: Mapped[str] = mapped_column(sa.String(60))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(30))
    ods_code: Mapped[str | None] = mapped_column(sa.String(9))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    #: Partner staff see only clients shared with their organisation (need-to-know). Defaults
    #: to true so that a forgotten flag fails closed.
    partner: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    @property
    def is_partner(self) -> bool:
        return self.partner


class Membership(TenantScoped, Timestamps, db.Model):
    """What grants anything: a person, working for an organisation, in a tenant, with roles."""

    __tablename__ = "membership"
    __table_args__ = TenantScoped.tenant_table_args(
        sa.UniqueConstraint("tenant_id", "user_id"),
        tenant_foreign_key("organisation_id", "organisation"),
        sa.Index("ix_membership_user_id", "user_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("user_account.id"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    user: Mapped[User] = relationship(User, lazy="joined", viewonly=True)
    organisation: Mapped[Organisation] = relationship(
        Organisation,
        primaryjoin="and_(Membership.tenant_id == Organisation.tenant_id, "
        "Membership.organisation_id == Organisation.id)",
        foreign_keys="[Membership.tenant_id, Membership.organisation_id]",
        viewonly=True,
        lazy="joined",
    )


class ApiToken(TenantScoped, db.Model):
    """A personal access token, scoped to one membership. Only its SHA-256 is stored."""

    __tablename__ = "api_token"
    __table_args__ = TenantScoped.tenant_table_args(
        sa.UniqueConstraint("tenant_id", "token_hash"),
        tenant_foreign_key("membership_id", "membership"),
    )

    membership_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    #: First characters of the token, shown in lists so a person can tell tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    def is_usable(self, now: datetime) -> bool:
        expires = self.expires_at
        if expires.tzinfo is None:  # SQLite hands back naive datetimes
            now = now.replace(tzinfo=None)
        return self.revoked_at is None and expires > now


class SignInFailure(UUIDPrimaryKey, db.Model):
    """A failed local sign-in, for throttling. Global: it happens before any tenant is known."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (
        sa.Index("ix_sign_in_failure_email_at", "email", "at"),
        sa.Index("ix_sign_in_failure_address_at", "source_address", "at"),
    )

    email: Mapped[str] = mapped_column(sa.String(320))
    source_address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class WebSession(UUIDPrimaryKey, db.Model):
    """A signed-in web session, held server-side so it can be ended at once (SECURITY S1).

    The browser's cookie carries a random session id (256 bits from ``secrets``); only its
    SHA-256 is stored here. Global, like the person: one signs in before choosing a tenant.
    A request whose id is unknown, revoked, idle too long or past ``expires_at`` is anonymous.
    """

    __tablename__ = "web_session"
    __table_args__ = (
        sa.UniqueConstraint("id_hash"),
        sa.Index("ix_web_session_user_id", "user_id"),
    )

    id_hash: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid, sa.ForeignKey("user_account.id"))
    #: How the person signed in: ``password`` or ``sso``.
    method: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: The absolute limit: sign-in time plus ``SESSION_ABSOLUTE_SECONDS``, whatever the activity.
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
