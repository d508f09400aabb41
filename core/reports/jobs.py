"""Running a report as a background job: the output on the JobRun, the workbook to download."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from core.jobs.runner import JobResult, progress
from core.reports import framework


def run_report_job(report: str, parameters: dict[str, Any] | None = None, **_: Any) -> JobResult:
    """The job: run ``report`` with ``parameters`` and keep its table and an Excel copy."""
    definition = framework.find_report(report)
    parsed = framework.parse_parameters(definition, parameters or {})
    progress(10, "Counting…")
    output = framework.run(definition, parsed)
    progress(80, "Writing the workbook…")
    with tempfile.NamedTemporaryFile(delete=False, suffix=".xlsx") as handle:
        handle.write(framework.to_xlsx(output))
    return JobResult(
        data=output,
        file=Path(handle.name),
        filename=f"{definition.key}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        message=f"{len(output['rows'])} rows.",
    )
