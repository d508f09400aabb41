"""``flask jobs retention``: the retention appraisal for one tenant, now, or as a dry run."""

from __future__ import annotations

import json

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from core.extensions import db


@click.command("retention")
@with_appcontext
@click.option("--tenant", "slug", required=True, help="The tenant's slug.")
@click.option(
    "--dry-run", is_flag=True, help="List the records that would be flagged; write nothing."
)
@click.option("--today", default=None, help="Work as on this day (YYYY-MM-DD); default today.")
def retention_command(slug: str, dry_run: bool, today: str | None) -> None:
    """Flag the tenant's records due for retention appraisal (as the nightly job does), printing
    them as JSON. Nothing is ever deleted."""
    from core.retention.services import flag_due_records
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant

    tenant_id = db.session.execute(sa.select(Tenant.id).where(Tenant.slug == slug)).scalar()
    if tenant_id is None:
        raise click.ClickException(f"There is no tenant {slug!r}.")
    with tenant_context(tenant_id, commit=not dry_run):
        result = flag_due_records(dry_run=dry_run, today=today)
    click.echo(json.dumps(result, indent=2))
