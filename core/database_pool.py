"""Pooled connections that survive a database restart without a round trip on every request.

SQLAlchemy's ``pool_pre_ping`` asks the server "are you there?" each time a request takes a
connection from the pool: one more round trip on every request, about a tenth of what a whole
client read costs here. A connection the pool handed out a moment ago cannot have been dropped
by a restart the application did not notice (a failed statement invalidates the whole pool), so
the check is only worth making after the connection has sat idle for a while. This module makes
it then: a connection idle for ``DATABASE_PING_AFTER_IDLE_SECONDS`` or more is pinged when it is
checked out, and a dead one is replaced before the request sees it (fault F5 in SECURITY.md:
PostgreSQL restarted during an idle period, the next request succeeds).
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

_CHECKED_IN = "stepping_stones_checked_in"


def ping_idle_connections(engine: sa.Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout when it has been idle for ``idle_seconds`` or more.

    Raising :class:`~sqlalchemy.exc.DisconnectionError` from the checkout event makes the pool
    discard the connection and hand out a fresh one (SQLAlchemy's documented recipe for
    pessimistic disconnect handling).
    """

    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_CHECKED_IN, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # new, or back in the pool only a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise sa.exc.DisconnectionError(str(error)) from error

    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _checked_out)
