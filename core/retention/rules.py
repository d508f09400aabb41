"""Retention rules (Records Management Code of Practice 2021, Appendix II) and the date arithmetic.

Pure functions: no database, no clock. A rule says how many whole years a record class is kept
after the last contact and, when the person's death is known, after the death. The Code keeps
mental health records 20 years, or 10 years after the patient's death if that is sooner, so
where both apply the **earlier** date ends the minimum period.

Counting (documented in the README, "Retention"):

* ``retain_until`` is the last day the record must be kept: the same calendar date ``years``
  later. A 29 February whose anniversary year has no 29 February is kept until **1 March**
  (the later reading, so a record is never appraised a day early), and is due on 2 March.
* ``due_on`` = ``retain_until`` + 1 day: the first day the record may be appraised. A record
  whose last contact was exactly 20 years ago today is therefore not yet due (due tomorrow).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

#: The record class every client record (core and plugins' data about the client) belongs to.
MENTAL_HEALTH = "mental_health_record"


@dataclass(frozen=True)
class RetentionRule:
    """How long one record class is kept: whole years after last contact, and after death.

    ``years_after_death`` None means death does not shorten the period.
    """

    record_class: str
    years_after_last_contact: int
    years_after_death: int | None = None


#: The defaults: the Code's mental health records entry. Overridden by ``RETENTION_RULES``.
DEFAULT_RULES: dict[str, RetentionRule] = {
    MENTAL_HEALTH: RetentionRule(MENTAL_HEALTH, years_after_last_contact=20, years_after_death=10),
}


class RetentionRuleError(ValueError):
    """``RETENTION_RULES`` is not a valid rule table; the message says what is wrong."""


def parse_rules(raw: str | Mapping[str, Any] | None) -> dict[str, RetentionRule]:
    """The rule table: defaults, with ``raw`` (JSON text or a mapping) laid over them.

    ``raw`` maps a record class to ``{"years_after_last_contact": int, "years_after_death":
    int | null}``; a class given replaces its default entirely. Years must be whole numbers
    from 1 to 100.
    """
    rules = dict(DEFAULT_RULES)
    if raw is None or raw == "":
        return rules
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise RetentionRuleError(f"RETENTION_RULES is not valid JSON: {error.msg}.") from None
    if not isinstance(raw, Mapping):
        raise RetentionRuleError("RETENTION_RULES must be a JSON object of record classes.")
    for record_class, entry in raw.items():
        if not isinstance(entry, Mapping) or set(entry) - {
            "years_after_last_contact",
            "years_after_death",
        }:
            raise RetentionRuleError(
                f"RETENTION_RULES[{record_class!r}] takes only years_after_last_contact and "
                "years_after_death."
            )
        after_contact = entry.get("years_after_last_contact")
        after_death = entry.get("years_after_death")
        for name, value, optional in (
            ("years_after_last_contact", after_contact, False),
            ("years_after_death", after_death, True),
        ):
            if value is None and optional:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 100:
                raise RetentionRuleError(
                    f"RETENTION_RULES[{record_class!r}].{name} must be a whole number of years "
                    "from 1 to 100."
                )
        rules[record_class] = RetentionRule(record_class, after_contact, after_death)
    return rules


def add_years(day: date, years: int) -> date:
    """The same calendar date ``years`` later; 29 February → 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, and the target year is not a leap year
        return date(day.year + years, 3, 1)


def retain_until(rule: RetentionRule, last_contact_on: date, died_on: date | None = None) -> date:
    """The last day a record must be kept under ``rule`` (inclusive).

    ``last_contact_on + years_after_last_contact``; when the death is known and the rule has
    a period after death, the earlier of that and ``died_on + years_after_death``.
    """
    until = add_years(last_contact_on, rule.years_after_last_contact)
    if died_on is not None and rule.years_after_death is not None:
        until = min(until, add_years(died_on, rule.years_after_death))
    return until


def due_on(rule: RetentionRule, last_contact_on: date, died_on: date | None = None) -> date:
    """The first day the record is due for appraisal: the day after :func:`retain_until`."""
    return retain_until(rule, last_contact_on, died_on) + timedelta(days=1)


def is_due(rule: RetentionRule, last_contact_on: date, died_on: date | None, today: date) -> bool:
    """Whether the minimum retention period has passed on ``today``."""
    return today >= due_on(rule, last_contact_on, died_on)
