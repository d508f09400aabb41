"""``safe_next``: where sign-in may send a person afterwards (open-redirect defence, A5)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.web.safety import safe_next

OPEN_REDIRECTS = [
    "//evil.example",
    "//evil.example/tenant-a/",
    "/\\evil.example",
    "\\\\evil.example",
    "/%09/evil.example",
    "https:evil.example",
    "https://evil.example/",
    "http://evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "%2F%2Fevil",
    "/\t/evil",
    "/\n/evil",
    "/\r\n/evil",
    " //evil.example",
    "///evil.example",
    "evil.example",
    "data:text/html,hi",
    "/tenant-a/?next=//evil",
    "/tenant-a/@evil.example",
    "/" + "a" * 600,
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
def test_safe_next_refuses_target_when_it_could_leave_the_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", [None, ""])
def test_safe_next_returns_none_when_target_is_empty(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/tenant-a/", "/", "/tenant-a/clients/abc-123", "/a.b_c~d"])
def test_safe_next_keeps_target_when_it_is_a_plain_path(target):
    assert safe_next(target) == target


URLISH = st.text(alphabet=st.sampled_from(list("/\\:.%@?#~-_ \t\nabcehjlpstvx0129AZ")), max_size=30)


@given(st.one_of(st.text(max_size=60), URLISH, URLISH.map(lambda s: "/" + s)))
def test_safe_next_accepts_only_single_slash_paths_without_netloc_for_any_input(target):
    accepted = safe_next(target)
    if accepted is None:
        return
    assert accepted == target
    assert accepted.startswith("/")
    assert not accepted.startswith("//")
    assert "\\" not in accepted
    parts = urlsplit(accepted)
    assert parts.scheme == ""
    assert parts.netloc == ""
