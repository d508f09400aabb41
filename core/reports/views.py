"""Report pages: the list, a report with chart and table, downloads, and drill-down."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from flask import Response, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from core import audit
from core.accounts.permissions import requires
from core.errors import InvalidInput, NotFound
from core.extensions import db
from core.jobs import services as job_services
from core.reports import framework
from core.tenancy.blueprints import tenant_ui_blueprint
from core.web.fields import NhsDateField

bp = tenant_ui_blueprint("reports", __name__, url_prefix="/reports")


def _organisations():
    import sqlalchemy as sa

    from core.accounts.models import Organisation

    return db.session.execute(
        sa.select(Organisation).where(Organisation.partner.is_(False)).order_by(Organisation.name)
    ).scalars()


def _small_tenant() -> bool:
    import sqlalchemy as sa
    from flask import current_app

    from core.clients.models import Client

    count = db.session.execute(sa.select(sa.func.count(Client.id))).scalar_one()
    return count <= current_app.config["REPORTS_SYNC_MAX_CLIENTS"]


PERIOD = ("period_start", "period_end")


class PeriodForm(FlaskForm):
    """The period as the NHS date input (day, month, year) on the report page. Links, downloads
    and the API keep ISO dates (``?period_start=2026-04-01``)."""

    class Meta:
        csrf = False  # the page's form carries the token, checked for every POST

    period_start = NhsDateField(framework.PARAMETER_LABELS["period_start"])
    period_end = NhsDateField(framework.PARAMETER_LABELS["period_end"])


def _typed_period(raw: Any) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """What the page's date inputs say, as ISO dates for ``parse_parameters``, and their errors."""
    form = PeriodForm(raw)
    values: dict[str, Any] = {k: v for k, v in raw.items() if k not in PERIOD}
    errors: dict[str, list[str]] = {}
    for name in PERIOD:
        field = form[name]
        field.validate(form)
        if field.errors:
            errors[name] = list(field.errors)
        elif isinstance(field.data, date):
            values[name] = field.data.isoformat()
    return values, errors


@bp.route("/")
@requires("reports.read")
def index():
    return render_template("reports/index.html", reports=framework.available_reports().values())


@bp.route("/<key>", methods=["GET", "POST"])
@requires("reports.read")
def report(key: str):
    definition = framework.find_report(key)
    raw: Any = request.args
    errors: dict = {}
    if request.method == "POST":
        raw, errors = _typed_period(request.form)
    output = None
    try:
        parameters = framework.parse_parameters(definition, raw)
    except InvalidInput as error:
        errors, parameters = {**error.field_errors, **errors}, {}
    if errors:
        parameters = {}
    if request.method == "POST" and not errors and not request.form.get("run"):
        job_run = job_services.enqueue(
            "core.reports.run",
            {"report": key, "parameters": {k: framework._json(v) for k, v in parameters.items()}},
        )
        return redirect(url_for("jobs.detail", job_id=job_run.id))
    wants = request.args.get("format")
    if not errors and (raw.get("run") or wants) and _small_tenant():
        audit.record("report.run", object_type="report", object_id=key)
        output = framework.run(definition, parameters)
        if wants:
            return _download(output, wants)
    return _render(definition, output, raw, errors)


def _period_inputs(raw: Any, errors: dict[str, list[str]]) -> PeriodForm:
    """The date inputs as typed (after a POST) or from the ISO dates of a link, with the
    page's errors for them (a wrong date, or an end before the start)."""
    if any(f"{name}[day]" in raw for name in PERIOD):
        form = PeriodForm(raw)
    else:
        known: dict[str, date] = {}
        for name in PERIOD:
            try:
                known[name] = date.fromisoformat(str(raw.get(name) or ""))
            except ValueError:
                continue
        form = PeriodForm(formdata=None, data=known)
    for name in PERIOD:
        form[name].errors = list(errors.get(name, []))
    return form


def _render(definition, output, raw, errors, job_run=None):
    typed = request.form if request.method == "POST" else raw
    return render_template(
        "reports/report.html",
        report=definition,
        period=_period_inputs(typed, errors),
        output=output,
        chart=framework.bar_chart(output) if output else None,
        values=raw,
        errors=errors,
        organisations=_organisations() if "organisation" in definition.parameters else [],
        labels=framework.PARAMETER_LABELS,
        job_run=job_run,
        drill_json=lambda row: json.dumps(row.get("_drill"), sort_keys=True),
    )


def _download(output: dict, wanted: str) -> Response:
    name = f"{g.tenant.slug}-{output['report']}"
    if wanted == "csv":
        return Response(
            framework.to_csv(output),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if wanted == "xlsx":
        return Response(
            framework.to_xlsx(output),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    raise NotFound("No such format.")


@bp.route("/runs/<job_id>")
@requires("reports.read")
def run_page(job_id: str):
    """A report produced by a background job, from the output stored on the JobRun."""
    job_run = job_services.find_run(job_id)
    if job_run.kind != "core.reports.run" or not job_run.result:
        raise NotFound("No such report run.")
    definition = framework.find_report(job_run.result["report"])
    wants = request.args.get("format")
    if wants:
        return _download(job_run.result, wants)
    return _render(definition, job_run.result, job_run.result["parameters"], {}, job_run)


@bp.route("/<key>/drilldown")
@requires("reports.read")
def drilldown(key: str):
    """The client records behind one figure, as far as the viewer may see them."""
    from core.accounts.permissions import has_permission

    if not has_permission("clients.read"):
        raise NotFound("No such report.")
    definition = framework.find_report(key)
    parameters = framework.parse_parameters(definition, request.args)
    try:
        drill = json.loads(request.args.get("drill", "null"))
    except ValueError:
        raise NotFound("No such figure.") from None
    stmt = framework.drilldown_statement(definition, drill, parameters)
    clients = db.session.execute(stmt.limit(500)).scalars().all()
    audit.record(
        "client.list",
        object_type="client",
        details={"report": key, "drill": request.args.get("drill", ""), "count": len(clients)},
    )
    return render_template(
        "reports/drilldown.html", report=definition, clients=clients, parameters=parameters
    )
