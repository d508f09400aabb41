"""Subject access requests and their clock (UK GDPR Art. 12(3) and 15; ICO guidance).

A person may ask for everything held about them. The answer is due one calendar month after
the request was received, counted the ICO's way:

* from the day the request is received (working day or not) to the **corresponding calendar
  date** of the next month (received 3 September → due 3 October);
* where the next month has no such date, the **last day** of that month (31 January → 28 or
  29 February);
* where the date falls on a weekend or a bank holiday, the **next working day** (bank holidays
  of ``BANK_HOLIDAY_REGION``: England by default);
* if the request is complex, or one of several from the person, the time may be **extended by
  two further months** (three from receipt, same rules), but only if the person is told within
  the first month: an extension can be recorded only until the first due date.

If the trust needed proof of identity or a clarification first, the clock starts when that
arrived: record that day as the day received. The export itself is ``GET …/clients/<id>/export``.
"""

from __future__ import annotations

import calendar
import functools
import uuid
from datetime import date, timedelta
from typing import Any

import holidays
import sqlalchemy as sa
from flask import current_app, g

from core import audit
from core.clients.models import Client, SubjectAccessRequest
from core.errors import Conflict, InvalidInput
from core.extensions import db

#: Calendar months from receipt: the time limit, and the limit once extended.
MONTHS, EXTENDED_MONTHS = 1, 3


def add_months(day: date, months: int) -> date:
    """The corresponding date ``months`` later, or the last day of that month if it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@functools.cache
def _bank_holidays(region: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv=region, years=year))


def is_working_day(day: date, region: str = "ENG") -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(region, day.year)


def next_working_day(day: date, region: str = "ENG") -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, region):
        day += timedelta(days=1)
    return day


def due_date(received_on: date, months: int = MONTHS, region: str = "ENG") -> date:
    """When the answer to a request received on ``received_on`` is due."""
    return next_working_day(add_months(received_on, months), region)


def _region() -> str:
    return current_app.config.get("BANK_HOLIDAY_REGION", "ENG")


def current_due(request: SubjectAccessRequest) -> date:
    return request.extended_due_on or request.due_on


def extended_due(request: SubjectAccessRequest) -> date:
    """When the answer would be due if the request were extended."""
    return due_date(request.received_on, EXTENDED_MONTHS, _region())


def status_of(request: SubjectAccessRequest, today: date | None = None) -> str:
    """``answered``, ``overdue`` or ``open``."""
    if request.completed_on is not None:
        return "answered"
    return "overdue" if (today or date.today()) > current_due(request) else "open"


def record(client: Client, *, received_on: date, details: str | None = None) -> Any:
    """Record a request received on ``received_on``; its due date is fixed now."""
    if received_on > date.today():
        raise InvalidInput({"received_on": "The date received must be today or in the past"})
    request = SubjectAccessRequest(
        client_id=client.id,
        received_on=received_on,
        details=details,
        due_on=due_date(received_on, MONTHS, _region()),
        recorded_by_membership_id=g.membership.id,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "client.subject_access_request",
        object_type="client",
        object_id=client.id,
        details={"request_id": str(request.id), "received_on": received_on.isoformat()},
    )
    return request


def extend(request: SubjectAccessRequest, *, reason: str, today: date | None = None) -> Any:
    """Extend by two months. Only while the first month runs (the person must be told within
    it), once, and not after the answer was sent."""
    today = today or date.today()
    if request.completed_on is not None:
        raise Conflict("This request has been answered; it cannot be extended.")
    if request.extended_due_on is not None:
        raise Conflict("This request has already been extended; it can be extended only once.")
    if today > request.due_on:
        raise Conflict(
            f"The time to extend ended on {request.due_on:%-d %B %Y}: the person must be told "
            "of an extension within the first month."
        )
    request.extended_due_on = extended_due(request)
    request.extension_reason = reason
    request.extended_by_membership_id = g.membership.id
    audit.record(
        "client.subject_access_request.extend",
        object_type="client",
        object_id=request.client_id,
        details={"request_id": str(request.id), "due_on": request.extended_due_on.isoformat()},
    )
    return request


def complete(request: SubjectAccessRequest, *, completed_on: date | None = None) -> Any:
    """Record the day the answer was sent."""
    completed_on = completed_on or date.today()
    if request.completed_on is not None:
        raise Conflict(f"This request was answered on {request.completed_on:%-d %B %Y}.")
    if completed_on > date.today():
        raise InvalidInput({"completed_on": "The date answered must be today or in the past"})
    if completed_on < request.received_on:
        raise InvalidInput(
            {"completed_on": "The date answered must be on or after the date received"}
        )
    request.completed_on = completed_on
    request.completed_by_membership_id = g.membership.id
    audit.record(
        "client.subject_access_request.answer",
        object_type="client",
        object_id=request.client_id,
        details={"request_id": str(request.id), "completed_on": completed_on.isoformat()},
    )
    return request


def requests_of(client: Client) -> list[SubjectAccessRequest]:
    """The client's requests, newest first."""
    return list(
        db.session.execute(
            sa.select(SubjectAccessRequest)
            .where(SubjectAccessRequest.client_id == client.id)
            .order_by(SubjectAccessRequest.received_on.desc(), SubjectAccessRequest.created_at)
        ).scalars()
    )


def find(request_id: uuid.UUID | None) -> SubjectAccessRequest | None:
    """A request of a client the viewer may see, or None."""
    from core.clients.access import visible_clients_clause

    if request_id is None:
        return None
    return db.session.execute(
        sa.select(SubjectAccessRequest)
        .join(Client, Client.id == SubjectAccessRequest.client_id)
        .where(SubjectAccessRequest.id == request_id, visible_clients_clause())
    ).scalar_one_or_none()


def listing(status: str | None = None, today: date | None = None) -> sa.Select:
    """The tenant's requests the viewer may see, soonest due first; ``status`` filters by
    ``open`` (not answered, overdue included), ``overdue`` or ``answered``."""
    from core.clients.access import visible_clients_clause

    today = today or date.today()
    due = sa.func.coalesce(SubjectAccessRequest.extended_due_on, SubjectAccessRequest.due_on)
    stmt = (
        sa.select(SubjectAccessRequest)
        .join(Client, Client.id == SubjectAccessRequest.client_id)
        .where(visible_clients_clause())
        .order_by(due, SubjectAccessRequest.received_on, SubjectAccessRequest.id)
    )
    if status in ("open", "overdue"):
        stmt = stmt.where(SubjectAccessRequest.completed_on.is_(None))
    if status == "overdue":
        stmt = stmt.where(due < today)
    if status == "answered":
        stmt = stmt.where(SubjectAccessRequest.completed_on.is_not(None))
    return stmt
