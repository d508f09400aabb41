"""What a report runner returns: columns, rows, and how to chart them (plain data, JSON-ready)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReportColumn:
    """A column of a report's table. ``kind`` is ``"text"`` or ``"number"``.

    ``drilldown`` marks a figure that can be opened to show the records behind it.
    """

    key: str
    label: str
    kind: str = "text"
    drilldown: bool = False


@dataclass(frozen=True)
class ChartSpec:
    """A bar chart of one number column against a label column."""

    label_column: str
    value_column: str
    title: str
    kind: str = "bar"


@dataclass
class ReportResult:
    """A report's table. Each row may carry ``_drill`` (JSON) identifying the records behind it."""

    columns: list[ReportColumn]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [asdict(c) for c in self.columns],
            "rows": self.rows,
            "notes": self.notes,
        }
