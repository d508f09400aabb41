"""Bulk client import: CSV or .xlsx, validated with the API's own schema, imported in batches.

Each row is first translated by :mod:`core.imports.normalise` (aliases, UK dates, code labels).

The file is read as a stream (``csv`` a line at a time, openpyxl ``read_only``), errors are
written to the error report as they are found, and valid rows go in ``IMPORT_BATCH_SIZE`` per
transaction, so memory stays flat however long the file. Rows are matched to existing clients on
NHS number, then local identifier: a match is skipped (or updated, in ``update`` mode), never
duplicated, so importing the same file twice, or retrying a job that stopped half-way, is safe.

On PostgreSQL a batch's new clients are ``COPY``ed into a temporary table (the app role may not
``COPY`` into an RLS table) and moved into ``client`` with one ``INSERT … SELECT``, which the
row-level security ``WITH CHECK`` policy still guards; their ``client.create`` audit events
follow with one more ``INSERT … SELECT``. The per-batch look-ups send their keys as one array
parameter (``= ANY(…)``), not thousands of bound parameters.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, g
from marshmallow import ValidationError
from sqlalchemy.dialects.postgresql import ARRAY

from core.accounts.models import Membership, Organisation
from core.clients.models import Client
from core.clients.schemas import ClientCreateSchema
from core.columns import new_id, utcnow
from core.extensions import db
from core.imports.files import ErrorReport, cell, inspect_file, read_rows
from core.imports.inserts import COLUMNS, can_copy, insert_created
from core.imports.normalise import Header, normalise_row, read_header
from core.jobs.runner import JobError, JobResult, progress
from core.tenancy.context import current_tenant_id

#: Columns an import file may have: the API's create fields.
MODES = ("skip", "update")
#: Stands for a client created by an earlier row of the same batch.
_EARLIER_ROW: Any = object()
_SCHEMA = ClientCreateSchema()
_NOT_STAFF = "Choose an active member of the trust's staff."


def uploads_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "imports" / str(current_tenant_id())


def validate_row(values: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, list[str]]]:
    """The row loaded by :class:`ClientCreateSchema` (the API's rules), or its errors by field."""
    data = {k: v for k, v in values.items() if v is not None}
    try:
        loaded = _SCHEMA.load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        return None, {k: v if isinstance(v, list) else [str(v)] for k, v in messages.items()}
    return loaded, {}


def import_clients(
    upload: str, format: str = "csv", mode: str = "skip", filename: str | None = None, **_: Any
) -> JobResult:
    """The job: validate every row, report errors, import valid rows in batches."""
    if mode not in MODES:
        raise JobError(f"Unknown import mode {mode!r}; use one of {', '.join(MODES)}.")
    path = (uploads_dir() / Path(upload).name).resolve()
    if not path.is_file():
        raise JobError("The uploaded file is no longer available; upload it again.")
    batch_size = int(current_app.config.get("IMPORT_BATCH_SIZE", 2000))
    layout = inspect_file(path, format)  # one streaming pass: rows, encoding, delimiter
    total = layout.rows
    report_path = uploads_dir() / f"{uuid.uuid4()}-errors.csv"
    report = ErrorReport(report_path)
    counts = {"rows": 0, "created": 0, "updated": 0, "skipped": 0, "invalid": 0}
    staff = _staff_memberships()
    try:
        rows = read_rows(path, format, layout)
        header = read_header(next(rows, []))  # column names and their aliases → fields
        for title in header.unknown:
            report.add(1, title, "Unknown column; it was ignored.")
        copy = can_copy()
        batch: list[tuple[int, dict[str, Any]]] = []
        for row_number, raw in enumerate(rows, start=2):
            if not any(v not in (None, "") for v in raw):
                continue  # blank line
            counts["rows"] += 1
            width = len(raw)
            values = {name: cell(raw[i]) if i < width else None for i, name in header.wanted}
            values, errors = normalise_row(values)  # UK dates, code labels → the API's spelling
            loaded, invalid = validate_row(values)
            errors = {**invalid, **errors}
            worker = loaded.get("key_worker_membership_id") if loaded else None
            if worker is not None and worker not in staff:
                errors["key_worker_membership_id"] = [_NOT_STAFF]
            if errors:
                _report_errors(report, row_number, header, errors)
                counts["invalid"] += 1
                continue
            batch.append((row_number, loaded))
            if len(batch) >= batch_size:
                _import_batch(batch, mode, counts, report, copy=copy)
                batch = []
                _checkpoint(counts, total)
        if batch:
            _import_batch(batch, mode, counts, report, copy=copy)
            _checkpoint(counts, total)
    finally:
        report.close()
    from core import audit

    audit.record(
        "client.import",
        object_type="client",
        details={**counts, "file": filename or path.name, "job": str(g.get("job_run_id"))},
    )
    os.remove(path)  # the upload has done its work; the error report is the record
    summary = (
        f"{counts['created']} created, {counts['updated']} updated, "
        f"{counts['skipped']} already there, {counts['invalid']} with problems."
    )
    return JobResult(
        data={**counts, "problems": report.problems},
        file=report_path,
        filename="import-errors.csv",
        content_type="text/csv",
        message=summary,
    )


def _checkpoint(counts: dict[str, int], total: int) -> None:
    db.session.commit()  # one transaction per batch: a retry finds these rows and skips them
    done = counts["rows"]
    progress(
        99 * done / total if total else 99,
        f"{done} of {total} rows checked; {counts['created']} created so far.",
    )


def _report_errors(
    report: ErrorReport, row: int, header: Header, errors: dict[str, list[str]]
) -> None:
    """One report line per problem, in column order, naming the column as the file does."""
    order = {name: i for i, name in header.wanted}
    for field in sorted(errors, key=lambda f: (order.get(f, len(order)), f)):
        for message in errors[field]:
            column = "(row)" if field == "_schema" else header.titles.get(field, field)
            report.add(row, column, str(message))


def _staff_memberships() -> set[uuid.UUID]:
    return set(
        db.session.execute(
            sa.select(Membership.id)
            .join(
                Organisation,
                sa.and_(
                    Organisation.tenant_id == Membership.tenant_id,
                    Organisation.id == Membership.organisation_id,
                ),
            )
            .where(Membership.active.is_(True), Organisation.partner.is_(False))
        ).scalars()
    )


def _clean(loaded: dict[str, Any]) -> dict[str, Any]:
    data = {}
    for key, value in loaded.items():
        if key == "confirm_not_duplicate":
            continue
        if isinstance(value, str):
            value = value.strip() or None
        data[key] = value
    return data


def _any(values: set[str]) -> Any:
    """``= ANY(:array)``: one array parameter, not one bound parameter per value (PostgreSQL)."""
    return sa.any_(sa.bindparam(None, sorted(values), type_=ARRAY(sa.String)))


RESTRICTED_ROW = (
    "This NHS number or local identifier belongs to a record whose processing is restricted; "
    "it was not changed. Ask your information governance lead."
)


def _existing_clients(numbers: set[str], local_ids: set[str]) -> list[Client]:
    """The tenant's clients with one of these NHS numbers or local identifiers."""
    postgresql = db.engine.dialect.name == "postgresql"
    conditions = []
    if numbers:
        conditions.append(
            Client.nhs_number == _any(numbers) if postgresql else Client.nhs_number.in_(numbers)
        )
    if local_ids:
        conditions.append(
            Client.local_id == _any(local_ids) if postgresql else Client.local_id.in_(local_ids)
        )
    if not conditions:
        return []
    return list(db.session.execute(sa.select(Client).where(sa.or_(*conditions))).scalars())


def _import_batch(
    batch: list[tuple[int, dict[str, Any]]],
    mode: str,
    counts: dict[str, int],
    report: ErrorReport,
    *,
    copy: bool = False,
) -> None:
    """Match a batch on NHS number / local id, then insert the new and update or skip the rest."""
    rows = [(n, _clean(d), bool(d.get("confirm_not_duplicate"))) for n, d in batch]
    numbers = {d["nhs_number"] for _, d, _ in rows if d.get("nhs_number")}
    local_ids = {d["local_id"] for _, d, _ in rows if d.get("local_id")}
    by_number: dict[str, Client] = {}
    by_local: dict[str, Client] = {}
    for client in _existing_clients(numbers, local_ids):
        if client.nhs_number:
            by_number[client.nhs_number] = client
        if client.local_id:
            by_local[client.local_id] = client
    people = _same_person_index(rows)
    new_rows: list[dict[str, Any]] = []
    tenant_id = current_tenant_id()
    now = utcnow()
    for row_number, data, confirmed in rows:
        match_number = by_number.get(data.get("nhs_number") or "")
        match_local = by_local.get(data.get("local_id") or "")
        if match_number and match_local and match_number is not match_local:
            report.add(
                row_number,
                "local_id",
                "This NHS number and this local identifier belong to two different clients.",
            )
            counts["invalid"] += 1
            continue
        existing = match_number or match_local
        if existing is _EARLIER_ROW:
            counts["skipped"] += 1  # the same client twice in one batch: the first row won
            continue
        if existing is not None and existing.restricted_at is not None:
            # Art. 18: a restricted record is stored, never changed, until the restriction is
            # lifted; the row is reported without saying whose record it is.
            report.add(row_number, "(row)", RESTRICTED_ROW)
            counts["invalid"] += 1
            continue
        if existing is not None:
            if mode == "update":
                changed = {k: v for k, v in data.items() if getattr(existing, k) != v}
                if changed:
                    for key, value in changed.items():
                        setattr(existing, key, value)
                    counts["updated"] += 1
                else:
                    counts["skipped"] += 1
            else:
                counts["skipped"] += 1
            continue
        person = (
            data["given_name"].lower(),
            data["family_name"].lower(),
            data["date_of_birth"],
        )
        if person in people and not confirmed:
            report.add(
                row_number,
                "(row)",
                "A client with the same name and date of birth already exists. Add their NHS "
                "number or local identifier, or set confirm_not_duplicate to true if this is a "
                "different person.",
            )
            counts["invalid"] += 1
            continue
        client_id = new_id()
        record = {
            **{c: None for c in COLUMNS},
            **data,
            "id": client_id,
            "tenant_id": tenant_id,
            "status": "open",
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        new_rows.append(record)
        people.add(person)
        # Later rows of the same batch with the same identifiers are matched, not inserted twice.
        if record["nhs_number"]:
            by_number[record["nhs_number"]] = _EARLIER_ROW
        if record["local_id"]:
            by_local[record["local_id"]] = _EARLIER_ROW
    if new_rows:
        insert_created(new_rows, copy=copy)
        counts["created"] += len(new_rows)
    db.session.flush()


def _same_person_index(rows: list[tuple[int, dict[str, Any], bool]]) -> set[tuple]:
    """(given, family, date of birth) of existing clients who share them with a batch row."""
    wanted = {
        (d["given_name"].lower(), d["family_name"].lower(), d["date_of_birth"]) for _, d, _ in rows
    }
    if not wanted:
        return set()
    # Candidates through the (tenant_id, family_name, given_name) index, compared without case
    # here: lower() in SQL would scan the table once per batch.
    families = {d["family_name"] for _, d, _ in rows}
    spellings = families | {f.lower() for f in families} | {f.title() for f in families}
    if db.engine.dialect.name == "postgresql":
        wanted_family = Client.family_name == _any(spellings)
    else:
        wanted_family = Client.family_name.in_(spellings)
    found = db.session.execute(
        sa.select(Client.given_name, Client.family_name, Client.date_of_birth).where(wanted_family)
    ).all()
    found = [(g.lower(), f.lower(), dob) for g, f, dob in found]
    found = [row for row in found if row in wanted]
    return {tuple(row) for row in found}
