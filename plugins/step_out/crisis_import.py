"""Importing crisis contacts and admissions from the trust's records (a CSV file).

The upload is stored under the instance folder and core's jobs machinery runs the job kind
``step_out.crisis_import`` on it, so the person sees progress on the job's page and downloads
the error report (row, column, problem) when it has finished. Each row is matched to a client by
NHS number; a row whose client already has an event of that kind on that day (imported earlier,
or entered by hand) is skipped, so importing the same file twice adds nothing. A row of a client
whose processing is restricted (UK GDPR Art. 18) is reported as a problem and adds nothing; once
the restriction is lifted, importing the file again adds it.

Columns (first row names them, any order, case and spaces ignored):
``nhs_number`` (10 digits), ``kind`` (``crisis_contact`` or ``admission``), ``date``
(YYYY-MM-DD, not in the future) and, optionally, ``notes`` (up to 500 characters).
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from werkzeug.datastructures import FileStorage

from core.plugins.api import (
    Client,
    JobError,
    JobResult,
    audit,
    current_tenant_id,
    db,
    enqueue_job,
    event_date_problem,
    job_progress,
    processable_clients_clause,
    safe_cell,
)

from .models import StepOutCrisisEvent
from .schemas import CRISIS_KINDS
from .services import StepOutInvalid

JOB_KIND = "step_out.crisis_import"
#: What the problem report says of a restricted client's row: never whose record it is.
RESTRICTED_ROW = (
    "This NHS number belongs to a record whose processing is restricted; nothing was added. "
    "Ask your information governance lead."
)
REQUIRED = ("nhs_number", "kind", "date")
OPTIONAL = ("notes",)
#: Progress is written (one short transaction) every this many rows.
PROGRESS_EVERY = 200


def uploads_dir() -> Path:
    return (
        Path(current_app.config["INSTANCE_DIR"]) / "step_out" / "imports" / str(current_tenant_id())
    )


def max_bytes() -> int:
    """The largest upload accepted: core's import limit."""
    return int(current_app.config.get("IMPORT_MAX_BYTES", 200 * 1024 * 1024))


def normalise_header(value: Any) -> str:
    return str(value or "").strip().lower().replace(" ", "_").replace("-", "_")


def start_crisis_import(upload: FileStorage | None, idempotency_key: str | None = None) -> Any:
    """Check the file's shape, store it, and ask core for the import job (the JobRun)."""
    if upload is None or not upload.filename:
        raise StepOutInvalid({"file": "Choose a CSV file of crisis contacts and admissions."})
    if Path(upload.filename).suffix.lower() != ".csv":
        raise StepOutInvalid({"file": "The file must be a CSV file (.csv)."})
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4()}.csv"
    upload.save(stored)
    try:
        _check_header(stored)
    except StepOutInvalid:
        stored.unlink(missing_ok=True)
        raise
    return enqueue_job(
        JOB_KIND,
        {"upload": stored.name, "filename": Path(upload.filename).name[:200]},
        idempotency_key=f"step_out.crisis_import:{idempotency_key}" if idempotency_key else None,
    )


