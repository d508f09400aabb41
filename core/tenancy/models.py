"""The tenant itself, and the mixin every tenant-owned table uses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.columns import JSONType, Timestamps, UUIDPrimaryKey
from core.extensions import db


class Tenant(UUIDPrimaryKey, Timestamps, db.Model):
    """One NHS trust or provider. Global (no RLS): its slug is in every URL anyway.

    Tenants are defined as code in ``tenants/<slug>.toml`` and applied by ``flask tenants sync``;
    nothing is ever deleted, a tenant leaving the files is suspended.
    """

    __tablename__ = "tenant"

    slug: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    ods_code: Mapped[str | None] = mapped_column(sa.String(9))
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    #: ``{plugin_name: settings}`` for the plugins this tenant runs.
    plugins: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: The tenant file's checked ``[[sso]]`` providers (core.sso.config); never a secret.
    sso: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list, server_default="[]")
    source_file: Mapped[str | None] = mapped_column(sa.String(255))
    synced_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    @property
    def enabled_plugins(self) -> frozenset[str]:
        return frozenset(self.plugins or {})

    def plugin_settings(self, plugin: str) -> dict[str, Any]:
        return dict((self.plugins or {}).get(plugin) or {})

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


class TenantScoped(UUIDPrimaryKey):
    """Mixin for every table that holds a tenant's data.

    Gives a UUID ``id``, a NOT NULL ``tenant_id`` and ``UNIQUE (tenant_id, id)`` so other tenant
    tables can point here with a composite foreign key that can never cross tenants. Models that
    need more table arguments call :meth:`tenant_table_args`.
    """

    @declared_attr
    def tenant_id(cls) -> Mapped[uuid.UUID]:
        return mapped_column(sa.Uuid, sa.ForeignKey("tenant.id"), nullable=False)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return cls.tenant_table_args()

    @classmethod
    def tenant_table_args(cls, *extra: Any) -> tuple[Any, ...]:
        """``UNIQUE (tenant_id, id)`` plus the model's own constraints and indexes."""
        return (sa.UniqueConstraint("tenant_id", "id"), *extra)


def tenant_foreign_key(column: str, target_table: str, **kw: Any) -> sa.ForeignKeyConstraint:
    """A composite foreign key ``(tenant_id, column) → target(tenant_id, id)``.

    Referential checks bypass row-level security, so a plain FK would let one tenant's row point
    at another's; including ``tenant_id`` makes that impossible.
    """
    return sa.ForeignKeyConstraint(
        ["tenant_id", column], [f"{target_table}.tenant_id", f"{target_table}.id"], **kw
    )
