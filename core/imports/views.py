"""The import page: upload a file, then follow the job on its page."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from core.accounts.permissions import requires
from core.errors import InvalidInput
from core.imports.clients import COLUMNS
from core.imports.services import start_client_import
from core.tenancy.blueprints import tenant_ui_blueprint

bp = tenant_ui_blueprint("imports", __name__, url_prefix="/imports")


@bp.route("/clients", methods=["GET", "POST"])
@requires("clients.import")
def clients():
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"]
        try:
            job_run = start_client_import(
                request.files.get("file"), request.form.get("mode", "skip")
            )
        except InvalidInput as error:
            errors = error.field_errors
        else:
            return redirect(url_for("jobs.detail", job_id=job_run.id))
    return render_template("jobs/import_clients.html", columns=COLUMNS, errors=errors)
