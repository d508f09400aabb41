"""Reading an import file as a stream, and writing its error report as problems are found.

CSV is read a line at a time and .xlsx with openpyxl's ``read_only`` mode, so memory stays flat
however long the file. A CSV's encoding and delimiter are decided once, by :func:`inspect_file`,
because the files trusts send are rarely the UTF-8, comma-separated CSV a programmer would write:
Excel on Windows saves "CSV" as Windows-1252, and in European locales with semicolons.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from core.clients.export import safe_cell
from core.jobs.runner import JobError

#: Tried in this order: UTF-8 (a byte-order mark is dropped), then what Excel on Windows writes.
#: Any byte sequence that is not UTF-8 is almost always Windows-1252 in a UK trust.
CSV_ENCODINGS = ("utf-8-sig", "cp1252")
#: The delimiters a spreadsheet's "CSV" may use; anything else is read as commas.
CSV_DELIMITERS = ",;\t"


@dataclass(frozen=True)
class Layout:
    """What one streaming pass learnt about a file: how to read it and how many rows it has."""

    rows: int
    encoding: str = "utf-8-sig"
    delimiter: str = ","


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


def read_rows(path: Path, file_format: str, layout: Layout | None = None) -> Iterator[list[Any]]:
    """Every row of the file, header first, one at a time (a CSV as ``layout`` says)."""
    if file_format == "csv":
        layout = layout or Layout(rows=0)
        with path.open(newline="", encoding=layout.encoding) as handle:
            yield from csv.reader(handle, delimiter=layout.delimiter)
        return
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def inspect_file(path: Path, file_format: str) -> Layout:
    """Data rows (without the header) for the progress bar, and a CSV's encoding and delimiter.

    One streaming pass over a CSV decodes every byte anyway to count its rows, so it is also the
    test of the encoding: a file that is not valid UTF-8 is counted again as Windows-1252. The
    file is never held in memory, and the encoding is decided once for the whole file, not row
    by row (a row read in the wrong encoding would be imported with a mangled name).
    """
    if file_format == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True)
        try:
            rows = workbook.worksheets[0].max_row
        finally:
            workbook.close()
        if rows:
            return Layout(rows=max(0, rows - 1))
        return Layout(rows=max(0, sum(1 for _ in read_rows(path, file_format)) - 1))
    for encoding in CSV_ENCODINGS:
        try:
            with path.open(newline="", encoding=encoding) as handle:
                delimiter = sniff_delimiter(handle.readline())
            layout = Layout(rows=0, encoding=encoding, delimiter=delimiter)
            rows = sum(1 for _ in read_rows(path, file_format, layout))
        except UnicodeDecodeError:
            continue
        return Layout(rows=max(0, rows - 1), encoding=encoding, delimiter=delimiter)
    raise JobError(
        'The file is not readable text. Save it from Excel as "CSV UTF-8 (Comma delimited)" '
        "and upload it again."
    )


def sniff_delimiter(header_line: str) -> str:
    """The header line's delimiter: comma, semicolon (Excel in European locales) or tab.

    Only the header line is looked at, because column names rarely hold a delimiter while data
    (addresses, free text) often does; a header the sniffer cannot read is taken as commas.
    """
    try:
        return csv.Sniffer().sniff(header_line, delimiters=CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","


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
