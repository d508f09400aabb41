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
