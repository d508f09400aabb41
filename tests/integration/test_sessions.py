"""Session lifetime (SECURITY S2): 15 minutes idle, 10 hours absolute.

``core.web.sessions`` reads the time through its own ``time`` name; the tests replace that with a
clock they move by hand, so nothing else in the process (cookie signing, the database) sees the
jump. Each test signs in at the fake clock's start, moves it and asks for a tenant page: 200
means still signed in, a redirect to the sign-in page means the session was ended.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest

from core.web import sessions
from tests.factories import PASSWORD

START = 1_800_000_000.0
MINUTE = 60
HOUR = 60 * MINUTE


class Clock:
    """Stands in for the ``time`` module inside ``core.web.sessions``."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(START)
    monkeypatch.setattr(sessions, "time", SimpleNamespace(time=fake.time))
    return fake


@pytest.fixture
def signed_in(client, world, clock):
    response = client.post(
        "/sign-in", data={"email": world.a.emails["admin"], "password": PASSWORD}
    )
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["signed_in_at"] == START  # the fake clock really is the one used
    return client


def is_signed_in(client, world) -> bool:
    response = client.get(f"/{world.a.slug}/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/sign-in"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    return False


def test_session_is_kept_after_fourteen_minutes_fifty_nine_idle(signed_in, world, clock):
    clock.now = START + 14 * MINUTE + 59
    assert is_signed_in(signed_in, world)


def test_session_ends_after_fifteen_minutes_one_second_idle(signed_in, world, clock):
    clock.now = START + 15 * MINUTE + 1
    assert not is_signed_in(signed_in, world)


def test_session_idle_limit_counts_from_the_last_request_not_sign_in(signed_in, world, clock):
    clock.now = START + 10 * MINUTE
    assert is_signed_in(signed_in, world)
    clock.now = START + 24 * MINUTE  # 24 min after sign-in, 14 min idle
    assert is_signed_in(signed_in, world)


def active_until(client, world, clock: Clock, end: float) -> None:
    """A request every 14 minutes, so the idle limit never ends the session."""
    while clock.now + 14 * MINUTE < end:
        clock.now += 14 * MINUTE
        assert is_signed_in(client, world), clock.now - START


def test_session_is_kept_after_nine_hours_fifty_nine_of_activity(signed_in, world, clock):
    active_until(signed_in, world, clock, START + 9 * HOUR + 59 * MINUTE)
    clock.now = START + 9 * HOUR + 59 * MINUTE
    assert is_signed_in(signed_in, world)


def test_session_ends_ten_hours_one_minute_after_sign_in_despite_activity(signed_in, world, clock):
    active_until(signed_in, world, clock, START + 10 * HOUR + 1 * MINUTE)
    clock.now = START + 10 * HOUR + 1 * MINUTE
    assert not is_signed_in(signed_in, world)
