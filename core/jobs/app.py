"""Wiring jobs into the application: settings' defaults and the after-commit hand-over."""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    # Back-off between retries of a transient failure, in seconds (RQ Retry intervals).
    "JOBS_RETRY_INTERVALS": "10,60,300",
    # An unfinished run whose RQ job is gone for this long is sent again by the scheduler.
    "JOBS_LOST_AFTER_SECONDS": 300,
    # Largest upload the client import accepts (the rest of the app keeps MAX_CONTENT_LENGTH).
    "IMPORT_MAX_BYTES": 200 * 1024 * 1024,
    # Rows per import transaction.
    "IMPORT_BATCH_SIZE": 2000,
    # Reports run at once on the page for tenants with up to this many clients.
    "REPORTS_SYNC_MAX_CLIENTS": 20000,
}


def init_app(app: Flask) -> None:
    from core.jobs import services

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    services.install()

    @app.teardown_appcontext
    def _dispatch_jobs(error: BaseException | None) -> None:
        """Committed runs go to RQ (or run inline) once the request's work is done."""
        if error is None:
            services.dispatch()
