"""Canary: a tiny plugin that exists only to prove every hook and the per-tenant gating.

It has a model and its own migration branch, a UI and an API blueprint, a permission and a role,
a navigation item, a client panel, a timeline entry, a job kind, a schedule, a report, an
export section, erasure, demo data, a CLI command and a settings schema. Every hook records its
calls in ``CALLS`` so tests can show that a tenant without the plugin never reaches it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.plugins.api import (
    ExportSection,
    JobKind,
    NavItem,
    Panel,
    Permission,
    PluginInfo,
    Report,
    Role,
    Schedule,
    TimelineEntry,
    hookimpl,
    utcnow,
)

INFO = PluginInfo(
    name="canary",
    title="Canary test plugin",
    summary="Proves the plugin contract in the test suite.",
    settings_schema="tests.plugins.canary.schemas:CanarySettings",
)

#: (hook name, tenant slug or None) for every call, newest last.
CALLS: list[tuple[str, str | None]] = []


def _called(name: str, tenant: Any = None) -> None:
    CALLS.append((name, getattr(tenant, "slug", None)))


@hookimpl
def register_models():
    from .models import CanaryNote

    return [CanaryNote]


@hookimpl
def register_migrations():
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def register_blueprints():
    from .api import blp
    from .views import bp

    return [bp, blp]


@hookimpl
def register_permissions():
    return [
        Permission("canary.notes.read", "Read canary notes."),
        Permission("canary.notes.write", "Write canary notes."),
    ]


@hookimpl
def register_roles():
    return [
        Role(
            "canary_keeper",
            "Canary keeper",
            frozenset({"tenant.read", "canary.notes.read", "canary.notes.write"}),
        )
    ]


@hookimpl
def register_cli_commands():
    import click

    @click.command("canary-sing")
    def sing() -> None:
        """Print a line (proves plugin CLI commands are registered)."""
        click.echo("tweet")

    return [sing]


@hookimpl
def register_navigation(tenant, viewer):
    _called("register_navigation", tenant)
    return [NavItem("Canary notes", "canary.notes", permission="canary.notes.read", order=50)]


@hookimpl
def register_client_panels(tenant, client_id, viewer):
    _called("register_client_panels", tenant)
    return [Panel("Canary", "canary/panel.html", {"client_id": client_id})]


@hookimpl
def register_timeline_entries(tenant, client_id, viewer, limit):
    _called("register_timeline_entries", tenant)
    return [TimelineEntry(at=utcnow(), kind="canary", summary="A canary sang", source="canary")]


@hookimpl
def register_reports(tenant):
    _called("register_reports", tenant)
    from .services import count_notes

    return [
        Report(
            key="canary-notes",
            title="Canary notes",
            description="How many notes there are.",
            definition_version="canary-notes/1",
            run=count_notes,
        )
    ]


@hookimpl
def register_job_kinds():
    from .services import count_notes, poison, slow_notes, whoami

    return [
        JobKind(key="canary.count", title="Count canary notes", function=count_notes),
        JobKind(key="canary.slow", title="Write canary notes slowly", function=slow_notes),
        JobKind(key="canary.whoami", title="Report the job's tenant", function=whoami),
        JobKind(key="canary.poison", title="Fail", function=poison, retries=1),
    ]


@hookimpl
def register_schedules(tenant):
    _called("register_schedules", tenant)
    return [Schedule(job_kind="canary.count", every="monthly")]


@hookimpl
def register_client_export(tenant, client_id):
    _called("register_client_export", tenant)
    return [ExportSection(title="Canary", records=[{"client_id": str(client_id)}], source="canary")]


#: (client id, decision) for every erasure/restriction call; a test may set ``ERASURE_ERROR``
#: to make the canary refuse by raising (the whole decision must roll back).
ERASURES: list[tuple[Any, dict[str, Any]]] = []
ERASURE_ERROR: Exception | None = None


@hookimpl
def on_client_erasure(tenant, client_id, decision):
    _called("on_client_erasure", tenant)
    ERASURES.append((client_id, dict(decision)))
    if ERASURE_ERROR is not None:
        raise ERASURE_ERROR


@hookimpl
def on_plugin_enabled(tenant, settings):
    _called("on_plugin_enabled", tenant)
    from .services import seed_welcome_note

    seed_welcome_note(settings)


@hookimpl
def on_plugin_disabled(tenant):
    _called("on_plugin_disabled", tenant)


@hookimpl
def register_demo_staff(tenant):
    _called("register_demo_staff", tenant)
    from core.plugins.api import DemoStaff

    return [
        DemoStaff(roles=("canary_keeper",), person=("canary-keeper", "Cass Canary Keeper")),
        DemoStaff(roles=("canary_keeper",), administrators=True),
    ]


@hookimpl
def register_demo_data(tenant):
    _called("register_demo_data", tenant)
    from .services import seed_welcome_note

    return [seed_welcome_note({"greeting": "demo"})]