def _check_header(path: Path) -> None:
    """Refuse at once a file that is empty, not UTF-8 text, or lacks a required column."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), None)
    except (UnicodeDecodeError, csv.Error):
        raise StepOutInvalid({"file": "The file must be a CSV file saved as UTF-8 text."}) from None
    if not header or not any(h.strip() for h in header):
        raise StepOutInvalid({"file": "The file is empty."})
    missing = [c for c in REQUIRED if c not in {normalise_header(h) for h in header}]
    if missing:
        raise StepOutInvalid(
            {"file": "The first row must name the columns; missing: " + ", ".join(missing) + "."}
        )


# --------------------------------------------------------------------------- the job


def import_crisis_csv(
    upload: str | None = None,
    csv_text: str | None = None,
    filename: str | None = None,
    **_: Any,
) -> JobResult:
    """The job: check every row, report problems by row and column, add the new events.

    ``upload`` names a file stored by :func:`start_crisis_import`; ``csv_text`` (the CSV itself)
    is for scripts and tests. Safe to run twice: rows already held are skipped.
    """
    path = None
    if upload is not None:
        path = (uploads_dir() / Path(upload).name).resolve()
        if not path.is_file():
            raise JobError("The uploaded file is no longer available; upload it again.")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            total = max(0, sum(1 for _ in csv.reader(handle)) - 1)
    else:
        total = max(0, len((csv_text or "").splitlines()) - 1)
    report_path = uploads_dir() / f"{uuid.uuid4()}-errors.csv"
    report_path.parent.mkdir(parents=True, exist_ok=True)
    counts = {"rows": 0, "added": 0, "already_there": 0, "with_problems": 0}
    problems = 0
    first_problems: list[str] = []
    with report_path.open("w", newline="", encoding="utf-8") as out:
        report = csv.writer(out)
        report.writerow(["row", "column", "problem"])
        rows = _rows(path, csv_text)
        header = [normalise_header(h) for h in next(rows, [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise JobError(
                "The file's first row must name the columns; missing: " + ", ".join(missing) + "."
            )
        for index, name in enumerate(header):
            if name not in REQUIRED + OPTIONAL:
                column = safe_cell(name) or f"column {index + 1}"
                report.writerow([1, column, "Unknown column; it was ignored."])
                problems += 1
        clients: dict[str, tuple[uuid.UUID, bool] | None] = {}
        for row_number, raw in enumerate(rows, start=2):
            if not any((v or "").strip() for v in raw):
                continue  # a blank line
            counts["rows"] += 1
            values = {
                name: (raw[i].strip() if i < len(raw) else "") for i, name in enumerate(header)
            }
            event, errors = _check_row(values, clients)
            if errors:
                counts["with_problems"] += 1
                for column, problem in errors:
                    report.writerow([row_number, column, problem])
                    problems += 1
                    if len(first_problems) < 3:
                        first_problems.append(f"row {row_number}, {column}: {problem.rstrip('.')}")
            elif _already_there(event):
                counts["already_there"] += 1
            else:
                db.session.add(StepOutCrisisEvent(source="import", **event))
                db.session.flush()
                counts["added"] += 1
            if counts["rows"] % PROGRESS_EVERY == 0:
                job_progress(
                    100 * counts["rows"] / max(total, 1), f"Row {counts['rows']} of {total}"
                )
    audit(
        "step_out.crisis_import",
        object_type="step_out_crisis_event",
        details={**counts, "problems": problems, "file": filename or upload or "csv_text"},
    )
    if path is not None:
        os.remove(path)  # the upload has done its work; the error report is the record
    return JobResult(
        data={**counts, "problems": problems},
        file=report_path,
        filename="crisis-import-problems.csv",
        content_type="text/csv",
        message=_summary(counts, first_problems),
    )


def _summary(counts: dict[str, int], first_problems: list[str]) -> str:
    """What the job's page says: the counts, then the first problems (the report has all)."""
    rows = counts["with_problems"]
    text = (
        f"{counts['added']} added, {counts['already_there']} already there, "
        f"{rows} {'row' if rows == 1 else 'rows'} with problems."
    )
    if first_problems:
        text += " First: " + "; ".join(first_problems) + "."
    return text if len(text) <= 500 else text[:497] + "..."


def _rows(path: Path | None, csv_text: str | None) -> Iterator[list[str]]:
    if path is None:
        yield from csv.reader(io.StringIO(csv_text or ""))
        return
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from csv.reader(handle)


def _check_row(
    values: dict[str, str], clients: dict[str, tuple[uuid.UUID, bool] | None]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The event a row describes, or its problems as (column, problem)."""
    errors: list[tuple[str, str]] = []
    nhs = values.get("nhs_number", "").replace(" ", "")
    client_id = None
    if not (len(nhs) == 10 and nhs.isdigit()):
        errors.append(("nhs_number", "Enter a 10-digit NHS number."))
    else:
        if nhs not in clients:
            found = db.session.execute(
                sa.select(Client.id, processable_clients_clause()).where(Client.nhs_number == nhs)
            ).one_or_none()
            clients[nhs] = None if found is None else (found[0], bool(found[1]))
        match = clients[nhs]
        if match is None:
            errors.append(("nhs_number", "No client has this NHS number."))
        elif not match[1]:  # Art. 18: a restricted record is stored, never added to
            errors.append(("nhs_number", RESTRICTED_ROW))
        else:
            client_id = match[0]
    kind = values.get("kind", "")
    if kind not in CRISIS_KINDS:
        errors.append(("kind", "Must be crisis_contact or admission."))
    when = None
    try:
        when = date.fromisoformat(values.get("date", ""))
    except ValueError:
        errors.append(("date", "Must be a date written YYYY-MM-DD."))
    if when is not None and when > date.today():
        errors.append(("date", "Must not be in the future."))
    elif when is not None and (problem := event_date_problem(when, "Date")):
        errors.append(("date", problem))
    notes = values.get("notes") or None
    if notes is not None and len(notes) > 500:
        errors.append(("notes", "Must be 500 characters or fewer."))
    event = {"client_id": client_id, "kind": kind, "occurred_on": when, "notes": notes}
    return event, errors


def _already_there(event: dict[str, Any]) -> bool:
    """An event of the same kind on the same day is held already (imported or by hand)."""
    return (
        db.session.execute(
            sa.select(StepOutCrisisEvent.id).where(
                StepOutCrisisEvent.client_id == event["client_id"],
                StepOutCrisisEvent.kind == event["kind"],
                StepOutCrisisEvent.occurred_on == event["occurred_on"],
            )
        ).first()
        is not None
    )
