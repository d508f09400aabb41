"""IPS supported employment (issue 8): Individual Placement and Support in community
mental-health teams, with Job Centre Plus, Recovery Colleges and employers.

The plugin is a set of slices, each with its own services, REST API and pages:

* ``referral_*`` — referrals (episodes), vocational profile and plan, benefits advice, caseloads;
* ``work_*`` — employers and employer contacts, job/education/voluntary/work-experience starts,
  in-work support, employment retention cases;
* ``meetings_*`` — joint caseload meetings with Job Centre Plus;
* ``fidelity_*`` — fidelity reviews on the 25-item scale, with action plans and the trend;
* ``surveys_*`` — client satisfaction surveys;
* ``reports`` — the commissioner's outcome table (``ips-outcomes/3``) and the service reports;
* ``demo`` — synthetic demo data.

See README.md.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from core.plugins.api import (
    ExportSection,
    NavItem,
    Panel,
    Permission,
    PluginInfo,
    Role,
    TimelineEntry,
    hookimpl,
    member_names,
)

INFO = PluginInfo(
    name="ips",
    title="IPS supported employment",
    summary="Individual Placement and Support: paid work, education and in-work support.",
    requires_core=">=0.1",
    settings_schema="plugins.ips.settings:IpsSettings",
)

#: Everything about IPS clients, for the service's own staff.
READ, WRITE = "ips.read", "ips.write"
#: Job Centre Plus (and other partners): the IPS summary of clients shared with their
#: organisation, and the joint meetings of their organisation. Never the vocational profile.
PARTNER_READ = "ips.partner_read"
MEETINGS = "ips.meetings"
FIDELITY = "ips.fidelity"
REPORTS = "ips.reports"
EMPLOYERS = "ips.employers"


@hookimpl
def register_models():
    from .models import MODELS

    return list(MODELS)


@hookimpl
def register_migrations():
    return [str(Path(__file__).parent / "migrations" / "versions")]


@hookimpl
def register_blueprints():
    from . import (
        fidelity_api,
        fidelity_views,
        meetings_api,
        meetings_views,
        referral_api,
        referral_views,
        surveys_api,
        surveys_views,
        work_api,
        work_views,
    )

    return [
        referral_views.bp,
        referral_api.blp,
        work_views.bp,
        work_api.blp,
        meetings_views.bp,
        meetings_api.blp,
        fidelity_views.bp,
        fidelity_api.blp,
        surveys_views.bp,
        surveys_api.blp,
    ]


@hookimpl
def register_permissions():
    return [
        Permission(READ, "See IPS referrals, vocational profiles, outcomes and support."),
        Permission(WRITE, "Record IPS referrals, profiles, job starts, support and surveys."),
        Permission(
            PARTNER_READ,
            "Partners: see the IPS summary (status, specialist, starts) of shared clients and "
            "the joint meetings of their own organisation.",
        ),
        Permission(EMPLOYERS, "See and record employers and employer contacts."),
        Permission(MEETINGS, "Record joint caseload meetings with Job Centre Plus."),
        Permission(FIDELITY, "Record IPS fidelity reviews and their action plans."),
        Permission(REPORTS, "Run the IPS outcome and service reports."),
    ]


@hookimpl
def register_roles():
    base = {"tenant.read", "tokens.manage"}
    specialist = base | {"clients.read", "timeline.write", "jobs.read", READ, WRITE, EMPLOYERS}
    return [
        Role(
            "employment_specialist",
            "Employment specialist",
            frozenset(specialist | {MEETINGS}),
            "Supports people into paid work and education, and in work; works with employers.",
        ),
        Role(
            "ips_team_leader",
            "IPS team leader",
            frozenset(specialist | {MEETINGS, FIDELITY, REPORTS, "reports.read"}),
            "Leads the IPS team: caseloads, fidelity reviews and the outcome reports.",
        ),
        Role(
            "jcp_advisor",
            "Job Centre Plus advisor",
            # No ips.read: an advisor sees the IPS summary of shared clients only.
            frozenset(base | {"clients.read", PARTNER_READ}),
            "Job Centre Plus work coach: sees only clients shared with their organisation, the "
            "IPS fields their role allows, and their organisation's joint meetings.",
            for_partners=True,
        ),
    ]


@hookimpl
def register_navigation(tenant, viewer):
    from core.plugins.api import has_permission

    # Staff go to the caseload; Job Centre Plus advisors to their shared clients' summaries.
    if has_permission(READ):
        return [NavItem("IPS", "ips.caseload", permission=READ, order=30)]
    if has_permission(PARTNER_READ):
        return [NavItem("IPS", "ips.partner_clients", permission=PARTNER_READ, order=30)]
    return []


@hookimpl
def register_client_panels(tenant, client_id, viewer):
    from core.plugins.api import has_permission

    if not has_permission(READ):
        return []  # partners never get the panel: they read the summary page
    from flask import current_app, url_for

    from . import codes
    from .referral_record import client_rows
    from .referral_services import audited

    rows = client_rows(client_id)
    referrals = rows["referrals"]
    work_url = None
    if "ips_work.client_work" in current_app.view_functions:
        work_url = url_for("ips_work.client_work", client_id=client_id)
    if referrals:
        audited("client.read", referrals[0], part="panel")
    return [
        Panel(
            "IPS supported employment",
            "ips/panel.html",
            {
                "client_id": client_id,
                "referrals": referrals,
                "open_referral": next((r for r in referrals if r.status != "closed"), None),
                "specialists": member_names({r.specialist_id for r in referrals}),
                "starts": len(rows["starts"]),
                "work_url": work_url,
                "can_write": has_permission(WRITE),
                "codes": codes,
            },
            order=30,
        )
    ]


@hookimpl
def register_timeline_entries(tenant, client_id, viewer, limit):
    from core.plugins.api import has_permission

    if not has_permission(READ):
        return []
    from .referral_record import timeline_events

    return [
        TimelineEntry(
            at=datetime.combine(day, time(12, 0), tzinfo=UTC),
            kind=kind,
            summary=summary,
            source="ips",
            all_day=True,
        )
        for day, kind, summary in timeline_events(client_id)[:limit]
    ]


@hookimpl
def register_client_export(tenant, client_id):
    from .referral_record import export_records

    return [
        ExportSection(title=f"IPS {name.replace('_', ' ')}", records=rows, source="ips")
        for name, rows in export_records(client_id).items()
    ]


@hookimpl
def register_reports(tenant):
    from .reports import REPORTS

    return list(REPORTS)


@hookimpl
def register_demo_staff(tenant):
    from .demo_team import DEMO_STAFF

    return list(DEMO_STAFF)


@hookimpl
def register_demo_data(tenant):
    from .demo import load_demo_data

    return load_demo_data(tenant)
