"""Storing an uploaded import file and asking for the job that processes it."""

from __future__ import annotations

import uuid
from pathlib import Path

from werkzeug.datastructures import FileStorage

from core.errors import InvalidInput
from core.imports.clients import MODES, uploads_dir
from core.jobs.models import JobRun
from core.jobs.services import enqueue

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}


def start_client_import(
    upload: FileStorage | None, mode: str = "skip", idempotency_key: str | None = None
) -> JobRun:
    """Save the file under the instance folder (streamed to disk) and queue the import job."""
    if upload is None or not upload.filename:
        raise InvalidInput({"file": "Choose a CSV or Excel (.xlsx) file."})
    suffix = Path(upload.filename).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidInput({"file": "The file must be a CSV (.csv) or Excel (.xlsx) file."})
    if mode not in MODES:
        raise InvalidInput({"mode": f"Choose one of: {', '.join(MODES)}."})
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4()}{suffix}"
    upload.save(stored)
    if stored.stat().st_size == 0:
        stored.unlink()
        raise InvalidInput({"file": "The file is empty."})
    return enqueue(
        "core.clients.import",
        {
            "upload": stored.name,
            "format": FORMATS[suffix],
            "mode": mode,
            "filename": Path(upload.filename).name[:200],
        },
        idempotency_key=f"import:{idempotency_key}" if idempotency_key else None,
    )
