"""Permissions (strings), roles (named sets of them) and the one check every view goes through.

Core and plugins contribute both through hooks. A tenant gets the permissions and roles of core
and of the plugins it has switched on; a role or permission of a switched-off plugin grants
nothing there. Every view declares what it needs with ``@requires`` (or ``@public``): a contract
test walks the URL map and fails on any route that declares neither.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, current_app, g

if TYPE_CHECKING:
    from core.accounts.models import Membership
    from core.tenancy.models import Tenant

F = TypeVar("F", bound=Callable[..., Any])

CORE = "core"


@dataclass(frozen=True)
class Permission:
    """A permission string and what it allows, for the roles page."""

    name: str
    description: str


@dataclass(frozen=True)
class Role:
    """A named set of permissions. ``for_partners`` roles suit partner organisations' staff."""

    name: str
    title: str
    permissions: frozenset[str]
    description: str = ""
    for_partners: bool = False


@dataclass
class Catalogue:
    """Every permission and role installed, with the plugin (or core) that owns it."""

    permissions: dict[str, tuple[str, Permission]] = field(default_factory=dict)
    roles: dict[str, tuple[str, Role]] = field(default_factory=dict)

    def add(self, owner: str, permissions: Iterable[Permission], roles: Iterable[Role]) -> None:
        for permission in permissions:
            if permission.name in self.permissions:
                raise ValueError(f"Permission {permission.name!r} is declared twice.")
            self.permissions[permission.name] = (owner, permission)
        for role in roles:
            if role.name in self.roles:
                raise ValueError(f"Role {role.name!r} is declared twice.")
            self.roles[role.name] = (owner, role)

    def check(self) -> None:
        """Every role names only declared permissions (a typo would silently grant nothing)."""
        for name, (_owner, role) in self.roles.items():
            unknown = role.permissions - set(self.permissions)
            if unknown:
                raise ValueError(f"Role {name!r} names unknown permissions: {sorted(unknown)}")

    def _available(self, owner: str, tenant: Tenant) -> bool:
        return owner == CORE or owner in tenant.enabled_plugins

    def roles_for(self, tenant: Tenant) -> list[Role]:
        """Roles that can be given in ``tenant``."""
        return [role for owner, role in self.roles.values() if self._available(owner, tenant)]

    def permissions_of(self, role_names: Iterable[str], tenant: Tenant) -> frozenset[str]:
        granted: set[str] = set()
        for name in role_names:
            entry = self.roles.get(name)
            if entry is None or not self._available(entry[0], tenant):
                continue
            granted |= {
                p
                for p in entry[1].permissions
                if p in self.permissions and self._available(self.permissions[p][0], tenant)
            }
        return frozenset(granted)


def catalogue() -> Catalogue:
    return current_app.extensions["stepping_stones.catalogue"]


def permissions_for(membership: Membership, tenant: Tenant) -> frozenset[str]:
    """What ``membership`` may do in ``tenant`` (nothing if the membership is inactive)."""
    if not membership.active:
        return frozenset()
    return catalogue().permissions_of(membership.roles or [], tenant)


def has_permission(permission: str) -> bool:
    """Does the person in the current tenant request hold ``permission``?"""
    membership, tenant = g.get("membership"), g.get("tenant")
    if membership is None or tenant is None:
        return False
    cached = g.get("permissions")
    if cached is None:
        cached = g.permissions = permissions_for(membership, tenant)
    return permission in cached


def requires(permission: str) -> Callable[[F], F]:
    """Declare and enforce the permission a view or API operation needs (403 without it)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not has_permission(permission):
                abort(
                    403,
                    description=f"Your role does not allow this (it needs the {permission} "
                    "permission). Ask your tenant administrator if you need it.",
                )
            return view(*args, **kwargs)

        wrapper.required_permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view as needing no permission (sign-in page, health checks, static docs)."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


CORE_PERMISSIONS = [
    Permission("tenant.read", "See the tenant's home page and navigation."),
    Permission("organisations.read", "See the tenant's organisations."),
    Permission("memberships.read", "See who works in the tenant and their roles."),
    Permission("memberships.write", "Add people, change their roles and organisation."),
    Permission("audit.read", "Read the tenant's audit log."),
    Permission("tokens.manage", "Create and revoke one's own API tokens."),
    Permission("platform.tenants.read", "Platform operators only: list tenants (no client data)."),
    Permission("clients.read", "See client records (partners: only clients shared with them)."),
    Permission("clients.write", "Create and change client records, close and reopen them."),
    Permission("clients.export", "Download the visible client list as CSV."),
    Permission("clients.subject_access", "Produce a client's subject access export."),
    Permission("consent.write", "Record and withdraw a client's consent."),
    Permission("shares.write", "Share a client with a partner organisation, and end a share."),
    Permission("timeline.write", "Record contacts and notes on a client's timeline."),
    Permission("jobs.read", "Follow, cancel and download one's own background jobs."),
    Permission("jobs.manage", "See, cancel and download every background job of the tenant."),
    Permission("clients.import", "Import clients in bulk from a CSV or Excel file."),
    Permission(
        "reports.read", "Run reports and download them (figures; records need clients.read)."
    ),
    Permission(
        "clients.restricted.read",
        "See clients whose processing is restricted (UK GDPR Art. 18); hidden from everyone else.",
    ),
    Permission(
        "clients.rights.decide",
        "Record decisions on erasure and restriction requests, and restrict or lift a restriction.",
    ),
]

_BASE = frozenset({"tenant.read", "tokens.manage"})
_CLIENT_WORK = frozenset(
    {
        "clients.read",
        "clients.write",
        "clients.export",
        "consent.write",
        "shares.write",
        "timeline.write",
    }
)

CORE_ROLES = [
    Role(
        "tenant_admin",
        "Tenant administrator",
        _BASE
        | _CLIENT_WORK
        | {
            "organisations.read",
            "memberships.read",
            "memberships.write",
            "audit.read",
            "clients.subject_access",
            "jobs.read",
            "jobs.manage",
            "clients.import",
            "reports.read",
        },
        "Manages the tenant's people, roles and organisations; reads the audit log.",
    ),
    Role(
        "practitioner",
        "Practitioner",
        _BASE | _CLIENT_WORK | {"organisations.read", "jobs.read", "reports.read"},
        "Trust staff working with clients.",
    ),
    Role(
        "partner_advisor",
        "Partner advisor",
        _BASE | {"clients.read", "clients.export", "timeline.write"},
        "Staff of a partner organisation (Job Centre Plus, Recovery College, housing provider): "
        "sees only clients shared with their organisation.",
        for_partners=True,
    ),
    Role(
        "caldicott_guardian",
        "Caldicott Guardian",
        _BASE
        | {
            "organisations.read",
            "memberships.read",
            "audit.read",
            "clients.read",
            "clients.subject_access",
            "jobs.read",
            "reports.read",
        },
        "Oversees the use of confidential information; reads the audit log.",
    ),
    Role(
        "information_governance",
        "Information governance lead / Caldicott Guardian",
        _BASE
        | {
            "organisations.read",
            "audit.read",
            "clients.read",
            "clients.subject_access",
            "clients.restricted.read",
            "clients.rights.decide",
        },
        "Decides erasure and restriction requests; the only role that sees restricted clients.",
    ),
]
