"""Job kinds: core's own, and those plugins declare through ``register_job_kinds``."""

from __future__ import annotations

from flask import current_app

from core.accounts.permissions import CORE
from core.plugins.api import JobKind


class UnknownJobKind(LookupError):
    """No installed plugin (nor core) declares this job kind."""


def core_job_kinds() -> list[JobKind]:
    """Core's job kinds: the bulk client import, running a report, the retention appraisal."""
    from core.imports.clients import import_clients
    from core.reports.jobs import run_report_job
    from core.retention.services import flag_due_records

    return [
        JobKind(key="core.clients.import", title="Import clients", function=import_clients),
        JobKind(key="core.reports.run", title="Run a report", function=run_report_job),
        JobKind(
            key="core.retention.flag",
            title="Flag records due for retention appraisal",
            function=flag_due_records,
        ),
    ]


def job_kinds() -> dict[str, tuple[str, JobKind]]:
    """Every job kind by key, with its owner (``core`` or the plugin's name). Cached per app."""
    cached = current_app.extensions.get("stepping_stones.job_kinds")
    if cached is not None:
        return cached
    from core.plugins.manager import plugins

    found: dict[str, tuple[str, JobKind]] = {k.key: (CORE, k) for k in core_job_kinds()}
    installed = plugins()
    for name in installed.info:
        for batch in installed.only(name).register_job_kinds():
            for kind in batch:
                if kind.key in found:
                    raise ValueError(f"Job kind {kind.key!r} is declared twice.")
                found[kind.key] = (name, kind)
    current_app.extensions["stepping_stones.job_kinds"] = found
    return found


def find_kind(key: str) -> tuple[str, JobKind]:
    try:
        return job_kinds()[key]
    except KeyError:
        raise UnknownJobKind(key) from None


def kind_title(key: str) -> str:
    entry = job_kinds().get(key)
    return entry[1].title if entry else key
