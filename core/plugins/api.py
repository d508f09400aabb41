"""The one module a plugin imports from core. Everything here is a stable contract.

A plugin uses these types to answer hooks, these blueprint factories for its routes, and
``requires`` to declare the permission each view needs. Anything not exported here is core's
business and may change without notice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.accounts.permissions import Permission, Role, has_permission, public, requires
from core.columns import JSONType, Timestamps, utcnow
from core.extensions import db
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import plugin_enabled, tenant_hooks
from core.tenancy.blueprints import tenant_api_blueprint, tenant_ui_blueprint
from core.tenancy.context import current_tenant, current_tenant_id
from core.tenancy.models import TenantScoped, tenant_foreign_key
from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls


@dataclass(frozen=True)
class PluginInfo:
    """What a plugin says about itself (its module-level ``INFO``).

    ``settings_schema`` is an import path ``"package.module:SchemaClass"`` of a marshmallow schema
    that validates the tenant's ``[plugins.<name>]`` table at sync time.
    """

    name: str
    title: str
    summary: str
    requires_core: str = ">=0.1"
    settings_schema: str | None = None


@dataclass(frozen=True)
class NavItem:
    """A link in the tenant's main navigation."""

    label: str
    endpoint: str
    permission: str | None = None
    order: int = 100


@dataclass(frozen=True)
class Panel:
    """A panel on the client record page: a template rendered with ``context``."""

    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass(frozen=True)
class TimelineEntry:
    """One event on a client's timeline."""

    at: datetime
    kind: str
    summary: str
    source: str
    url: str | None = None


@dataclass(frozen=True)
class Report:
    """A report the reports framework can run: its definition version is part of every figure."""

    key: str
    title: str
    description: str
    definition_version: str
    run: Callable[..., Any]
    parameters: tuple[str, ...] = ("period_start", "period_end")


@dataclass(frozen=True)
class JobKind:
    """A kind of background job: ``function(job_run_id)`` must be safe to run twice."""

    key: str
    title: str
    function: Callable[..., Any]


@dataclass(frozen=True)
class Schedule:
    """A periodic job for one tenant: ``every`` is ``"daily"``, ``"weekly"`` or ``"monthly"``."""

    job_kind: str
    every: str
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportSection:
    """Part of a subject access export: a title and JSON-serialisable records."""

    title: str
    records: list[dict[str, Any]]
    source: str


__all__ = [
    "ExportSection",
    "JSONType",
    "JobKind",
    "NavItem",
    "Panel",
    "Permission",
    "PluginInfo",
    "Report",
    "Role",
    "Schedule",
    "TenantScoped",
    "TimelineEntry",
    "Timestamps",
    "current_tenant",
    "current_tenant_id",
    "db",
    "disable_tenant_rls",
    "enable_tenant_rls",
    "has_permission",
    "hookimpl",
    "plugin_enabled",
    "public",
    "requires",
    "tenant_api_blueprint",
    "tenant_foreign_key",
    "tenant_hooks",
    "tenant_ui_blueprint",
    "utcnow",
    "uuid",
]
