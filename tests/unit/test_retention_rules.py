"""The retention rule table and its date arithmetic (SECURITY.md P3), property-tested.

The oracle counts whole years the way ages are counted: on day ``x`` a period that started on
``s`` has run ``x.year - s.year`` years, less one if ``(x.month, x.day)`` is before
``(s.month, s.day)`` — so a period from 29 February completes on 1 March in a common year.
A record is due on ``today`` when the full period had run by the end of the day before.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from core.config import ConfigError, load
from core.retention.rules import (
    DEFAULT_RULES,
    MENTAL_HEALTH,
    RetentionRule,
    RetentionRuleError,
    add_years,
    due_on,
    is_due,
    parse_rules,
    retain_until,
)

RULE = DEFAULT_RULES[MENTAL_HEALTH]
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
leap_days = st.sampled_from([date(y, 2, 29) for y in (1904, 1996, 2000, 2004, 2012, 2024, 2096)])
some_days = st.one_of(days, leap_days)


def whole_years(start: date, on: date) -> int:
    """Years completed from ``start`` to ``on`` (inclusive of ``on``), counted like an age."""
    return on.year - start.year - ((on.month, on.day) < (start.month, start.day))


def oracle_due(last: date, died: date | None, today: date, rule: RetentionRule = RULE) -> bool:
    yesterday = today - timedelta(days=1)
    if whole_years(last, yesterday) >= rule.years_after_last_contact:
        return True
    return (
        died is not None
        and rule.years_after_death is not None
        and whole_years(died, yesterday) >= rule.years_after_death
    )


def test_the_default_rule_is_the_codes_mental_health_entry():
    assert RetentionRule(MENTAL_HEALTH, years_after_last_contact=20, years_after_death=10) == RULE


def test_exactly_twenty_years_after_last_contact_is_not_yet_due():
    last = date(2006, 11, 24)
    assert retain_until(RULE, last) == date(2026, 11, 24)
    assert not is_due(RULE, last, None, date(2026, 11, 24))
    assert is_due(RULE, last, None, date(2026, 11, 25))


def test_a_29_february_is_kept_until_1_march_in_a_common_year():
    assert add_years(date(2012, 2, 29), 10) == date(2022, 3, 1)
    assert add_years(date(2004, 2, 29), 20) == date(2024, 2, 29)  # a leap year again
    assert add_years(date(2080, 2, 29), 20) == date(2100, 3, 1)  # 2100 is not a leap year
    assert due_on(RULE, date(2030, 1, 1), date(2012, 2, 29)) == date(2022, 3, 2)


def test_a_known_death_ends_the_period_if_sooner():
    last = date(2010, 5, 1)
    assert retain_until(RULE, last, date(2012, 6, 30)) == date(2022, 6, 30)
    assert retain_until(RULE, last, date(2025, 1, 1)) == date(2030, 5, 1)  # 20 y comes first


@given(last=some_days, today=some_days)
@example(last=date(2006, 11, 24), today=date(2026, 11, 24))
@example(last=date(2004, 2, 29), today=date(2024, 3, 1))
@example(last=date(2003, 2, 28), today=date(2023, 3, 1))
def test_due_exactly_when_twenty_whole_years_have_passed(last, today):
    assert is_due(RULE, last, None, today) == oracle_due(last, None, today)


@given(last=some_days, died=some_days, today=some_days)
@example(last=date(2010, 6, 1), died=date(2012, 2, 29), today=date(2022, 3, 1))
@example(last=date(2010, 6, 1), died=date(2012, 2, 29), today=date(2022, 3, 2))
def test_due_when_either_period_has_passed_once_death_is_known(last, died, today):
    assert is_due(RULE, last, died, today) == oracle_due(last, died, today)


@st.composite
def near_an_anniversary(draw, years: int) -> tuple[date, date]:
    """A start (often a leap day) and a day within a few days of its ``years``-th anniversary:
    where the counting can go wrong."""
    start = draw(st.one_of(leap_days, st.dates(date(1900, 1, 1), date(2150, 12, 31))))
    near = date(start.year + years, start.month, min(start.day, 28))
    return start, near + timedelta(days=draw(st.integers(-3, 4)))


@given(near_an_anniversary(20))
@example((date(2080, 2, 29), date(2100, 3, 1)))
def test_the_day_twenty_years_on_is_counted_like_an_age(case):
    last, today = case
    assert is_due(RULE, last, None, today) == oracle_due(last, None, today)


@given(near_an_anniversary(10), some_days)
def test_the_day_ten_years_after_death_is_counted_like_an_age(case, last):
    died, today = case
    assert is_due(RULE, last, died, today) == oracle_due(last, died, today)


@given(last=some_days, died=st.one_of(st.none(), some_days))
def test_due_on_is_the_day_after_retain_until_and_death_never_lengthens(last, died):
    until = retain_until(RULE, last, died)
    assert due_on(RULE, last, died) == until + timedelta(days=1)
    assert until <= retain_until(RULE, last)
    assert not is_due(RULE, last, died, until)
    assert is_due(RULE, last, died, until + timedelta(days=1))


@given(
    last=some_days,
    died=some_days,
    today=some_days,
    after_contact=st.integers(1, 100),
    after_death=st.one_of(st.none(), st.integers(1, 100)),
)
def test_any_configured_rule_follows_the_same_counting(
    last, died, today, after_contact, after_death
):
    rule = RetentionRule("other", after_contact, after_death)
    assert is_due(rule, last, died, today) == oracle_due(last, died, today, rule)


def test_rules_from_config_replace_a_class_and_keep_the_others():
    rules = parse_rules(
        '{"mental_health_record": {"years_after_last_contact": 25, "years_after_death": null},'
        ' "adult_health_record": {"years_after_last_contact": 8}}'
    )
    assert rules[MENTAL_HEALTH] == RetentionRule(MENTAL_HEALTH, 25, None)
    assert rules["adult_health_record"] == RetentionRule("adult_health_record", 8, None)
    assert parse_rules("") == DEFAULT_RULES


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        '{"mental_health_record": {"years_after_last_contact": 0}}',
        '{"mental_health_record": {"years_after_last_contact": "20"}}',
        '{"mental_health_record": {"years_after_death": 10}}',
        '{"mental_health_record": {"years_after_last_contact": 20, "years": 1}}',
    ],
)
def test_a_wrong_rule_table_stops_start_up(raw):
    with pytest.raises(RetentionRuleError):
        parse_rules(raw)
    with pytest.raises(ConfigError, match="RETENTION_RULES"):
        load({"ENV": "test", "SECRET_KEY": "x" * 40, "RETENTION_RULES": raw})
