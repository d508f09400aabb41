"""``flask audit …``: seal the audit trail into hash chains and verify them (SECURITY L2).

Run ``flask --app core audit seal`` once a day (a cron entry or systemd timer: see the README's
"Audit" section); it verifies each chain, seals what is new, copies the heads to Redis, and
exits 1 if any chain is broken. ``flask --app core audit verify`` only checks.
"""

from __future__ import annotations

import sys
import uuid

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from core.audit import chain
from core.extensions import db

audit_cli = AppGroup("audit", help="Audit trail tamper evidence: seal and verify hash chains.")


def _chains(slug: str | None) -> list[tuple[uuid.UUID | None, str]]:
    """(tenant id, label) of each chain: the platform chain, then every tenant by slug."""
    from core.tenancy.models import Tenant

    query = sa.select(Tenant.id, Tenant.slug).order_by(Tenant.slug)
    if slug:
        found = db.session.execute(query.where(Tenant.slug == slug)).all()
        if not found:
            raise click.ClickException(f"No tenant {slug!r}.")
        return [(row.id, row.slug) for row in found]
    tenants = [(row.id, row.slug) for row in db.session.execute(query)]
    db.session.remove()
    return [(None, chain.PLATFORM), *tenants]


def _report(label: str, result: chain.Verification) -> None:
    state = "ok" if result.ok else f"BROKEN, {len(result.findings)} problem(s)"
    click.echo(
        f"{label}: {state}; {result.length} link(s), head {result.head[:12]}…, "
        f"{result.not_yet_sealed} event(s) not sealed yet; head copy: {result.head_copy}"
    )
    for finding in result.findings:
        click.echo(f"  {finding.line()}", err=True)


def _record_problems(tenant_id: uuid.UUID | None, result: chain.Verification) -> None:
    """Leave the findings in the chain's own audit log, where they are sealed in turn."""
    from core.audit.models import AuditEvent
    from core.columns import new_id, utcnow

    details = {
        "problems": len(result.findings),
        "first": [finding.line() for finding in result.findings[:20]],
    }
    with db.engine.connect() as conn, conn.begin():
        conn.execute(
            sa.text("SELECT set_config('app.current_tenant', :t, true)"),
            {"t": str(tenant_id) if tenant_id else ""},
        )
        conn.execute(
            sa.insert(AuditEvent.__table__),
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "at": utcnow(),
                "actor_label": "flask audit seal",
                "action": "audit.chain.broken",
                "outcome": "failure",
                "details": details,
            },
        )


@audit_cli.command("verify")
@click.option("--tenant", "slug", help="Only this tenant's chain (default: every chain).")
def verify(slug: str | None) -> None:
    """Recompute every chain and report each break; exit 1 if any chain is broken."""
    broken = 0
    try:
        for tenant_id, label in _chains(slug):
            result = chain.verify_chain(tenant_id)
            _report(label, result)
            broken += not result.ok
    except chain.SealingUnavailable as error:
        raise click.ClickException(str(error)) from None
    if broken:
        click.echo(f"{broken} chain(s) broken.", err=True)
        sys.exit(1)


def seal_all(
    slug: str | None = None, *, settle_seconds: float = 60.0, verify: bool = True
) -> tuple[int, int]:
    """Verify and seal every chain (or one tenant's); (chains found broken, heads not copied).

    The daily run: ``flask audit seal`` and ``flask jobs scheduler`` (once a day) both call it.
    """
    broken = failed = 0
    for tenant_id, label in _chains(slug):
        if verify:
            result = chain.verify_chain(tenant_id)
            if not result.ok:
                broken += 1
                _report(label, result)
                _record_problems(tenant_id, result)
        done = chain.seal_chain(tenant_id, settle_seconds=settle_seconds)
        copied = "copied to Redis" if done.head_copied else "not copied (REDIS_URL unset)"
        if done.head_error:
            copied = f"NOT copied ({done.head_error})"
            failed += 1
        click.echo(
            f"{label}: sealed {done.sealed} event(s); {done.length} link(s), "
            f"head {done.head[:12]}… {copied}"
        )
    return broken, failed


@audit_cli.command("seal")
@click.option("--tenant", "slug", help="Only this tenant's chain (default: every chain).")
@click.option(
    "--settle-seconds",
    default=60.0,
    show_default=True,
    help="Seal only up to the newest event older than this (lets open transactions commit).",
)
@click.option(
    "--verify/--no-verify",
    default=True,
    show_default=True,
    help="Verify each chain before sealing it (an event slipped into the past shows only then).",
)
def seal(slug: str | None, settle_seconds: float, verify: bool) -> None:
    """Verify, then seal new audit events into each chain and copy the heads to Redis.

    Exits 1 if a verification found a break (the findings are also written to that chain's
    audit log as an ``audit.chain.broken`` event; sealing goes on regardless) or a head could
    not be copied to Redis.
    """
    try:
        broken, failed = seal_all(slug, settle_seconds=settle_seconds, verify=verify)
    except chain.SealingUnavailable as error:
        raise click.ClickException(str(error)) from None
    except chain.SealBusy as error:
        raise click.ClickException(f"{error} Try again when it has finished.") from None
    if broken:
        click.echo(f"{broken} chain(s) were broken before sealing.", err=True)
    if failed:
        click.echo(f"{failed} head(s) not copied to Redis; the next run copies them.", err=True)
    if broken or failed:
        sys.exit(1)
