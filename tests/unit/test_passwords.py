"""Local passwords: argon2id above the OWASP minimum, and the rules for new passwords."""

from __future__ import annotations

import re

import pytest

from core.accounts.passwords import (
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)

GOOD = "a long enough passphrase"


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(GOOD)


def test_hash_password_uses_argon2id_with_owasp_parameters(stored):
    match = re.match(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", stored)
    assert match, stored
    memory, time_cost, parallelism = (int(g) for g in match.groups())
    assert memory >= 19456
    assert time_cost >= 2
    assert parallelism == 1


def test_hash_password_salts_each_hash_when_password_repeats(stored):
    assert hash_password(GOOD) != stored
    assert GOOD not in stored


def test_verify_password_accepts_right_password_on_round_trip(stored):
    assert verify_password(stored, GOOD) is True
    assert needs_rehash(stored) is False


def test_verify_password_refuses_wrong_password(stored):
    assert verify_password(stored, GOOD + "!") is False
    assert verify_password(stored, "") is False


@pytest.mark.parametrize("stored_hash", [None, "", "not-a-hash", "$argon2id$v=19$garbage"])
def test_verify_password_refuses_when_stored_hash_is_missing_or_broken(stored_hash):
    assert verify_password(stored_hash, GOOD) is False


def test_needs_rehash_is_true_when_parameters_are_weaker():
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(GOOD)
    assert needs_rehash(weak) is True
    assert verify_password(weak, GOOD) is True


@pytest.mark.parametrize("password", ["", "short", "x" * (MIN_LENGTH - 1)])
def test_password_problem_refuses_password_when_too_short(password):
    assert "at least" in (password_problem(password) or "")


@pytest.mark.parametrize("password", ["password1234", "PASSWORD1234", "letmein12345"])
def test_password_problem_refuses_password_when_common(password):
    assert "too common" in (password_problem(password) or "")


def test_password_problem_accepts_long_uncommon_password():
    assert password_problem("x" * MIN_LENGTH) is None
    assert password_problem(GOOD) is None
