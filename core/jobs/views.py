"""The jobs pages: ``/<tenant>/jobs`` with live progress, a job's page, cancel and download."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for

from core.accounts.permissions import requires
from core.extensions import db
from core.jobs import services
from core.jobs.downloads import result_response
from core.jobs.registry import kind_title
from core.tenancy.blueprints import tenant_ui_blueprint

bp = tenant_ui_blueprint("jobs", __name__, url_prefix="/jobs")

PAGE_SIZE = 25


def status_json(job_run) -> dict:
    return {
        "id": str(job_run.id),
        "status": job_run.status,
        "progress": job_run.progress,
        "message": job_run.message,
        "error": job_run.error,
        "finished": job_run.is_finished,
        "has_download": job_run.has_download,
    }


@bp.route("/")
@requires("jobs.read")
def list():
    page = max(1, request.args.get("page", 1, type=int))
    runs = (
        db.session.execute(
            services.visible_runs().limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return render_template(
        "jobs/list.html",
        runs=runs[:PAGE_SIZE],
        page=page,
        has_next=len(runs) > PAGE_SIZE,
        kind_title=kind_title,
    )


@bp.route("/<job_id>")
@requires("jobs.read")
def detail(job_id: str):
    job_run = services.find_run(job_id)
    return render_template("jobs/detail.html", run=job_run, title=kind_title(job_run.kind))


@bp.route("/<job_id>/status.json")
@requires("jobs.read")
def status(job_id: str):
    """What the progress bar polls."""
    response = jsonify(status_json(services.find_run(job_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<job_id>/cancel", methods=["POST"])
@requires("jobs.read")
def cancel(job_id: str):
    services.cancel(services.find_run(job_id))
    flash("The job is being cancelled.")
    return redirect(url_for("jobs.detail", job_id=job_id))


@bp.route("/<job_id>/result")
@requires("jobs.read")
def result(job_id: str):
    return result_response(services.find_run(job_id))
