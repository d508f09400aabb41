"""Reading an import file as a stream, and writing its error report as problems are found.

CSV is read a line at a time and .xlsx with openpyxl's ``read_only`` mode, so memory stays flat
however long the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.clients.export import safe_cell


def normalise_header(value: Any) -> str:
    return str(value or "").strip().lower().replace(" ", "_").replace("-", "_")


def cell(value: Any) -> Any:
    """A spreadsheet value as the API would receive it in JSON."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    text = str(value).strip()
    return text or None


def read_rows(path: Path, file_format: str) -> Iterator[list[Any]]:
    """Every row of the file, header first, one at a time."""
    if file_format == "csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            yield from csv.reader(handle)
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def count_rows(path: Path, file_format: str) -> int:
    """Data rows (without the header), for the progress bar: a streaming pass."""
    if file_format == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            rows = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        if rows:
            return max(0, rows - 1)
    return max(0, sum(1 for _ in read_rows(path, file_format)) - 1)


class ErrorReport:
    """The error report CSV: row, column, problem — written as problems are found."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("w", newline="", encoding="utf-8")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(["row", "column", "problem"])
        self.rows_with_errors = 0
        self.problems = 0

    def add(self, row: int, column: str, problem: str) -> None:
        self.writer.writerow([row, safe_cell(column), safe_cell(problem)])
        self.problems += 1

    def close(self) -> None:
        self.handle.close()
