"""NHS number rules (NHS Data Dictionary Modulus 11), from ../shared/domain/nhs-data.md."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clients import nhs_number
from core.clients.nhs_number import NhsNumberError, check_digit, display, is_valid, normalise

VALID = ["9434765919", "4010232137", "9990000018", "9990000050"]
INVALID_CHECK = ["9434765918", "9991234560"] + [f"999000000{x}" for x in range(10)]

LENGTH = "10 digits"
NON_DIGITS = "only numbers"
CHECK = "check digit"


def _reason(value: str) -> str:
    with pytest.raises(NhsNumberError) as caught:
        normalise(value)
    return str(caught.value)


@pytest.mark.parametrize("value", VALID)
def test_valid_vectors(value):
    assert normalise(value) == value
    assert is_valid(value)


def test_eleven_becomes_zero_edge():
    """9990000050: sum 253, remainder 0, check 11 → 0."""
    assert check_digit("999000005") == 0
    assert is_valid("9990000050")
    assert not is_valid("9990000051")


def test_ten_is_invalid_edge():
    """999000000x: sum 243, remainder 1, check 10 → no digit can make it valid."""
    assert check_digit("999000000") is None
    assert check_digit("999123456") is None


@pytest.mark.hazard("HAZ-001")
@pytest.mark.parametrize("value", INVALID_CHECK)
def test_invalid_check_digit_vectors(value):
    assert not is_valid(value)
    assert CHECK in _reason(value)


def test_vector_check_digits_match_the_worked_table():
    assert check_digit("943476591") == 9
    assert check_digit("401023213") == 7
    assert check_digit("999000001") == 8


@pytest.mark.parametrize(
    "value",
    [
        "943 476 5919",
        "943-476-5919",
        " 9434765919 ",
        "943 - 476 - 5919",
        "9434 765919",
        "943\t476\t5919",
    ],
)
def test_spaces_and_dashes_are_accepted_and_removed(value):
    assert normalise(value) == "9434765919"


@pytest.mark.parametrize("value", ["943476591", "94347659190", "1", "999 000 001", "99900000180"])
def test_wrong_length_names_the_length(value):
    reason = _reason(value)
    assert LENGTH in reason
    assert NON_DIGITS not in reason and CHECK not in reason


@pytest.mark.parametrize(
    "value",
    [
        "99900000AB",
        "943.476.5919",
        "+449434765919",
        "943/476/5919",
        "\uff19\uff14\uff13\uff14\uff17\uff16\uff15\uff19\uff11\uff19",  # full-width
        "\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669",  # Arabic-Indic
    ],
)
def test_non_digits_are_named(value):
    reason = _reason(value)
    assert NON_DIGITS in reason
    assert LENGTH not in reason and CHECK not in reason


def test_the_three_reasons_are_distinct_messages():
    messages = {_reason("123"), _reason("12345678AB"), _reason("9434765918")}
    assert len(messages) == 3


@pytest.mark.parametrize("value", ["", "   ", "--"])
def test_empty_is_refused(value):
    with pytest.raises(NhsNumberError):
        normalise(value)


def test_display_is_three_three_four():
    assert display("9434765919") == "943 476 5919"
    assert display(None) == ""
    assert display("") == ""


def test_display_round_trips_through_normalise():
    for value in VALID:
        assert normalise(display(value)) == value


def test_test_range():
    assert nhs_number.is_test_number("9990000018")
    assert nhs_number.is_test_number("9999999999")
    assert not nhs_number.is_test_number("9434765919")


def _reference_check(stem: str) -> int | None:
    """Straight from the rule: weights 10..2, mod 11, 11 - r; 11 → 0, 10 → none."""
    total = sum(int(d) * (10 - i) for i, d in enumerate(stem))
    check = 11 - total % 11
    return {11: 0, 10: None}.get(check, check)


stems = st.integers(min_value=0, max_value=999_999_999).map(lambda n: f"{n:09d}")


@settings(max_examples=500, deadline=None)
@given(stems)
def test_every_stem_has_at_most_one_valid_check_digit(stem):
    accepted = [d for d in range(10) if is_valid(f"{stem}{d}")]
    assert len(accepted) <= 1
    expected = _reference_check(stem)
    assert accepted == ([] if expected is None else [expected])
    assert check_digit(stem) == expected


@settings(max_examples=200, deadline=None)
@given(stems, st.integers(min_value=0, max_value=9))
def test_every_refusal_of_ten_digits_is_the_check_digit(stem, digit):
    value = f"{stem}{digit}"
    if not is_valid(value):
        assert CHECK in _reason(value)


def test_about_one_in_eleven_stems_have_no_valid_number():
    import random

    rng = random.Random(20261123)
    sample = [f"{rng.randrange(10**9):09d}" for _ in range(22_000)]
    without = sum(1 for s in sample if not any(is_valid(f"{s}{d}") for d in range(10)))
    assert abs(without / len(sample) - 1 / 11) < 0.01


def test_test_range_stems_with_no_valid_number_are_exactly_one_in_eleven():
    """Over 11 consecutive stems the weighted sums cover every remainder once."""
    block = [f"{n:09d}" for n in range(999_000_000, 999_000_011)]
    assert sum(1 for s in block if check_digit(s) is None) == 1
