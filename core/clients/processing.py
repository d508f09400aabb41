"""Restriction of processing (UK GDPR Art. 18) for reports and background jobs.

Once a client's processing is restricted (``Client.restricted_at`` set) their data is only
stored: no report counts them and no job acts on them, whoever runs it — the information
governance role included, because the restriction is of the processing, not of who reads. The
rule is applied when the report or job runs, so figures for a past period can fall when a client
is restricted later, and rise again when the restriction is lifted. Reads of one record are a
different rule (``core.clients.access.visible_clients_clause``).

Plugins use these through ``core.plugins.api``; a report or job that reads client data applies
one of the two clauses to every query.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from core.clients.models import Client
from core.extensions import db

#: Counts of restricted clients below this are not shown: "fewer than 8", never 1 or 2, which
#: with a figure that moved between two runs would come close to saying who was restricted
#: (the 1–7 suppression of NHS England's disclosure control for published statistics).
SUPPRESS_BELOW = 8
#: Counts from ``SUPPRESS_BELOW`` up are rounded to the nearest 5, so one more restriction
#: rarely shows as a change (the same disclosure control).
ROUND_TO = 5


def processable_clients_clause() -> sa.ColumnElement[bool]:
    """True for ``Client`` rows whose data may be processed (not restricted): a WHERE clause
    for queries that select from ``Client`` itself."""
    return Client.restricted_at.is_(None)


def may_process_client(client_id: Any) -> sa.ColumnElement[bool]:
    """True for rows whose client may be processed: ``client_id`` (a column of the row, such as
    ``IpsOutcome.client_id``) names no restricted client. A row with no client at all (NULL)
    passes, so activity that is about no one (an employer contact in general) still counts.

    A correlated NOT EXISTS rather than NOT IN: NOT IN with a NULL ``client_id`` is NULL, which
    would silently drop the row. An alias of ``client``, so a query that already joins
    ``Client`` (need-to-know) does not swallow the subquery's FROM by auto-correlation."""
    other = aliased(Client)
    restricted = sa.select(other.id).where(other.id == client_id, other.restricted_at.is_not(None))
    return ~sa.exists(restricted)


def restricted_count() -> int:
    """How many of the current tenant's clients are restricted now (exact; for internal use)."""
    return db.session.execute(
        sa.select(sa.func.count(Client.id)).where(Client.restricted_at.is_not(None))
    ).scalar_one()


def shown_count(count: int) -> str:
    """A count of restricted clients as it may be shown: "fewer than 8", or about the nearest 5."""
    if count < SUPPRESS_BELOW:
        return f"fewer than {SUPPRESS_BELOW}"
    return f"about {ROUND_TO * round(count / ROUND_TO)}"


def restricted_note() -> str:
    """The note every report carries: restricted clients are left out, and roughly how many
    there are (never who, never which figure they would have been in)."""
    return (
        "Clients whose processing is restricted (UK GDPR Art. 18) are left out of every figure "
        "from the day of the restriction, for past periods too, so a figure can fall when the "
        "report is run again. Restricted clients in this organisation's records now: "
        f"{shown_count(restricted_count())} (fewer than {SUPPRESS_BELOW} is not shown "
        f"exactly, and larger numbers are rounded to the nearest {ROUND_TO})."
    )
