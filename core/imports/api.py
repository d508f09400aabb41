"""Import API: upload clients as CSV or .xlsx (multipart); the answer is the job to follow."""

from __future__ import annotations

from flask import current_app, request, url_for
from flask.views import MethodView

from core.accounts.permissions import requires
from core.imports.services import start_client_import
from core.jobs.schemas import JobRunSchema
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "imports_api",
    __name__,
    url_prefix="/imports",
    description="Bulk imports, processed as background jobs.",
)

_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mode": {"type": "string", "enum": ["skip", "update"], "default": "skip"},
                    },
                }
            }
        },
    }
}


@blp.route("/clients")
class ClientImport(MethodView):
    @requires("clients.import")
    @blp.doc(**_UPLOAD_DOC)
    @blp.response(202, JobRunSchema)
    def post(self):
        """Upload clients (CSV or .xlsx, first row naming the columns) to import in the background.

        Columns are the fields of POST /clients (nhs_number, local_id, given_name, …) or common
        aliases (Forename, Surname, DOB, NHS No…); dates may be day first (15/03/1984), gender
        and ethnicity codes or their labels, a CSV UTF-8 or Windows-1252, comma, semicolon or
        tab delimited. Every row is then checked
        with the same rules as POST /clients; the job's result file lists each problem by row and
        column. Clients already there (same NHS number or local id) are skipped, or updated with
        ``mode=update``. Send ``Idempotency-Key`` to make a retried upload start one job.
        """
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
        job_run = start_client_import(
            request.files.get("file"),
            request.form.get("mode", "skip"),
            request.headers.get("Idempotency-Key"),
        )
        location = url_for("jobs_api.JobById", job_id=job_run.id)
        return job_run, 202, {"Location": location}
