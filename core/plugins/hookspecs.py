"""The whole plugin contract of Stepping Stones.

A plugin is a Python module (or package) announced by the entry-point group
``stepping_stones.plugins``. It exposes ``INFO`` (a :class:`core.plugins.api.PluginInfo`) and any
of the hooks below, each implemented with ``@hookimpl``. Hooks are always called with keyword
arguments; a plugin may accept fewer arguments than the spec names (pluggy passes only those it
asks for). For a tenant, core calls hooks only through ``tenant_hooks(tenant)``, which leaves out
every plugin the tenant has not switched on — so a switched-off plugin is never asked anything
about that tenant.

Rules (see STYLE §3): ``register_*`` hooks return a list; ``on_*`` hooks are notifications whose
return is ignored; ``provide_*`` hooks stop at the first non-None answer. Arguments may be added
over time; none is ever renamed or removed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    from flask import Blueprint

    from core.accounts.models import Membership
    from core.plugins.api import (
        DemoStaff,
        ExportSection,
        JobKind,
        NavItem,
        Panel,
        Permission,
        Report,
        Role,
        Schedule,
        TimelineEntry,
    )
    from core.tenancy.models import Tenant

hookspec = pluggy.HookspecMarker("stepping_stones")
hookimpl = pluggy.HookimplMarker("stepping_stones")


# ---------------------------------------------------------------------------------------------
# Set-up: called once when the application starts, for every installed plugin.
# ---------------------------------------------------------------------------------------------


@hookspec
def register_models() -> list[type]:
    """Import and return the plugin's SQLAlchemy models so the metadata knows their tables.

    :returns: the model classes; an empty list for none.

    Tenant gating: none — called once at start-up; tables exist for every tenant (the schema is
    global), but the ORM filter and row-level security keep each tenant's rows apart.
    """


@hookspec
def register_migrations() -> list[str]:
    """Return directories holding the plugin's Alembic revisions (its own branch).

    The branch carries ``branch_labels=("<plugin>",)`` and ``depends_on`` a core revision.

    :returns: absolute paths of ``versions`` directories.

    Tenant gating: none — migrations are global; enabling a plugin for a tenant needs no DDL.
    """


@hookspec
def register_blueprints() -> list[Blueprint]:
    """Return the plugin's Flask blueprints (UI) and flask-smorest blueprints (API).

    Build them with ``core.plugins.api.tenant_ui_blueprint`` / ``tenant_api_blueprint`` so their
    URLs carry the tenant and their routes answer 404 for tenants that have not enabled the plugin.

    :returns: blueprints to register; an empty list for none.

    Tenant gating: registered once for all tenants; every request to them is gated per tenant.
    """


@hookspec
def register_permissions() -> list[Permission]:
    """Declare the permission strings the plugin's views and API operations require.

    :returns: permissions named ``<plugin>.<thing>.<verb>`` (``ips.placements.write``).

    Tenant gating: a permission of a plugin a tenant has not enabled grants nothing there.
    """


@hookspec
def register_roles() -> list[Role]:
    """Declare named roles (sets of permissions) that tenant admins can give people.

    :returns: roles; each may include core permissions as well as the plugin's own.

    Tenant gating: a role of a plugin a tenant has not enabled cannot be given there and grants
    nothing there.
    """


@hookspec
def register_cli_commands() -> list[click.Command]:
    """Add ``flask`` sub-commands (for example a data import the plugin owns).

    :returns: click commands or groups.

    Tenant gating: none at registration; a command working on a tenant must check that the tenant
    has the plugin enabled (``core.plugins.api.plugin_enabled``).
    """


# ---------------------------------------------------------------------------------------------
# Web: the tenant's pages.
# ---------------------------------------------------------------------------------------------


@hookspec
def register_navigation(tenant: Tenant, viewer: Membership) -> list[NavItem]:
    """Add items to the tenant's main navigation.

    :param tenant: the tenant whose pages are shown.
    :param viewer: the membership of the person reading; offer only what their roles allow.
    :returns: navigation items in display order; an empty list for none.

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


# ---------------------------------------------------------------------------------------------
# Client record: what the plugin adds to a person's record.
# ---------------------------------------------------------------------------------------------


@hookspec
def register_client_panels(tenant: Tenant, client_id: uuid.UUID, viewer: Membership) -> list[Panel]:
    """Add panels to a client's record page.

    :param tenant: the tenant the page belongs to.
    :param client_id: a client ``viewer`` is already allowed to see.
    :param viewer: the membership of the person reading.
    :returns: panels in display order; an empty list for none.

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


@hookspec
def register_timeline_entries(
    tenant: Tenant, client_id: uuid.UUID, viewer: Membership, limit: int
) -> list[TimelineEntry]:
    """Add the plugin's events (a job start, a tenancy review) to a client's timeline.

    :param tenant: the tenant of the record.
    :param client_id: a client ``viewer`` is already allowed to see.
    :param viewer: the membership of the person reading; leave out what their role may not see.
    :param limit: at most this many entries are shown; return no more than that, newest first.
    :returns: timeline entries; core merges them with its own by time.

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


