"""IPS work figures the fidelity scale asks about: employer contacts per specialist per week
(item 17, about 6 a week) and rapid job search (item 15, first employer contact about the client
within 30 days of acceptance).

The per-specialist figures leave out clients whose processing is restricted (UK GDPR Art. 18):
a contact about such a client, or their episode, is in no count while the restriction lasts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa

from core.plugins.api import db, may_process_client

from .models import IpsEmployerContact, IpsReferral, IpsRetentionCase

#: IPS practice: about six employer contacts a week per specialist.
WEEKLY_TARGET = 6
#: Rapid job search: the first employer contact about the client within 30 days of acceptance.
RAPID_DAYS = 30


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass
class SpecialistWeeks:
    """One specialist's employer contacts in each of the weeks shown, oldest first."""

    specialist_id: uuid.UUID
    name: str
    counts: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def average(self) -> float:
        return self.total / len(self.counts) if self.counts else 0.0

    @property
    def below_target(self) -> bool:
        return self.average < WEEKLY_TARGET


def weekly_contacts(
    names: dict[uuid.UUID, str], *, weeks: int = 8, today: date | None = None
) -> tuple[list[date], list[SpecialistWeeks]]:
    """Employer contacts per specialist for the last ``weeks`` weeks (Monday to Sunday; the
    current week is the last and may be partial). Every specialist in ``names`` gets a row,
    with zeros where they logged nothing; others who logged contacts are added too.

    Counted in SQL per specialist and day, then bucketed into Monday-started weeks here:
    truncating dates to weeks in SQL is PostgreSQL-only and ``make run`` uses SQLite."""
    today = today or date.today()
    mondays = [week_start(today) - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    day = IpsEmployerContact.contacted_on
    rows = db.session.execute(
        sa.select(IpsEmployerContact.specialist_id, day, sa.func.count())
        .where(day >= mondays[0], day <= today, may_process_client(IpsEmployerContact.client_id))
        .group_by(IpsEmployerContact.specialist_id, day)
    ).all()
    counts: dict[uuid.UUID, dict[date, int]] = {}
    for specialist_id, contacted_on, count in rows:
        per_week = counts.setdefault(specialist_id, {})
        monday = week_start(contacted_on)
        per_week[monday] = per_week.get(monday, 0) + count
    people = dict(names)
    for specialist_id in counts:
        people.setdefault(specialist_id, "Former specialist")
    result = [
        SpecialistWeeks(pid, name, [counts.get(pid, {}).get(m, 0) for m in mondays])
        for pid, name in sorted(people.items(), key=lambda item: item[1].lower())
    ]
    return mondays, result


@dataclass(frozen=True)
class RapidSearch:
    """Days from an episode's acceptance to the first employer contact about the client."""

    referral_id: uuid.UUID
    accepted_on: date
    first_contact_on: date | None
    days: int | None
    #: Over 30 days, or no contact yet and more than 30 days since acceptance.
    late: bool


def rapid_job_search(referral: IpsReferral, today: date | None = None) -> RapidSearch | None:
    """Rapid job search of one episode (None until it is accepted).

    Counts contacts about a job for the client (purpose ``client_specific``) on or after
    acceptance and, for a closed episode, on or before its closure."""
    if referral.accepted_on is None:
        return None
    today = today or date.today()
    stmt = sa.select(sa.func.min(IpsEmployerContact.contacted_on)).where(
        IpsEmployerContact.client_id == referral.client_id,
        IpsEmployerContact.purpose == "client_specific",
        IpsEmployerContact.contacted_on >= referral.accepted_on,
    )
    if referral.closed_on:
        stmt = stmt.where(IpsEmployerContact.contacted_on <= referral.closed_on)
    first = db.session.execute(stmt).scalar_one()
    if first is not None:
        days = (first - referral.accepted_on).days
        return RapidSearch(referral.id, referral.accepted_on, first, days, days > RAPID_DAYS)
    waited = ((referral.closed_on or today) - referral.accepted_on).days
    return RapidSearch(referral.id, referral.accepted_on, None, None, waited > RAPID_DAYS)


#: IPS practice: retention cases at most about 15% of a specialist's caseload.
RETENTION_SHARE = 0.15


@dataclass(frozen=True)
class RetentionLoad:
    """Open retention cases against the active caseload of one specialist."""

    specialist_id: uuid.UUID
    open_cases: int
    caseload: int

    @property
    def share(self) -> float:
        return self.open_cases / self.caseload if self.caseload else 0.0

    @property
    def too_high(self) -> bool:
        return self.share > RETENTION_SHARE


def retention_load(specialist_id: uuid.UUID) -> RetentionLoad:
    """The specialist's active clients (accepted, open episodes) and their open retention cases,
    counted in SQL."""
    active = sa.select(IpsReferral.id).where(
        IpsReferral.specialist_id == specialist_id,
        may_process_client(IpsReferral.client_id),
        IpsReferral.accepted_on.is_not(None),
        IpsReferral.status != "closed",
    )
    caseload = db.session.execute(
        sa.select(sa.func.count(sa.distinct(IpsReferral.client_id))).where(
            IpsReferral.id.in_(active)
        )
    ).scalar_one()
    cases = db.session.execute(
        sa.select(sa.func.count()).where(
            IpsRetentionCase.referral_id.in_(active), IpsRetentionCase.closed_on.is_(None)
        )
    ).scalar_one()
    return RetentionLoad(specialist_id, cases, caseload)
