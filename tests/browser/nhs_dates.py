"""Typing a date into the NHS date input (day, month and year boxes under one legend)."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Page


def fill_date(page: Page, legend: str, value: date | str) -> None:
    """Type ``value`` (a ``date``, ISO text, or "" to clear) into the date input named
    ``legend``, as a person does: no leading zeros."""
    when = date.fromisoformat(value) if isinstance(value, str) and value else value
    parts = (when.day, when.month, when.year) if isinstance(when, date) else ("", "", "")
    group = page.get_by_role("group", name=legend, exact=True)
    for box, text in zip(("Day", "Month", "Year"), parts, strict=True):
        group.get_by_label(box, exact=True).fill(str(text))
