"""Core's own hook implementations: core's permissions and roles are contributed like a plugin's."""

from __future__ import annotations

from core.accounts.permissions import CORE_PERMISSIONS, CORE_ROLES
from core.plugins.hookspecs import hookimpl


@hookimpl(trylast=True)
def register_permissions():
    return list(CORE_PERMISSIONS)


@hookimpl(trylast=True)
def register_roles():
    return list(CORE_ROLES)


@hookimpl(tryfirst=True)
def register_demo_data(tenant):
    """Core's demo people (with those the plugins ask for) and synthetic clients, for every
    demo tenant: first, so the plugins' demo data can use them."""
    from core.accounts.demo import ensure_demo_people
    from core.clients.demo import load

    return ensure_demo_people(tenant) + load(tenant)
