"""``flask jobs …``: the RQ worker, the scheduler (schedules + outbox relay), and helpers."""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from core.extensions import db

jobs_cli = AppGroup("jobs", help="Background jobs: worker, scheduler, relay.")
log = logging.getLogger(__name__)


def _need_redis() -> None:
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException(
            "REDIS_URL is not set: jobs run inline in the web process and need no worker."
        )


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--simple", is_flag=True, help="Run jobs in this process (no fork; for debugging).")
@click.option(
    "--with-scheduler/--without-scheduler",
    default=True,
    show_default=True,
    help="Run RQ's scheduler too: it re-queues retries after their back-off interval.",
)
@click.option("--maintenance-interval", default=60, show_default=True, type=int)
def worker(burst: bool, simple: bool, with_scheduler: bool, maintenance_interval: int) -> None:
    """Run an RQ worker on the stepping-stones queue (same as `rq worker --with-scheduler`)."""
    _need_redis()
    from rq import SimpleWorker, Worker

    from core.jobs.relay import queue, redis_connection

    # The work horse is forked: it must not share this process's pooled connections.
    db.engine.dispose()
    connection = redis_connection()
    worker_class = SimpleWorker if simple else Worker
    rq_worker = worker_class(
        [queue(connection)], connection=connection, maintenance_interval=maintenance_interval
    )
    rq_worker.work(burst=burst, with_scheduler=with_scheduler, logging_level="INFO")


def seal_due(sealed_on: date | None, now: datetime, hour: int) -> bool:
    """Is today's audit sealing due: not yet done today, and ``hour`` (UTC) reached?"""
    return sealed_on != now.date() and now.hour >= hour


def _seal_audit_daily(sealed_on: date | None) -> date | None:
    """Seal the audit chains once a day (L2) on PostgreSQL; the day it was done, for the loop.

    A second scheduler started by mistake is harmless: a chain being sealed is locked, and a
    second run the same day seals only what came since."""
    from core.audit import chain
    from core.audit.cli import seal_all

    now = datetime.now(UTC)
    if db.engine.dialect.name != "postgresql" or not seal_due(
        sealed_on, now, current_app.config["AUDIT_SEAL_HOUR"]
    ):
        return sealed_on
    try:
        broken, failed = seal_all()
        if broken or failed:
            log.error("audit sealing: %s chain(s) broken, %s head(s) not copied", broken, failed)
        return now.date()
    except chain.SealBusy:
        return sealed_on  # another run is sealing; try again next tick
    except Exception:
        log.exception("audit sealing failed; trying again next tick")
        return sealed_on
    finally:
        db.session.remove()


@jobs_cli.command("scheduler")
@click.option("--interval", default=30, show_default=True, type=int, help="Seconds between ticks.")
@click.option("--once", is_flag=True, help="One tick, relay and recovery pass, then stop.")
def scheduler(interval: int, once: bool) -> None:
    """Ask for due scheduled jobs, relay the outbox to RQ and recover lost runs, in a loop.

    Safe to start twice by mistake: each (tenant, schedule, period) has one idempotency key.
    """
    from core.jobs.relay import recover, relay
    from core.jobs.schedules import tick
    from core.retention.schedule import tick as retention_tick

    redis = bool(current_app.config.get("REDIS_URL"))
    sealed_on: date | None = None
    while True:
        sealed_on = _seal_audit_daily(sealed_on)
        try:
            created = tick() + retention_tick()  # plugins' schedules; core's retention flag
            if redis:
                sent = relay()
                resent = recover()
                click.echo(f"scheduled {len(created)}, sent {sent}, sent again {resent}")
            else:
                from core.jobs.services import dispatch

                dispatch()
                click.echo(f"scheduled and ran {len(created)} inline")
        except Exception:
            log.exception("scheduler pass failed; trying again next tick")
        finally:
            db.session.remove()
        if once:
            return
        time.sleep(interval)


@jobs_cli.command("relay")
def relay_command() -> None:
    """Send queued runs that have not reached Redis yet (e.g. after a Redis outage)."""
    _need_redis()
    from core.jobs.relay import recover, relay

    click.echo(f"sent {relay()}, sent again {recover()}")


@jobs_cli.command("kinds")
def kinds() -> None:
    """Every job kind, with the plugin that owns it."""
    from core.jobs.registry import job_kinds

    for key, (owner, kind) in sorted(job_kinds().items()):
        click.echo(f"{key:32} {owner:12} {kind.title}")


def _add_core_commands() -> None:
    from core.retention.cli import retention_command

    jobs_cli.add_command(retention_command)  # the retention appraisal, now or as a dry run


_add_core_commands()
