"""The date rules of the Step Out journey, as plain functions that return every broken rule.

Each function answers ``{field: message}`` (empty when all is well) rather than raising, so the
API schemas, the services and the pages can gather *all* broken rules into one answer instead of
one round of errors after another.

* Every date that records something that happened is today or in the past (referral, admission,
  clinically ready, assessment, move-in, discharge, tenancy end, application, offer, review
  completed, crisis use).
* The journey runs in order: admission ≤ referral; admission ≤ clinically ready ≤ discharge;
  referral ≤ assessment; move-in ≤ tenancy end.
"""

from __future__ import annotations

from datetime import date
from typing import Any

#: How each date is named in messages ("The move-in date must …").
LABELS = {
    "referred_on": "referral date",
    "admission_date": "admission date",
    "clinically_ready_date": "clinically ready date",
    "assessment_date": "assessment date",
    "move_in_date": "move-in date",
    "discharge_date": "discharge date",
    "tenancy_end_date": "tenancy end date",
    "action_date": "date of the application",
    "offered_on": "date offered",
    "completed_on": "date the review was done",
    "occurred_on": "date",
}
#: (earlier, later): ``later`` must be on or after ``earlier``; the error goes on ``later``.
ORDER = (
    ("admission_date", "clinically_ready_date"),
    ("admission_date", "discharge_date"),
    ("clinically_ready_date", "discharge_date"),
    ("referred_on", "assessment_date"),
    ("move_in_date", "tenancy_end_date"),
)
#: (later, earlier): ``later`` must be on or before ``earlier``; the error goes on ``later``.
NOT_AFTER = (("admission_date", "referred_on"),)


def label(field: str) -> str:
    """How a date is named at the start of a message ("The move-in date must be …")."""
    return f"The {LABELS[field]}"


def uk_day(day: date) -> str:
    """1 March 2026 (the NHS style for dates in text)."""
    return f"{day.day} {day:%B %Y}"


def _sentence(field: str, rest: str) -> str:
    return f"The {LABELS.get(field, field.replace('_', ' '))} {rest}"


def future_errors(values: dict[str, Any], today: date | None = None) -> dict[str, str]:
    """A date that records something that happened cannot be in the future."""
    today = today or date.today()
    return {
        field: _sentence(field, "must be today or in the past.")
        for field, value in values.items()
        if field in LABELS and isinstance(value, date) and value > today
    }


def not_before(
    field: str, value: date | None, earlier_field: str, earlier: date | None
) -> dict[str, str]:
    """``field`` must be on or after ``earlier_field`` (nothing to say if either is missing)."""
    if value is None or earlier is None or value >= earlier:
        return {}
    rest = f"must be on or after the {LABELS[earlier_field]} ({uk_day(earlier)})."
    return {field: _sentence(field, rest)}


def referral_errors(values: dict[str, Any], whole: bool = True) -> dict[str, str]:
    """Every broken date rule of a referral. ``whole`` is false for a partial change (only the
    fields sent), where rules needing another stored field are left to the service."""
    errors = future_errors(values)
    for earlier, later in ORDER:  # a date already refused is not compared any further
        if later not in errors and earlier not in errors:
            errors |= not_before(later, values.get(later), earlier, values.get(earlier))
    for later, earlier in NOT_AFTER:
        a, b = values.get(later), values.get(earlier)
        if later not in errors and earlier not in errors and a and b and a > b:
            rest = f"must be on or before the {LABELS[earlier]} ({uk_day(b)})."
            errors[later] = _sentence(later, rest)
    if whole and values.get("tenancy_end_date"):
        if not values.get("move_in_date") and "tenancy_end_date" not in errors:
            errors["tenancy_end_date"] = "Record the move-in date before the tenancy end."
        if values.get("tenancy_end_planned") is None:
            errors["tenancy_end_planned"] = "Say whether the tenancy end was planned."
    return errors
