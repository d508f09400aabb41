"""Jobs API: list, read, cancel, download the result. Another tenant's job is simply not found."""

from __future__ import annotations

from flask.views import MethodView

from core.accounts.permissions import requires
from core.api.pagination import paginate
from core.extensions import db
from core.jobs import services
from core.jobs.downloads import result_response
from core.jobs.schemas import JobRunSchema
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "jobs_api",
    __name__,
    url_prefix="/jobs",
    description="Background jobs: imports, reports and scheduled work, with their progress.",
)


@blp.route("")
class Jobs(MethodView):
    @requires("jobs.read")
    @blp.response(200, JobRunSchema(many=True))
    @paginate(blp)
    def get(self):
        """Your jobs, newest first (people who manage jobs see every job of the tenant)."""
        return services.visible_runs()


@blp.route("/<job_id>")
class JobById(MethodView):
    @requires("jobs.read")
    @blp.response(200, JobRunSchema)
    def get(self, job_id: str):
        """One job: status, progress, message, result or readable error."""
        return services.find_run(job_id)


@blp.route("/<job_id>/cancel")
class JobCancel(MethodView):
    @requires("jobs.read")
    @blp.response(202, JobRunSchema)
    def post(self, job_id: str):
        """Cancel a job: at once if queued; a running job stops at its next progress report."""
        job_run = services.cancel(services.find_run(job_id))
        db.session.flush()
        return job_run


@blp.route("/<job_id>/result")
class JobResultDownload(MethodView):
    @requires("jobs.read")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, job_id: str):
        """Download the job's result file (a report, an import's error report)."""
        return result_response(services.find_run(job_id))
