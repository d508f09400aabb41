"""Step Out housing: homes found before discharge from hospital (issue 9).

A housing worker on the inpatient pathway takes referrals from wards, searches for a home, records
the move-in and discharge (and delayed days), follows the tenancy up at 1, 3, 6 and 12 months, and
counts crisis use in the 6 months before versus after move-in (report ``step-out-crisis/3``).
See README.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from core.plugins.api import (
    ExportSection,
    JobKind,
    NavItem,
    Panel,
    Permission,
    PluginInfo,
    Role,
    Schedule,
    TimelineEntry,
    hookimpl,
)

INFO = PluginInfo(
    name="step_out",
    title="Step Out housing",
    summary="Homes found before discharge from hospital.",
    requires_core=">=0.1",
    settings_schema="plugins.step_out.schemas:StepOutSettings",
)

READ, WRITE, REPORTS = "step_out.read", "step_out.write", "step_out.reports"
IMPORT = "step_out.import"


@hookimpl
def register_models():
    from .models import MODELS

    return list(MODELS)


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
        Permission(READ, "See Step Out referrals, housing search, reviews and crisis use."),
        Permission(WRITE, "Record Step Out referrals, actions, offers, reviews and crisis use."),
        Permission(REPORTS, "Run the Step Out outcome report and per-client figures."),
        Permission(IMPORT, "Import crisis contacts and admissions from the trust's records."),
    ]


@hookimpl
def register_roles():
    base = {"tenant.read", "tokens.manage"}
    return [
        Role(
            "housing_worker",
            "Housing worker",
            frozenset(base | {"clients.read", READ, WRITE, IMPORT, "jobs.read"}),
            "Finds homes for inpatients before discharge and follows the tenancy up.",
        ),
        Role(
            "housing_team_leader",
            "Housing team leader",
            frozenset(
                base | {"clients.read", READ, WRITE, IMPORT, REPORTS, "reports.read", "jobs.read"}
            ),
            "Leads the Step Out team; runs the outcome report.",
        ),
        Role(
            "housing_provider_partner",
            "Housing provider partner",
            # No clients.read: a provider sees only the Step Out parts of shared clients; no
            # import: the trust's crisis records are not theirs to load.
            frozenset(base | {READ, WRITE}),
            "Staff of a housing provider: sees only clients shared with their organisation, "
            "and only their Step Out referral, offers and reviews.",
            for_partners=True,
        ),
    ]


@hookimpl
def register_navigation(tenant, viewer):
    return [NavItem("Step Out", "step_out.caseload", permission=READ, order=40)]


@hookimpl
def register_client_panels(tenant, client_id, viewer):
    from core.plugins.api import has_permission

    if not has_permission(READ):
        return []
    from .services import OPEN_STATUSES, crisis_events_of, referrals_of

    events = crisis_events_of(client_id)
    referrals = referrals_of(client_id)
    return [
        Panel(
            "Step Out housing",
            "step_out/panel.html",
            {
                "client_id": client_id,
                "referrals": referrals,
                "open_referral": next((r for r in referrals if r.status in OPEN_STATUSES), None),
                "contacts": sum(1 for e in events if e.kind == "crisis_contact"),
                "admissions": sum(1 for e in events if e.kind == "admission"),
                "can_write": has_permission(WRITE),
            },
            order=40,
        )
    ]


@hookimpl
def register_timeline_entries(tenant, client_id, viewer, limit):
    from core.plugins.api import has_permission

    if not has_permission(READ):
        return []
    from .record import timeline_events

    return [
        TimelineEntry(
            at=datetime.combine(day, time(12, 0), tzinfo=UTC),
            kind=kind,
            summary=summary,
            source="step_out",
            all_day=True,
        )
        for day, kind, summary in timeline_events(client_id)[:limit]
    ]


@hookimpl
def register_reports(tenant):
    from .reports import CRISIS_REPORT

    return [CRISIS_REPORT]


@hookimpl
def register_job_kinds():
    from .crisis_import import import_crisis_csv
    from .jobs import mark_reviews_due

    return [
        JobKind(
            key="step_out.review_reminders",
            title="Mark Step Out tenancy reviews that have fallen due",
            function=mark_reviews_due,
        ),
        JobKind(
            key="step_out.crisis_import",
            title="Import crisis contacts and admissions (CSV)",
            function=import_crisis_csv,
            retries=1,
        ),
    ]


@hookimpl
def register_schedules(tenant):
    if not tenant.plugin_settings("step_out").get("review_reminders", True):
        return []
    return [Schedule(job_kind="step_out.review_reminders", every="daily")]


@hookimpl
def register_client_export(tenant, client_id):
    from .record import export_records

    records = export_records(client_id)
    return [
        ExportSection(title=f"Step Out {name.replace('_', ' ')}", records=rows, source="step_out")
        for name, rows in records.items()
    ]


@hookimpl
def on_client_erasure(tenant, client_id, decision):
    from .record import erase_client

    erase_client(client_id, decision)


@hookimpl
def register_demo_staff(tenant):
    from .demo import DEMO_STAFF

    return list(DEMO_STAFF)


@hookimpl
def register_demo_data(tenant):
    from .demo import load_demo_data

    return load_demo_data()
