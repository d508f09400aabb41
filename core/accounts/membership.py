"""Finding memberships: the current person's in this tenant, and theirs across tenants."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from core.accounts.models import Membership
from core.extensions import db
from core.tenancy.context import current_tenant_id
from core.tenancy.models import Tenant
from core.tenancy.scoping import ALL_TENANTS


def membership_of(user_id: uuid.UUID) -> Membership | None:
    """The active membership of ``user_id`` in the current tenant."""
    return db.session.execute(
        sa.select(Membership).where(
            Membership.tenant_id == current_tenant_id(),  # explicit: this gate decides entry
            Membership.user_id == user_id,
            Membership.active.is_(True),
        )
    ).scalar_one_or_none()


def tenants_of(user_id: uuid.UUID) -> list[Tenant]:
    """Active tenants where ``user_id`` has an active membership, for the tenant chooser.

    This one query looks across tenants: the ORM filter is lifted and the membership RLS policy
    shows a person only their own rows (``user_id = app.current_user``), nobody else's.
    """
    return list(
        db.session.execute(
            sa.select(Tenant)
            .join(Membership, Membership.tenant_id == Tenant.id)
            .where(
                Membership.user_id == user_id,
                Membership.active.is_(True),
                Tenant.status == "active",
            )
            .order_by(Tenant.name)
            .execution_options(**{ALL_TENANTS: True})
        ).scalars()
    )
