"""Finding reports, running them, and turning results into JSON, CSV and Excel."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask import g

from core.clients.export import safe_cell
from core.clients.processing import processable_clients_clause, restricted_note
from core.errors import InvalidInput, NotFound
from core.plugins.api import Report
from core.plugins.manager import tenant_hooks
from core.reports.types import ReportColumn, ReportResult

#: Parameters a report may take, and how to read them from a query string or job.
PARAMETER_LABELS = {
    "period_start": "Period start",
    "period_end": "Period end",
    "organisation": "Organisation",
    "team": "Team",
}


def core_reports() -> list[Report]:
    from core.reports.caseload import CASELOAD

    return [CASELOAD]


def available_reports() -> dict[str, Report]:
    """Core's reports and those of the plugins the current tenant has switched on."""
    tenant = g.tenant
    found = {r.key: r for r in core_reports()}
    for batch in tenant_hooks(tenant).register_reports(tenant=tenant):
        for report in batch:
            found.setdefault(report.key, report)
    return found


def find_report(key: str) -> Report:
    report = available_reports().get(key)
    if report is None:
        raise NotFound("No such report.")
    return report


def parse_parameters(report: Report, raw: dict[str, Any]) -> dict[str, Any]:
    """Typed parameters (dates, ids) from strings; errors name the field."""
    from core.tenancy.scoping import tenant_uuid

    parsed: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name in report.parameters:
        value = raw.get(name)
        if value in (None, ""):
            parsed[name] = None
            continue
        if name in ("period_start", "period_end"):
            try:
                parsed[name] = value if isinstance(value, date) else date.fromisoformat(str(value))
            except ValueError:
                errors[name] = "Enter a date in the format YYYY-MM-DD."
        elif name == "organisation":
            parsed[name] = tenant_uuid(value)
            if parsed[name] is None:
                errors[name] = "Choose an organisation from the list."
        else:
            parsed[name] = str(value)[:100]
    start, end = parsed.get("period_start"), parsed.get("period_end")
    if start and end and end < start:
        errors["period_end"] = "The end of the period must be on or after its start."
    if errors:
        raise InvalidInput(errors)
    return parsed


def run(report: Report, parameters: dict[str, Any]) -> dict[str, Any]:
    """Run a report and return its output as JSON-ready data (stored on a JobRun as it is)."""
    outcome = report.run(**parameters)
    if not isinstance(outcome, ReportResult):  # a single figure
        outcome = ReportResult(
            columns=[ReportColumn("value", report.title, "number")], rows=[{"value": outcome}]
        )
    # Art. 18: every report leaves restricted clients out (each applies the clause in its own
    # SQL); this says so, with a suppressed count, so a reader can see why a figure moved.
    outcome.notes = [*outcome.notes, restricted_note()]
    return {
        "report": report.key,
        "title": report.title,
        "description": report.description,
        "definition_version": report.definition_version,
        "definitions": dict(report.definitions),
        "parameters": {k: _json(v) for k, v in parameters.items()},
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "chart": asdict(report.chart) if report.chart else None,
        **outcome.to_json(),
    }


def _json(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if value is not None and not isinstance(value, int | float | str | bool):
        return str(value)
    return value


def _headers(output: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in output["columns"] if not c["key"].startswith("_")]


def to_csv(output: dict[str, Any]) -> str:
    """The table as CSV (formula-safe cells), headed by the definition version."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    columns = _headers(output)
    writer.writerow([safe_cell(c["label"]) for c in columns] + ["definition_version"])
    for row in output["rows"]:
        cells = [
            row.get(c["key"]) if c["kind"] == "number" else safe_cell(row.get(c["key"]))
            for c in columns
        ]
        writer.writerow([*cells, safe_cell(output["definition_version"])])
    return buffer.getvalue()


def to_xlsx(output: dict[str, Any]) -> bytes:
    """An Excel workbook: the table, and a sheet saying what the figures mean and for when."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    table = workbook.create_sheet("Report")
    columns = _headers(output)
    table.append([safe_cell(c["label"]) for c in columns])
    for row in output["rows"]:
        table.append(
            [
                row.get(c["key"]) if c["kind"] == "number" else safe_cell(row.get(c["key"]))
                for c in columns
            ]
        )
    about = workbook.create_sheet("About this report")
    about.append(["Report", safe_cell(output["title"])])
    about.append(["Description", safe_cell(output["description"])])
    about.append(["Definition version", safe_cell(output["definition_version"])])
    about.append(["Generated at (UTC)", safe_cell(output["generated_at"])])
    for name, value in output["parameters"].items():
        about.append([safe_cell(PARAMETER_LABELS.get(name, name)), safe_cell(value or "all")])
    about.append([])
    about.append(["Column", "Definition"])
    for column in columns:
        definition = output.get("definitions", {}).get(column["key"], "")
        about.append([safe_cell(column["label"]), safe_cell(definition)])
    for note in output.get("notes", []):
        about.append(["Note", safe_cell(note)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def drilldown_statement(report: Report, drill: Any, parameters: dict[str, Any]) -> sa.Select:
    """The Client rows behind one figure, limited to what the viewer may see (need-to-know) and
    to clients whose processing is not restricted (Art. 18: they are in no figure, so they are
    behind none, whoever asks — the information governance role too)."""
    from core.clients.access import visible_clients_clause

    if report.drilldown is None:
        raise NotFound("This report's figures cannot be opened.")
    return (
        report.drilldown(drill, **parameters)
        .where(visible_clients_clause())
        .where(processable_clients_clause())
    )


def bar_chart(output: dict[str, Any], width: int = 640) -> dict[str, Any] | None:
    """Geometry of an accessible horizontal bar chart (rendered as SVG by the template)."""
    spec = output.get("chart")
    if not spec or not output["rows"]:
        return None
    values = [float(r.get(spec["value_column"]) or 0) for r in output["rows"]]
    top = max(values) or 1.0
    label_width, bar_height, gap = 220, 22, 8
    bars = []
    for index, (row, value) in enumerate(zip(output["rows"], values, strict=True)):
        bars.append(
            {
                "label": str(row.get(spec["label_column"]) or "—")[:40],
                "value": row.get(spec["value_column"]),
                "x": label_width,
                "y": index * (bar_height + gap),
                "width": max(1, int((width - label_width - 60) * value / top)),
                "height": bar_height,
            }
        )
    return {
        "title": spec["title"],
        "width": width,
        "height": len(bars) * (bar_height + gap),
        "bars": bars,
        "label_width": label_width,
    }
