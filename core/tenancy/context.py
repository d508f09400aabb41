"""The current tenant (and user) of a request, CLI command or job.

Kept on ``flask.g`` so it lives exactly as long as the app context and its database session.
Changing it re-applies the PostgreSQL settings at once if a transaction is already open.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import g, has_app_context

if TYPE_CHECKING:
    from core.tenancy.models import Tenant


def current_tenant_id() -> uuid.UUID | None:
    """The tenant this unit of work is for, or None outside any tenant."""
    if not has_app_context():
        return None
    return g.get("tenant_id")


def current_tenant() -> Tenant | None:
    if not has_app_context():
        return None
    return g.get("tenant")


def current_user_id() -> uuid.UUID | None:
    """The signed-in person, used by the membership RLS policy to list their own tenants."""
    if not has_app_context():
        return None
    return g.get("rls_user_id")


def activate_tenant(tenant: Tenant) -> None:
    """Make ``tenant`` the one every query of this app context is scoped to.

    Refuses to switch to a different tenant: a session must never span two tenants
    (``Session.get`` would hand back another tenant's cached object without asking the database).
    """
    existing = g.get("tenant_id")
    if existing is not None and existing != tenant.id:
        raise RuntimeError("This unit of work is already bound to another tenant.")
    g.tenant = tenant
    g.tenant_id = tenant.id
    if g.pop("tenant_settings_applied", None) == tenant.id:
        return  # the tenant lookup set it in this transaction already
    from core.tenancy.scoping import apply_database_settings

    apply_database_settings()


def set_rls_user(user_id: uuid.UUID | None) -> None:
    g.rls_user_id = user_id
    from core.tenancy.scoping import apply_database_settings

    apply_database_settings()


@contextmanager
def tenant_context(tenant: Tenant | uuid.UUID, *, commit: bool = True) -> Iterator[Tenant]:
    """Work inside one tenant from a CLI command, a job or a test: a fresh session for it.

    The session is closed on entry and on exit, so nothing loaded for one tenant is reused for
    another. Commits on success when ``commit`` is true, rolls back on error.
    """
    from core.extensions import db
    from core.tenancy.models import Tenant as TenantModel

    tenant_id = tenant if isinstance(tenant, uuid.UUID) else tenant.id
    previous = (g.get("tenant"), g.get("tenant_id"))
    db.session.close()
    g.tenant, g.tenant_id = None, tenant_id
    try:
        loaded = db.session.get(TenantModel, tenant_id)
        if loaded is None:
            raise LookupError(f"No tenant with id {tenant_id}")
        g.tenant = loaded
        yield loaded
        if commit:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        db.session.close()
        g.tenant, g.tenant_id = previous
