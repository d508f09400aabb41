"""``flask`` commands: tenants, users, PostgreSQL roles, demo data.

Run ``flask --app core <group> --help`` for each group's commands.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup

from core.extensions import db

tenants_cli = AppGroup("tenants", help="Tenants as code: tenants/*.toml.")
users_cli = AppGroup("users", help="People and their access.")
postgres_cli = AppGroup("postgres", help="PostgreSQL roles for row-level security.")
demo_cli = AppGroup("demo", help="Synthetic demo data.")


@tenants_cli.command("sync")
@click.option("--dir", "directory", type=click.Path(path_type=Path), help="Default: TENANTS_DIR.")
@click.option("--check", is_flag=True, help="Only validate the files; change nothing.")
def tenants_sync(directory: Path | None, check: bool) -> None:
    """Create, update and suspend tenants to match the files. Never deletes data."""
    from core.plugins.manager import plugins
    from core.tenancy.registry import TenantFileError, load_directory
    from core.tenancy.sync import apply

    directory = directory or Path(current_app.config["TENANTS_DIR"])
    try:
        specs = load_directory(directory, plugins().info)
    except TenantFileError as error:
        for line in error.problems:
            click.echo(f"error: {line}", err=True)
        click.echo(f"{len(error.problems)} problem(s); nothing was changed.", err=True)
        sys.exit(1)
    if check:
        click.echo(f"{len(specs)} tenant file(s) are valid.")
        return
    report = apply(specs)
    for line in report.lines:
        click.echo(line)
    click.echo(f"{len(specs)} tenant(s) in sync." if report.lines else "Already in sync.")


@tenants_cli.command("list")
def tenants_list() -> None:
    """Tenants, their status and plugins."""
    from core.tenancy.models import Tenant

    for tenant in db.session.execute(sa.select(Tenant).order_by(Tenant.slug)).scalars():
        plugins = ", ".join(sorted(tenant.enabled_plugins)) or "no plugins"
        click.echo(f"{tenant.slug:32} {tenant.status:10} {plugins}")


def _find_tenant(slug: str):
    from core.tenancy.models import Tenant

    tenant = db.session.execute(sa.select(Tenant).where(Tenant.slug == slug)).scalar_one_or_none()
    if tenant is None:
        raise click.ClickException(f"No tenant {slug!r}. Run `flask tenants sync` first?")
    return tenant


@users_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "display_name", default="Administrator", show_default=True)
@click.option("--tenant", "slug", help="Give a tenant_admin membership in this tenant.")
@click.option("--organisation", "org_key", help="Organisation key (default: the trust's).")
@click.option("--platform-operator", is_flag=True, help="Manages tenants; sees no client data.")
@click.option("--password", envvar="ADMIN_PASSWORD", help="Default: prompt (or ADMIN_PASSWORD).")
@click.option(
    "--if-missing",
    is_flag=True,
    help="If the person already exists, keep their password (still grant the membership).",
)
def users_create_admin(
    email: str,
    display_name: str,
    slug: str | None,
    org_key: str | None,
    platform_operator: bool,
    password: str | None,
    if_missing: bool,
) -> None:
    """Create a local account with administrator access."""
    from core import audit
    from core.accounts.models import Membership, Organisation, User
    from core.accounts.passwords import hash_password, password_problem
    from core.tenancy.context import tenant_context

    email = email.strip().lower()
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if user is not None and if_missing:
        click.echo(f"{email} already exists; its password is left as it is.")
    else:
        if password is None:
            password = getpass.getpass("Password: ")
        problem = password_problem(password)
        if problem:
            raise click.ClickException(problem)
        if user is None:
            user = User(email=email, display_name=display_name)
            db.session.add(user)
        user.password_hash = hash_password(password)
        click.echo(f"account {email} ready")
    user.is_platform_operator = user.is_platform_operator or platform_operator
    db.session.commit()
    user_id = user.id
    if not slug:
        return
    tenant = _find_tenant(slug)
    with tenant_context(tenant):
        query = sa.select(Organisation).where(Organisation.active.is_(True))
        if org_key:
            query = query.where(Organisation.key == org_key)
        # The tenant's own organisation: the one sharing its ODS code, else a trust.
        org = (
            db.session.execute(
                query.order_by(
                    Organisation.ods_code.is_distinct_from(tenant.ods_code),
                    Organisation.kind != "trust",
                    Organisation.key,
                )
            )
            .scalars()
            .first()
        )
        if org is None:
            raise click.ClickException(f"No organisation for the admin in {slug}.")
        membership = db.session.execute(
            sa.select(Membership).where(Membership.user_id == user_id)
        ).scalar_one_or_none()
        if membership is None:
            membership = Membership(user_id=user_id, organisation_id=org.id, roles=[])
            db.session.add(membership)
        membership.roles = sorted(set(membership.roles or []) | {"tenant_admin"})
        membership.active = True
        db.session.flush()
        audit.record(
            "membership.create_admin",
            object_type="membership",
            object_id=membership.id,
            actor_label="flask users create-admin",
        )
    click.echo(f"{email} is tenant_admin of {slug} ({org.name})")


@users_cli.command("create-token")
@click.option("--email", required=True)
@click.option("--tenant", "slug", required=True)
@click.option("--name", default="command line", show_default=True)
@click.option("--days", default=30, show_default=True, type=int)
def users_create_token(email: str, slug: str, name: str, days: int) -> None:
    """Issue a personal API token for someone's membership in a tenant (printed once)."""
    from core.accounts import tokens
    from core.accounts.membership import membership_of
    from core.accounts.models import User
    from core.tenancy.context import tenant_context

    user = db.session.execute(
        sa.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        raise click.ClickException(f"No account {email}.")
    user_id = user.id
    tenant = _find_tenant(slug)
    with tenant_context(tenant):
        membership = membership_of(user_id)
        if membership is None:
            raise click.ClickException(f"{email} has no active membership in {slug}.")
        _token, secret = tokens.issue(membership, name, days)
    click.echo(secret)


@postgres_cli.command("create-roles")
@click.option(
    "--admin-url",
    envvar="DATABASE_ADMIN_URL",
    required=True,
    help="A superuser connection to the target database (or DATABASE_ADMIN_URL).",
)
@click.option("--owner", default="stepping_stones_owner", show_default=True)
@click.option("--owner-password", envvar="DATABASE_OWNER_PASSWORD")
@click.option("--app", "app_role", default="stepping_stones_app", show_default=True)
@click.option("--app-password", envvar="DATABASE_APP_PASSWORD")
def postgres_create_roles(
    admin_url: str,
    owner: str,
    owner_password: str | None,
    app_role: str,
    app_password: str | None,
) -> None:
    """Create the owner (runs migrations) and application (no BYPASSRLS, owns nothing) roles."""
    from core.config import normalise_database_url
    from core.tenancy.roles import create_roles

    for line in create_roles(
        normalise_database_url(admin_url), owner, owner_password, app_role, app_password
    ):
        click.echo(line)


@demo_cli.command("load")
def demo_load() -> None:
    """Load the plugins' synthetic demo data into every active tenant (idempotent)."""
    from core.plugins.manager import tenant_hooks
    from core.tenancy.context import tenant_context
    from core.tenancy.models import Tenant

    tenant_ids = (
        db.session.execute(
            sa.select(Tenant.id).where(Tenant.status == "active").order_by(Tenant.slug)
        )
        .scalars()
        .all()
    )
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id) as tenant:
            for lines in tenant_hooks(tenant).register_demo_data(tenant=tenant):
                for line in lines:
                    click.echo(f"{tenant.slug}: {line}")


def _upgrade_to_every_head() -> None:
    """``flask db upgrade`` means every branch head (core and each plugin's), not just one."""
    from flask_migrate.cli import db as db_group

    for param in db_group.commands["upgrade"].params:
        if param.name == "revision":
            param.default = "heads"


def register_commands(app: Flask) -> None:
    from core.audit.cli import audit_cli
    from core.backup.cli import backup_cli
    from core.jobs.cli import jobs_cli

    for group in (tenants_cli, users_cli, postgres_cli, demo_cli, jobs_cli, audit_cli, backup_cli):
        app.cli.add_command(group)
    _upgrade_to_every_head()
    plugins = app.extensions["stepping_stones.plugins"]
    for batch in plugins.hook.register_cli_commands():
        for command in batch:
            app.cli.add_command(command)
