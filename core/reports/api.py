"""Reports API: the reports on offer, a report run at once (small tenants) or as a job."""

from __future__ import annotations

from flask import request, url_for
from flask.views import MethodView
from marshmallow import Schema, fields

from core import audit
from core.accounts.permissions import requires
from core.clients.schemas import ClientSchema
from core.jobs.schemas import JobRunSchema
from core.jobs.services import enqueue
from core.reports import framework
from core.tenancy.blueprints import tenant_api_blueprint

blp = tenant_api_blueprint(
    "reports_api", __name__, url_prefix="/reports", description="Reports and their figures."
)


class ReportInfoSchema(Schema):
    key = fields.String()
    title = fields.String()
    description = fields.String()
    definition_version = fields.String()
    parameters = fields.List(fields.String())


class ReportParametersSchema(Schema):
    period_start = fields.Date(allow_none=True)
    period_end = fields.Date(allow_none=True)
    organisation = fields.UUID(allow_none=True)
    team = fields.String(allow_none=True)


class ReportOutputSchema(Schema):
    report = fields.String()
    title = fields.String()
    definition_version = fields.String()
    parameters = fields.Dict()
    generated_at = fields.String()
    columns = fields.List(fields.Dict())
    rows = fields.List(fields.Dict())
    notes = fields.List(fields.String())


@blp.route("")
class Reports(MethodView):
    @requires("reports.read")
    @blp.response(200, ReportInfoSchema(many=True))
    def get(self):
        """Reports this tenant offers (core's and its plugins')."""
        return list(framework.available_reports().values())


@blp.route("/<key>")
class ReportRun(MethodView):
    @requires("reports.read")
    @blp.arguments(ReportParametersSchema, location="query")
    @blp.response(200, ReportOutputSchema)
    def get(self, query, key: str):
        """Run a report now and return its table (for small tenants; large ones use runs)."""
        report = framework.find_report(key)
        parameters = framework.parse_parameters(report, query)
        audit.record("report.run", object_type="report", object_id=key)
        return framework.run(report, parameters)


@blp.route("/<key>/runs")
class ReportJobs(MethodView):
    @requires("reports.read")
    @blp.arguments(ReportParametersSchema)
    @blp.response(202, JobRunSchema)
    def post(self, data, key: str):
        """Run a report in the background; follow the job, then download its workbook."""
        report = framework.find_report(key)
        framework.parse_parameters(report, data)
        job_run = enqueue(
            "core.reports.run",
            {"report": key, "parameters": {k: framework._json(v) for k, v in data.items()}},
            idempotency_key=request.headers.get("Idempotency-Key")
            and ("report:" + request.headers["Idempotency-Key"]),
        )
        return job_run, 202, {"Location": url_for("jobs_api.JobById", job_id=job_run.id)}


class DrilldownQuerySchema(ReportParametersSchema):
    drill = fields.String(
        load_default="null", metadata={"description": "The row's _drill value, as JSON."}
    )


@blp.route("/<key>/drilldown")
class ReportDrilldown(MethodView):
    @requires("reports.read")
    @blp.arguments(DrilldownQuerySchema, location="query")
    @blp.response(200, ClientSchema(many=True))
    def get(self, query, key: str):
        """The client records behind one figure, limited to those you may see."""
        import json

        from core.accounts.permissions import has_permission
        from core.errors import NotFound
        from core.extensions import db

        if not has_permission("clients.read"):
            raise NotFound("No such report.")
        report = framework.find_report(key)
        drill_text = query.pop("drill")
        parameters = framework.parse_parameters(report, query)
        try:
            drill = json.loads(drill_text)
        except ValueError:
            raise NotFound("No such figure.") from None
        stmt = framework.drilldown_statement(report, drill, parameters)
        clients = db.session.execute(stmt.limit(500)).scalars().all()
        audit.record(
            "client.list",
            object_type="client",
            details={"report": key, "drill": drill_text, "count": len(clients)},
        )
        return clients
