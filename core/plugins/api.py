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

import sqlalchemy as sa

from core.accounts.models import Membership, Organisation
from core.accounts.permissions import Permission, Role, has_permission, public, requires
from core.api.etag import etag_for, guarded_update, require_if_match, touch, with_etag
from core.api.pagination import check_page
from core.audit.service import record as audit
from core.clients.access import active_share_clause, is_partner_viewer, visible_clients_clause
from core.clients.export import safe_cell
from core.clients.models import Client
from core.clients.processing import may_process_client, processable_clients_clause
from core.clients.sharing import give_consent, share_with
from core.columns import JSONType, Timestamps, utcnow
from core.dates import EventDate, EventDateRange, event_date_problem
from core.extensions import db
from core.jobs.runner import JobCancelled, JobError, JobResult
from core.jobs.runner import progress as job_progress
from core.jobs.services import enqueue as enqueue_job
from core.plugins.hookspecs import hookimpl
from core.plugins.manager import plugin_enabled, tenant_hooks
from core.reports.types import ChartSpec, ReportColumn, ReportResult
from core.tenancy.blueprints import tenant_api_blueprint, tenant_ui_blueprint
from core.tenancy.context import current_tenant, current_tenant_id
from core.tenancy.models import TenantScoped, tenant_foreign_key
from core.tenancy.rls import disable_tenant_rls, enable_tenant_rls
from core.web.fields import NhsDateField


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
    """A panel on the client record page: ``template`` rendered with the keys of ``context`` as
    variables, plus ``client`` (the record) and ``panel`` (this object)."""

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
    #: The event has a date but no time (a start date, a review): shown without a time. Put
    #: ``at`` at midday UTC of that date so it sorts sensibly among timed entries.
    all_day: bool = False


@dataclass(frozen=True)
class Report:
    """A report the reports framework can run: its definition version is part of every figure."""

    key: str
    title: str
    description: str
    definition_version: str
    run: Callable[..., Any]
    parameters: tuple[str, ...] = ("period_start", "period_end")
    #: How to chart the result (None: a table only).
    chart: ChartSpec | None = None
    #: ``drilldown(drill, **parameters)`` returns a ``select`` of the Client rows behind a figure
    #: (``drill`` is the row's ``_drill`` value); core limits it to what the viewer may see.
    drilldown: Callable[..., Any] | None = None
    #: What each figure means, for the "About this report" sheet (column key -> definition).
    definitions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JobKind:
    """A kind of background job.

    ``function(**parameters)`` runs inside the job's tenant and must be safe to run twice. It may
    call ``job_progress(percent, message)`` and returns JSON data or a :class:`JobResult`.
    Transient failures (database or Redis unavailable) are retried ``retries`` times with back-off.
    """

    key: str
    title: str
    function: Callable[..., Any]
    retries: int = 3
    #: Seconds before RQ stops the job.
    timeout: int = 1800


@dataclass(frozen=True)
class Schedule:
    """A periodic job for one tenant: ``every`` is ``"daily"``, ``"weekly"`` or ``"monthly"``."""

    job_kind: str
    every: str
    parameters: dict[str, Any] = field(default_factory=dict)
    #: Distinguishes two schedules of the same job kind (default: the job kind).
    name: str | None = None
    #: Add ``period_start``/``period_end`` of the last complete period to the parameters.
    period_parameters: bool = False


@dataclass(frozen=True)
class ExportSection:
    """Part of a subject access export: a title and JSON-serialisable records."""

    title: str
    records: list[dict[str, Any]]
    source: str


@dataclass(frozen=True)
class DemoStaff:
    """Roles a plugin wants given in its demo tenants (``flask demo load``; demo data only —
    real tenants give roles through the admin pages or SSO). One of three kinds:

    * ``person=(local part, display name)``: a person of the plugin's own at the demo
      organisation of ``organisation_kind``/``partner`` (email ``<local>@<tenant>.demo.example``);
    * ``administrators=True``: the roles go to every tenant administrator, so the one demo
      sign-in can see every service (a plugin's lead role);
    * otherwise: the roles go to core's demo person at that kind of organisation (the work coach
      at Job Centre Plus, the housing officer at a housing provider…).
    """

    roles: tuple[str, ...]
    organisation_kind: str = "trust"
    partner: bool = False
    person: tuple[str, str] | None = None
    administrators: bool = False


def member_names(membership_ids: Any) -> dict[uuid.UUID, str]:
    """Display names of the current tenant's memberships (staff), for pages, reports and jobs.

    One query however many ids; ids of another tenant are simply absent.
    """
    ids = {i for i in membership_ids if i is not None}
    if not ids:
        return {}
    from core.accounts.models import User

    rows = db.session.execute(
        sa.select(Membership.id, User.display_name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.id.in_(ids))
    ).all()
    return {membership_id: name for membership_id, name in rows}


__all__ = [
    "ChartSpec",
    "Client",
    "DemoStaff",
    "EventDate",
    "EventDateRange",
    "ExportSection",
    "JSONType",
    "JobCancelled",
    "JobError",
    "JobKind",
    "JobResult",
    "Membership",
    "NavItem",
    "NhsDateField",
    "Organisation",
    "Panel",
    "Permission",
    "PluginInfo",
    "Report",
    "ReportColumn",
    "ReportResult",
    "Role",
    "Schedule",
    "TenantScoped",
    "TimelineEntry",
    "Timestamps",
    "active_share_clause",
    "audit",
    "check_page",
    "current_tenant",
    "current_tenant_id",
    "db",
    "disable_tenant_rls",
    "enable_tenant_rls",
    "enqueue_job",
    "etag_for",
    "event_date_problem",
    "give_consent",
    "guarded_update",
    "has_permission",
    "hookimpl",
    "is_partner_viewer",
    "job_progress",
    "may_process_client",
    "member_names",
    "plugin_enabled",
    "processable_clients_clause",
    "public",
    "require_if_match",
    "requires",
    "safe_cell",
    "share_with",
    "tenant_api_blueprint",
    "tenant_foreign_key",
    "tenant_hooks",
    "tenant_ui_blueprint",
    "touch",
    "utcnow",
    "uuid",
    "visible_clients_clause",
    "with_etag",
]
