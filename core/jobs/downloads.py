"""Serving a job's result file (both the API and the UI use this)."""

from __future__ import annotations

from flask import send_file

from core import audit
from core.errors import NotFound
from core.jobs.models import JobRun
from core.jobs.runner import results_root


def result_response(job_run: JobRun):
    if not job_run.has_download:
        raise NotFound("This job has no file to download.")
    root = results_root().resolve()
    path = (root / job_run.result_file).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("This job's file is no longer available.")
    audit.record("job.download", object_type="job_run", object_id=job_run.id)
    return send_file(
        path,
        mimetype=job_run.result_content_type or "application/octet-stream",
        as_attachment=True,
        download_name=job_run.result_filename or path.name,
    )
