"""Synthetic IPS demo data for a trust running IPS: about a thousand referrals over the last 12
months, four employment specialists with caseloads around the cap (one above it), employers and
weekly employer contacts, job and other starts, in-work support, retention cases, joint meetings
with the Job Centre Plus offices, fidelity reviews showing a rising trend, and surveys.

Invented people only: NHS numbers from the never-issued 999 range (the 9997… block), names from
short lists. Deterministic per tenant (seeded by its slug) and idempotent: a tenant that already
has IPS demo clients (local ids ``IPS-…``) is left alone. Rows are built in memory and written
table by table with ``add_all`` so ``make run`` stays quick.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from core.plugins.api import Client, db

from . import demo_team, demo_work
from .models import IpsReferral, IpsVocationalProfile

REFERRALS = 1000
#: Open accepted episodes per specialist today, around the cap of 20 (the last one above it).
CASELOADS = (18, 20, 19, 24)
#: Open referrals not yet accepted (waiting for a first meeting).
WAITING = 12
#: Clients who come back for a second episode.
RETURNING = 60

GIVEN = (
    "Alex", "Sam", "Jordan", "Priya", "Tomasz", "Aisha", "Callum", "Mei", "Olu", "Hannah",
    "Rhys", "Zara", "Declan", "Fatima", "Ben", "Chloe", "Kwame", "Lucy", "Imran", "Niamh",
    "Ravi", "Ella", "Jamal", "Sofia", "Owen", "Amara", "Kieran", "Leah", "Marek", "Ruby",
)  # fmt: skip
FAMILY = (
    "Taylor", "Okafor", "Nowak", "Shah", "Murphy", "Evans", "Chen", "Ahmed", "Brown",
    "Kowalski", "Patel", "Williams", "O'Neill", "Hughes", "Mensah", "Clarke", "Begum",
    "Wright", "Davies", "Fraser", "Lewis", "Hussain", "Walsh", "Bailey", "Kaur", "Price",
)  # fmt: skip
SOURCES = (("mental_health_team", 70), ("job_centre_plus", 12), ("gp", 8), ("self", 7),
           ("other", 3))  # fmt: skip
#: MHSDS employment status at referral; a few employed people at risk of losing their job.
STATUSES = (("02", 38), ("04", 30), ("03", 5), ("05", 5), ("06", 4), ("07", 2), ("01", 6),
            ("ZZ", 3), (None, 4))  # fmt: skip
CLOSE_REASONS = (("client_chose_to_stop", 25), ("sustained_no_support_needed", 30),
                 ("no_longer_wants_work", 12), ("lost_contact", 14), ("moved_away", 6),
                 ("transferred", 8), ("other", 5))  # fmt: skip


def pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


@dataclass
class DemoWorld:
    """What the generators share: the tenant's day, randomness, staff and the rows made."""

    rng: random.Random
    today: date
    specialists: list[uuid.UUID]
    lead: uuid.UUID | None
    jcp_offices: list[uuid.UUID]
    referrals: list[IpsReferral] = field(default_factory=list)
    clients: dict[uuid.UUID, Client] = field(default_factory=dict)

    def day_between(self, first: date, last: date) -> date:
        """A day from ``first`` to ``last``, never after today."""
        first, last = min(first, self.today), min(last, self.today)
        if last <= first:
            return first
        return first + timedelta(days=self.rng.randrange((last - first).days + 1))


def load_demo_data(tenant: Any) -> list[str]:
    """Load the IPS demo into the current tenant (nothing if it is there already)."""
    began = time.monotonic()
    if db.session.execute(
        sa.select(Client.id).where(Client.local_id.like("IPS-%")).limit(1)
    ).first():
        return ["ips: demo data already loaded"]
    lines: list[str] = []
    staff = demo_team.ips_staff()
    if not staff["specialists"]:
        return [*lines, "ips: no employment specialists in this tenant; demo data skipped"]
    world = DemoWorld(
        rng=random.Random(f"ips:{tenant.slug}"),  # noqa: S311 - demo data, not security
        today=date.today(),
        specialists=staff["specialists"][: len(CASELOADS)],
        lead=staff["lead"],
        jcp_offices=demo_team.jcp_offices(),
    )
    _clients_and_referrals(world)
    counts = demo_work.load(world)
    counts.update(demo_team.load(world))
    db.session.flush()
    seconds = time.monotonic() - began
    summary = ", ".join(f"{n} {what}" for what, n in counts.items())
    return [
        *lines,
        f"ips: {len(world.referrals)} referrals of {len(world.clients)} clients, {summary} "
        f"({seconds:.1f} s)",
    ]


# --------------------------------------------------------------------- clients and referrals


def _nhs_numbers(count: int) -> list[str]:
    """Valid numbers from the 9997… test block not already used in this tenant."""
    taken = set(
        db.session.execute(
            sa.select(Client.nhs_number).where(Client.nhs_number.like("9997%"))
        ).scalars()
    )
    found: list[str] = []
    stem = 999700000
    while len(found) < count:
        stem += 1
        digits = str(stem)
        total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
        check = (11 - total % 11) % 11
        if check != 10 and digits + str(check) not in taken:
            found.append(digits + str(check))
    return found