# ---------------------------------------------------------------------------------------------
# Reports and jobs.
# ---------------------------------------------------------------------------------------------


@hookspec
def register_reports(tenant: Tenant) -> list[Report]:
    """Declare the reports the plugin offers commissioners and team leaders.

    :param tenant: the tenant asking; a plugin may offer different reports by its settings.
    :returns: report definitions (key, title, definition version, parameters, runner).

    Tenant gating: only plugins enabled for ``tenant`` are called, so a switched-off plugin's
    reports do not exist there.
    """


@hookspec
def register_job_kinds() -> list[JobKind]:
    """Declare the background job kinds the plugin can run (key and function).

    :returns: job kinds; their functions take ids, never objects, and are safe to run twice.

    Tenant gating: registered once; enqueueing a plugin's job for a tenant that has not enabled
    the plugin is refused by core.
    """


@hookspec
def register_schedules(tenant: Tenant) -> list[Schedule]:
    """Declare periodic jobs for ``tenant`` (a monthly report, tenancy-review reminders).

    :param tenant: the tenant the scheduler is planning for.
    :returns: schedules (job kind, cron-like period, parameters).

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


# ---------------------------------------------------------------------------------------------
# Data rights: subject access and erasure.
# ---------------------------------------------------------------------------------------------


@hookspec
def register_client_export(tenant: Tenant, client_id: uuid.UUID) -> list[ExportSection]:
    """Return everything the plugin holds about one client, for a subject access request.

    :param tenant: the tenant holding the record.
    :param client_id: the client whose data is exported.
    :returns: export sections (a title and JSON-serialisable records); an empty list for none.

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


@hookspec
def on_client_erasure(tenant: Tenant, client_id: uuid.UUID, decision: dict[str, Any]) -> None:
    """Erase or restrict the plugin's data about a client after a recorded erasure decision.

    :param tenant: the tenant holding the record.
    :param client_id: the client concerned.
    :param decision: the recorded decision: ``action`` is what to do with the plugin's rows
        (``"restrict"``: keep them, the client is now hidden; ``"lift"``: a restriction ended;
        ``"erase"``: delete them), plus ``reason``, ``request`` (``erasure``, ``restriction``,
        ``lift_restriction``), ``decision`` (``refuse``, ``restrict``, ``lift``) and
        ``decision_id``. Core calls it from core.clients.rights for every decision that
        restricts or lifts (a refused erasure restricts: Art. 17(3)(c)).
    :returns: nothing; raise to refuse (the whole decision is rolled back).

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


# ---------------------------------------------------------------------------------------------
# Tenant lifecycle.
# ---------------------------------------------------------------------------------------------


@hookspec
def on_plugin_enabled(tenant: Tenant, settings: dict[str, Any]) -> None:
    """The tenant has just switched the plugin on (``flask tenants sync``): seed its defaults.

    :param tenant: the tenant, already active in the database session.
    :param settings: the validated ``[plugins.<name>]`` settings.
    :returns: nothing.

    Tenant gating: only the plugin being enabled is called.
    """


@hookspec
def on_plugin_disabled(tenant: Tenant) -> None:
    """The tenant has switched the plugin off. Its data stays; nothing may be deleted here.

    :param tenant: the tenant.
    :returns: nothing.

    Tenant gating: only the plugin being disabled is called.
    """


@hookspec
def register_demo_data(tenant: Tenant) -> list[str]:
    """Load the plugin's synthetic demo data into ``tenant`` (``flask demo load``).

    Demo people must use NHS numbers from the never-issued 999 range.

    :param tenant: a demo tenant, active in the database session.
    :returns: one line per thing loaded, for the command's output.

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """


@hookspec
def register_demo_staff(tenant: Tenant) -> list[DemoStaff]:
    """Name the people and roles the plugin's demo needs in a demo tenant running it.

    Core's demo (``flask demo load``) makes them with its own demo people, before any plugin's
    ``register_demo_data`` runs, so a plugin never creates accounts itself.

    :param tenant: a demo tenant, active in the database session.
    :returns: the roles to give, and to whom (see :class:`~core.plugins.api.DemoStaff`).

    Tenant gating: only plugins enabled for ``tenant`` are called.
    """
