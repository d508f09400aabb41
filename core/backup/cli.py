"""``flask backup drill``: the monthly restore drill (SECURITY R2). See the README's "Backups
and restore" section for the deployment's part (WAL archiving, an offline copy)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.backup.drill import DrillError, DrillReport, run_drill

backup_cli = AppGroup("backup", help="Restore drills: prove a dump restores whole.")


def _count(value: int | None) -> str:
    return "missing" if value is None else str(value)


def print_report(report: DrillReport) -> None:
    click.echo(f"Restore drill of {report.source} into {report.scratch}; dump: {report.dump}")
    click.echo(f"{'table':40} {'source':>10} {'restored':>10}")
    for table in report.tables:
        mark = "" if table.ok else "  DIFFERENT"
        click.echo(f"{table.name:40} {_count(table.source):>10} {_count(table.restored):>10}{mark}")
    for chain in report.chains:
        state = "ok" if chain.ok else f"BROKEN, {len(chain.problems)} problem(s)"
        click.echo(f"audit chain {chain.label}: {state}; {chain.summary}")
        for problem in chain.problems:
            click.echo(f"  {problem}", err=True)
    steps = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in report.timings.items())
    click.echo(f"Timings: {steps}")
    click.echo(
        f"Scratch database {report.scratch} kept."
        if report.kept
        else f"Scratch database {report.scratch} dropped."
    )
    broken = sum(not chain.ok for chain in report.chains)
    if report.ok:
        tables, chains = len(report.tables), len(report.chains)
        click.echo(f"OK: {tables} table(s) identical, {chains} chain(s) clean.")
    else:
        click.echo(
            f"FAILED: {len(report.differences)} table(s) differ, {broken} chain(s) broken.",
            err=True,
        )


@backup_cli.command("drill")
@click.option(
    "--admin-url",
    envvar="DATABASE_ADMIN_URL",
    required=True,
    help="Superuser (or BYPASSRLS + CREATEDB) URL of the server (or DATABASE_ADMIN_URL).",
)
@click.option(
    "--dump",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Restore this pg_dump -Fc file instead of taking a new dump.",
)
@click.option(
    "--save-dump",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the dump taken here (default: a temporary file).",
)
@click.option("--scratch", help="Scratch database name (default: <database>_drill_<UTC time>).")
@click.option("--keep", is_flag=True, help="Leave the scratch database for inspection.")
@click.option("--pg-bin", help="Directory of pg_dump/pg_restore matching the server's version.")
def drill(
    admin_url: str,
    dump: Path | None,
    save_dump: Path | None,
    scratch: str | None,
    keep: bool,
    pg_bin: str | None,
) -> None:
    """Dump, restore into a scratch database, compare row counts and verify the audit chains.

    Exits 1 if any table's count differs or any chain of the copy is broken.
    """
    try:
        report = run_drill(
            admin_url, dump=dump, save_dump=save_dump, scratch=scratch, keep=keep, pg_bin=pg_bin
        )
    except DrillError as error:
        raise click.ClickException(str(error)) from None
    print_report(report)
    if not report.ok:
        sys.exit(1)