def _clients_and_referrals(world: DemoWorld) -> None:
    rng, today = world.rng, world.today
    people = REFERRALS - RETURNING
    for index, number in enumerate(_nhs_numbers(people)):
        client = Client(
            id=uuid.uuid4(),
            nhs_number=number,
            local_id=f"IPS-{index + 1:04d}",
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=today - timedelta(days=rng.randrange(18 * 365, 64 * 365)),
            gender_identity=rng.choice(["1", "2", "2", "1", "3", "Z"]),
            town=rng.choice(["Southampton", "Portsmouth", "Winchester", "Eastleigh", "Fareham"]),
        )
        world.clients[client.id] = client
    db.session.add_all(world.clients.values())
    db.session.flush()
    people_ids = list(world.clients)
    # Each first episode is referred at some point in the year, oldest first.
    days = sorted(rng.randrange(0, 365) for _ in people_ids)
    for client_id, ago in zip(people_ids, reversed(days), strict=True):
        world.referrals.append(_referral(world, client_id, today - timedelta(days=ago)))
    _returners(world)
    _settle_fates(world)
    db.session.add_all(world.referrals)
    db.session.flush()
    db.session.add_all(_profiles(world))


def _referral(world: DemoWorld, client_id: uuid.UUID, referred: date) -> IpsReferral:
    rng = world.rng
    accepted = None
    if rng.random() < 0.93:
        accepted = referred + timedelta(days=rng.randrange(0, 15))
        accepted = None if accepted > world.today else accepted
    return IpsReferral(
        id=uuid.uuid4(),
        client_id=client_id,
        source=pick(rng, SOURCES),
        referrer=rng.choice(["Care coordinator", "Psychiatrist", "Work coach", "GP", None]),
        referred_on=referred,
        accepted_on=accepted,
        status="accepted" if accepted else "referred",
        specialist_id=rng.choice(world.specialists) if accepted else None,
        employment_status=pick(rng, STATUSES),
    )


def _returners(world: DemoWorld) -> None:
    """Some people come back: a new episode pointing at the last one, after it closed."""
    rng = world.rng
    early = [r for r in world.referrals if r.referred_on < world.today - timedelta(days=200)]
    for first in rng.sample(early, min(RETURNING, len(early))):
        back = first.referred_on + timedelta(days=rng.randrange(120, 190))
        first.closed_on = back - timedelta(days=rng.randrange(10, 60))
        first.status, first.close_reason = "closed", pick(world.rng, CLOSE_REASONS)
        again = _referral(world, first.client_id, back)
        again.previous_referral_id = first.id
        world.referrals.append(again)


def _settle_fates(world: DemoWorld) -> None:
    """Who is still open today: the most recently accepted per specialist, up to CASELOADS, and
    the newest WAITING unaccepted referrals. Everyone else has closed on some later day."""
    rng = world.rng
    open_ids: set[uuid.UUID] = set()
    for specialist, size in zip(world.specialists, CASELOADS, strict=False):
        theirs = [r for r in world.referrals if r.specialist_id == specialist and not r.closed_on]
        theirs.sort(key=lambda r: r.accepted_on or r.referred_on, reverse=True)
        open_ids.update(r.id for r in theirs[:size])
    waiting = sorted(
        (r for r in world.referrals if r.accepted_on is None and not r.closed_on),
        key=lambda r: r.referred_on,
        reverse=True,
    )
    open_ids.update(r.id for r in waiting[:WAITING])
    for referral in world.referrals:
        if referral.id in open_ids or referral.closed_on:
            continue
        start = referral.accepted_on or referral.referred_on
        referral.closed_on = world.day_between(
            start + timedelta(days=20), start + timedelta(days=240)
        )
        referral.status = "closed"
        referral.close_reason = (
            pick(rng, CLOSE_REASONS) if referral.accepted_on else "client_chose_to_stop"
        )


def _profiles(world: DemoWorld) -> list[IpsVocationalProfile]:
    """A vocational profile for every open, accepted episode."""
    rng = world.rng
    goals = ["Work in a cafe", "Retail work near home", "Warehouse or driving work",
             "Back to office administration", "Gardening or outdoor work", "Care work",
             "A college course in IT", "Self-employed as a decorator"]  # fmt: skip
    return [
        IpsVocationalProfile(
            referral_id=r.id,
            goals=rng.choice(goals),
            preferences=rng.choice(["Part-time mornings", "Full-time", "16 hours a week"]),
            strengths=rng.choice(["Reliable, good with people", "Practical, careful", "Organised"]),
            barriers=rng.choice(["Anxiety on busy transport", "Gaps in work history", "Low mood"]),
            review_on=world.today + timedelta(days=rng.randrange(7, 90)),
        )
        for r in world.referrals
        if r.accepted_on and not r.closed_on
    ]
