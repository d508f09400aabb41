"""Applying checked tenant specs to the database: create, update, suspend; never delete."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from core import audit
from core.columns import utcnow
from core.extensions import db
from core.plugins.manager import plugins
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant
from core.tenancy.registry import TenantSpec


@dataclass
class SyncReport:
    """What a sync changed, one line each, for the command's output."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)


def apply(specs: list[TenantSpec], *, suspend_missing: bool = True) -> SyncReport:
    """Make the database match ``specs``. Safe to run again and again (no change, no lines)."""
    report = SyncReport()
    by_slug = {t.slug: t for t in db.session.execute(sa.select(Tenant)).scalars()}
    newly_enabled: list[tuple[str, str, dict]] = []
    disabled: list[tuple[str, str]] = []
    for spec in specs:
        tenant = by_slug.get(spec.slug)
        if tenant is None:
            tenant = Tenant(slug=spec.slug, name=spec.name, plugins={}, sso=[])
            db.session.add(tenant)
            report.add(f"created tenant {spec.slug}")
        before = dict(tenant.plugins or {})
        changed = []
        for attr in ("name", "ods_code", "status", "source_file"):
            if getattr(tenant, attr) != getattr(spec, attr):
                setattr(tenant, attr, getattr(spec, attr))
                changed.append(attr)
        if before != spec.plugins:
            tenant.plugins = spec.plugins
            changed.append("plugins")
        if (tenant.sso or []) != spec.sso:
            tenant.sso = spec.sso
            changed.append("sso")
        if changed and spec.slug in by_slug:
            report.add(f"updated tenant {spec.slug}: {', '.join(changed)}")
        if changed or spec.slug not in by_slug:
            tenant.synced_at = utcnow()  # when the file last changed the tenant
        newly_enabled += [(spec.slug, p, spec.plugins[p]) for p in spec.plugins if p not in before]
        disabled += [(spec.slug, p) for p in before if p not in spec.plugins]
    if suspend_missing:
        listed = {s.slug for s in specs}
        for slug, tenant in by_slug.items():
            if slug not in listed and tenant.status != "suspended":
                tenant.status = "suspended"
                report.add(f"suspended tenant {slug} (its file is gone; its data is kept)")
    db.session.commit()

    for spec in specs:
        tenant_id = db.session.execute(
            sa.select(Tenant.id).where(Tenant.slug == spec.slug)
        ).scalar_one()
        with tenant_context(tenant_id) as tenant:
            _sync_organisations(spec, report)
            for slug, plugin, settings in newly_enabled:
                if slug == spec.slug:
                    plugins().only(plugin).on_plugin_enabled(tenant=tenant, settings=settings)
                    report.add(f"enabled {plugin} for {slug}")
            for slug, plugin in disabled:
                if slug == spec.slug:
                    plugins().only(plugin).on_plugin_disabled(tenant=tenant)
                    report.add(f"disabled {plugin} for {slug}")
            if report.lines:
                audit.record(
                    "tenant.sync",
                    object_type="tenant",
                    object_id=tenant.id,
                    details={"file": spec.source_file},
                )
    return report


def _sync_organisations(spec: TenantSpec, report: SyncReport) -> None:
    from core.accounts.models import Organisation

    existing = {o.key: o for o in db.session.execute(sa.select(Organisation)).scalars()}
    for org_spec in spec.organisations:
        org = existing.get(org_spec.key)
        if org is None:
            db.session.add(
                Organisation(
                    key=org_spec.key,
                    name=org_spec.name,
                    kind=org_spec.kind,
                    ods_code=org_spec.ods_code,
                    active=org_spec.active,
                    partner=org_spec.partner,
                )
            )
            report.add(f"{spec.slug}: added organisation {org_spec.key}")
            continue
        changed = [
            attr
            for attr in ("name", "kind", "ods_code", "active", "partner")
            if getattr(org, attr) != getattr(org_spec, attr)
        ]
        for attr in changed:
            setattr(org, attr, getattr(org_spec, attr))
        if changed:
            report.add(f"{spec.slug}: updated organisation {org_spec.key}: {', '.join(changed)}")
    listed = {o.key for o in spec.organisations}
    for key, org in existing.items():
        if key not in listed and org.active:
            org.active = False
            report.add(f"{spec.slug}: deactivated organisation {key} (not in the file; kept)")
