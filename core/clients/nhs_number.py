"""NHS numbers: ten digits whose last is a Modulus 11 check digit (NHS Data Dictionary).

Accepted with spaces or dashes (``943 476 5919``, ``943-476-5919``), stored as ten digits,
shown 3-3-4. Each refusal names its reason, so a person can correct what they typed.
"""

from __future__ import annotations

import re

WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2)
#: Never issued to real patients: synthetic and demo data live here.
TEST_RANGE = ("9990000000", "9999999999")

_SEPARATORS = re.compile(r"[\s\-]")


class NhsNumberError(ValueError):
    """Why a value is not an NHS number (the message is shown to the person)."""


def check_digit(stem: str) -> int | None:
    """The check digit for nine digits, or None when no digit can make them valid (check 10)."""
    remainder = sum(int(d) * w for d, w in zip(stem, WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def normalise(value: str) -> str:
    """Ten digits, or :class:`NhsNumberError` saying what is wrong."""
    digits = _SEPARATORS.sub("", value or "")
    if not digits:
        raise NhsNumberError("Enter an NHS number")
    if not digits.isdigit() or not digits.isascii():
        raise NhsNumberError("NHS number must contain only numbers, spaces and dashes")
    if len(digits) != 10:
        raise NhsNumberError(f"NHS number must be 10 digits; this has {len(digits)}")
    expected = check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        raise NhsNumberError("This is not a valid NHS number: its check digit does not match")
    return digits


def is_valid(value: str) -> bool:
    try:
        normalise(value)
    except NhsNumberError:
        return False
    return True


def display(digits: str | None) -> str:
    """``9434765919`` → ``943 476 5919``."""
    if not digits:
        return ""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def is_test_number(digits: str) -> bool:
    return TEST_RANGE[0] <= digits <= TEST_RANGE[1]
