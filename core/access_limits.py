"""Limits on bulk exports and searches, per person and per address (SECURITY.md A7).

Why: a stolen session or token, or a curious insider, harvests records through exports and
searches far faster than any care task needs, and the audit trail only tells us afterwards. The
limits are generous for real work (an employment specialist searches a few dozen times an hour)
and stop scripted harvesting early.

The counts live in Redis (``RATE_LIMIT_STORAGE_URL``, by default ``REDIS_URL``) so every worker
process shares them; without Redis (``make run``) they are kept in memory, per process. When the
store does not answer, the two kinds fail differently, on purpose:

* **exports fail closed** (503, retry later): an unlimited bulk export is exactly the risk the
  limit exists for, and an export can wait a minute;
* **searches fail open** with a low per-process cap: finding a client is frontline work that
  must go on while Redis is restarted.

The counting itself is the ``limits`` library's moving window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from flask import Flask, current_app, request
from flask_login import current_user
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from core.audit.service import record_now

Kind = Literal["export", "search"]

_LIMIT_SETTINGS = (
    "RATE_LIMIT_EXPORT",
    "RATE_LIMIT_EXPORT_PER_ADDRESS",
    "RATE_LIMIT_SEARCH",
    "RATE_LIMIT_SEARCH_PER_ADDRESS",
    "RATE_LIMIT_SEARCH_FALLBACK",
    "RATE_LIMIT_SSO_REFUSALS_PER_ADDRESS",
)


@dataclass
class _Limiters:
    shared: MovingWindowRateLimiter
    local: MovingWindowRateLimiter  # this process only: no Redis, or Redis not answering
    has_shared_store: bool


def init_app(app: Flask) -> None:
    for key in _LIMIT_SETTINGS:
        parse(app.config[key])  # a typo in a limit stops start-up, not the first export
    url = app.config["RATE_LIMIT_STORAGE_URL"] or app.config.get("REDIS_URL")
    local = MovingWindowRateLimiter(MemoryStorage())
    shared = local
    if url:
        store = RedisStorage(
            url,
            key_prefix=app.config["RATE_LIMIT_KEY_PREFIX"],
            wrap_exceptions=True,
            socket_connect_timeout=1,
            socket_timeout=1,
        )
        shared = MovingWindowRateLimiter(store)
    app.extensions["stepping_stones.limits"] = _Limiters(shared, local, bool(url))


def _limit(name: str) -> RateLimitItem:
    return parse(current_app.config[name])


def _who() -> str:
    return str(current_user.id) if current_user.is_authenticated else "anonymous"


def _refuse(kind: Kind, limiter: MovingWindowRateLimiter, item: RateLimitItem, key: str) -> None:
    reset = limiter.get_window_stats(item, kind, key).reset_time
    record_now(f"{kind}.limited", outcome="refused", details={"limit": str(item)})
    noun = "searches" if kind == "search" else "exports"
    answer = TooManyRequests(
        f"You have reached the limit of {item} for {noun}. This protects people's records from "
        "being copied in bulk. Try again later, or ask your system administrator if your work "
        "needs more."
    )
    answer.retry_after = max(1, int(reset - time.time()) + 1)
    raise answer


def check(kind: Kind) -> None:
    """Count one export or search for the person and the address; 429 over a limit.

    Call it before any work is done for the request (and before its audit event), so a refused
    request costs nothing and leaves only the refusal in the audit trail.
    """
    limiters: _Limiters = current_app.extensions["stepping_stones.limits"]
    person, address = _who(), request.remote_addr or "unknown"
    upper = kind.upper()
    checks = (
        (_limit(f"RATE_LIMIT_{upper}"), f"person:{person}"),
        (_limit(f"RATE_LIMIT_{upper}_PER_ADDRESS"), f"address:{address}"),
    )
    try:
        for item, key in checks:
            if not limiters.shared.hit(item, kind, key):
                _refuse(kind, limiters.shared, item, key)
    except StorageError as error:
        current_app.logger.warning("the limit store is not answering: %s", error)
        if kind == "export":
            answer = ServiceUnavailable(
                "Exports are paused for a moment: the service cannot check its export limits. "
                "Nothing was exported. Please try again in a few minutes."
            )
            answer.retry_after = 60
            raise answer from None
        fallback = _limit("RATE_LIMIT_SEARCH_FALLBACK")
        if not limiters.local.hit(fallback, kind, f"person:{person}"):
            _refuse(kind, limiters.local, fallback, f"person:{person}")


#: The SSO callback: refusals counted per source address (a forged or replayed callback, a
#: state that does not match). Successful sign-ins are never counted.
SSO_REFUSALS = "RATE_LIMIT_SSO_REFUSALS_PER_ADDRESS"


def check_sso_callback() -> None:
    """429 once an address has had too many refused SSO callbacks in the window; 503 when the
    store does not answer (sign-in fails closed, like exports)."""
    limiters: _Limiters = current_app.extensions["stepping_stones.limits"]
    item, key = _limit(SSO_REFUSALS), f"address:{request.remote_addr or 'unknown'}"
    try:
        allowed = limiters.shared.test(item, "sso", key)
    except StorageError as error:
        current_app.logger.warning("the limit store is not answering: %s", error)
        answer = ServiceUnavailable(
            "Sign-in is paused for a moment: the service cannot check its sign-in limits. "
            "Please try again in a few minutes."
        )
        answer.retry_after = 60
        raise answer from None
    if not allowed:
        reset = limiters.shared.get_window_stats(item, "sso", key).reset_time
        record_now("sso.sign_in.limited", outcome="refused", details={"limit": str(item)})
        answer = TooManyRequests(
            "Too many sign-ins from this network were refused. Wait a few minutes, then try "
            "again; if it keeps happening, contact your IT service desk."
        )
        answer.retry_after = max(1, int(reset - time.time()) + 1)
        raise answer


def count_sso_refusal() -> None:
    """Count one refused SSO callback against the address (best effort: the refusal stands)."""
    limiters: _Limiters = current_app.extensions["stepping_stones.limits"]
    try:
        limiters.shared.hit(_limit(SSO_REFUSALS), "sso", f"address:{request.remote_addr}")
    except StorageError as error:
        current_app.logger.warning("the limit store is not answering: %s", error)
