"""Jinja filters: NHS number 3-3-4, dates the way the NHS writes them, code-list labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from core.clients import codelists
from core.clients.nhs_number import display

LONDON = ZoneInfo("Europe/London")


def uk_date(value: date | str | None) -> str:
    """``15 March 1984`` (NHS style: no leading zero, month in full). ISO strings (stored
    report output) are read first."""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10]) if value else None
    return f"{value.day} {value:%B %Y}" if value else ""


def uk_datetime(value: datetime | str | None) -> str:
    """``15 March 2026, 2:05pm`` in UK time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if value else None
    if value is None:
        return ""
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(LONDON)
    hour = local.hour % 12 or 12
    return f"{local.day} {local:%B %Y}, {hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def register(app: Flask) -> None:
    from core.accounts.permissions import has_permission

    app.jinja_env.filters.update(
        nhs_number=display,
        uk_date=uk_date,
        uk_datetime=uk_datetime,
        contact_method=codelists.CONTACT_METHODS.label,
        gender_identity=codelists.GENDER_IDENTITY.label,
        ethnic_category=codelists.ETHNIC_CATEGORY.label,
        closure_reason=codelists.CLOSURE_REASONS.label,
        consent_purpose=codelists.CONSENT_PURPOSES.label,
        consent_method=codelists.CONSENT_METHODS.label,
    )
    app.jinja_env.globals["has_permission"] = has_permission
