"""``flask jobs …``: the RQ worker, the scheduler (schedules + outbox relay), and helpers."""

from __future__ import annotations

import logging
import time

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


@jobs_cli.command("scheduler")
@click.option("--interval", default=30, show_default=True, type=int, help="Seconds between ticks.")
@click.option("--once", is_flag=True, help="One tick, relay and recovery pass, then stop.")
def scheduler(interval: int, once: bool) -> None:
    """Ask for due scheduled jobs, relay the outbox to RQ and recover lost runs, in a loop.

    Safe to start twice by mistake: each (tenant, schedule, period) has one idempotency key.
    """
    from core.jobs.relay import recover, relay
    from core.jobs.schedules import tick

    redis = bool(current_app.config.get("REDIS_URL"))
    while True:
        try:
            created = tick()
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
