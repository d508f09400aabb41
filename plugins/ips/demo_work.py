"""The work half of the IPS demo: employers, weekly employer contacts, job and other starts
(some second jobs, some ended), in-work support and employment retention cases."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from core.plugins.api import db

from .models import (
    IpsEmployer,
    IpsEmployerContact,
    IpsOutcome,
    IpsReferral,
    IpsRetentionCase,
    IpsSupportContact,
)

if TYPE_CHECKING:
    from .demo import DemoWorld

EMPLOYERS = (
    ("Harbour Cafe", "Hospitality"), ("Solent Coffee Company", "Hospitality"),
    ("Itchen Bridge Hotel", "Hospitality"), ("Ocean Village Bakery", "Food"),
    ("Bargate Books", "Retail"), ("Shirley Hardware", "Retail"), ("Portswood Pharmacy", "Retail"),
    ("Southsea Garden Centre", "Horticulture"), ("Hamble Boatyard", "Marine"),
    ("Test Valley Logistics", "Warehousing"), ("Eastleigh Parcel Hub", "Warehousing"),
    ("Red Funnel Catering", "Hospitality"), ("Winchester Cathedral Shop", "Retail"),
    ("Fareham Leisure Centre", "Leisure"), ("Havant Community Care", "Care"),
    ("Solent Cleaning Services", "Facilities"), ("City Car Valeting", "Motor"),
    ("Netley Nurseries", "Horticulture"), ("Chandlers Ford Library", "Public sector"),
    ("Hedge End Supermarket", "Retail"), ("Totton Print Works", "Manufacturing"),
    ("Romsey Veterinary Surgery", "Animal care"), ("Lymington Marina", "Marine"),
    ("Gosport Ferry Kiosk", "Hospitality"), ("Bitterne Builders Merchants", "Trade"),
    ("Woolston Bike Repairs", "Retail"), ("St Mary's Community Kitchen", "Voluntary"),
    ("Portsmouth Museum", "Public sector"), ("Whiteley Call Centre", "Office"),
    ("Botley Farm Shop", "Food"),
)  # fmt: skip
JOB_TITLES = (
    "Barista", "Kitchen porter", "Retail assistant", "Warehouse operative", "Cleaner",
    "Care assistant", "Gardener", "Administrator", "Delivery driver", "Receptionist",
    "Shelf stacker", "Customer service adviser", "Bike mechanic", "Dog walker",
)  # fmt: skip
COURSES = ("Level 2 English", "Food hygiene certificate", "Forklift licence", "IT skills course",
           "Access to Higher Education", "CSCS card course")  # fmt: skip
HOURS = (("01", 25), ("02", 40), ("03", 28), ("04", 7))
END_REASONS = (("resigned_new_job", 25), ("resigned", 20), ("contract_ended", 25),
               ("health", 15), ("dismissed", 5), ("other", 10))  # fmt: skip
#: Job-development contacts per specialist per week, besides those about a client.
JOB_DEVELOPMENT_PER_WEEK = 2


def load(world: DemoWorld) -> dict[str, int]:
    from .demo import pick

    rng = world.rng
    employers = [
        IpsEmployer(id=uuid.uuid4(), name=n, sector=s, town="Hampshire") for n, s in EMPLOYERS
    ]
    db.session.add_all(employers)
    db.session.flush()
    contacts = _job_development(world, employers)
    outcomes: list[IpsOutcome] = []
    retention: list[IpsRetentionCase] = []
    for referral in world.referrals:
        if referral.accepted_on is None:
            continue
        first = _first_client_contact(world, referral, employers)
        if first is not None:
            contacts.append(first)
        made = _starts(world, referral, employers, pick)
        outcomes += made
        if referral.employment_status == "01" and rng.random() < 0.8:
            retention.append(_retention_case(world, referral))
        _set_status(referral, made)
    db.session.add_all(contacts)
    db.session.add_all(outcomes)
    db.session.add_all(retention)
    db.session.flush()
    support = _in_work_support(world, outcomes)
    db.session.add_all(support)
    return {
        "employers": len(employers),
        "employer contacts": len(contacts),
        "starts": len(outcomes),
        "in-work support contacts": len(support),
        "retention cases": len(retention),
    }


def _job_development(world: DemoWorld, employers: list[IpsEmployer]) -> list[IpsEmployerContact]:
    """Each specialist's weekly visits to employers to learn their needs (no client)."""
    rng, rows = world.rng, []
    for specialist in world.specialists:
        for week in range(52):
            monday = world.today - timedelta(days=world.today.weekday() + 7 * week)
            for _ in range(JOB_DEVELOPMENT_PER_WEEK + rng.choice([0, 0, 1])):
                day = monday + timedelta(days=rng.randrange(5))
                if day > world.today:
                    continue
                rows.append(
                    IpsEmployerContact(
                        employer_id=rng.choice(employers).id,
                        specialist_id=specialist,
                        contacted_on=day,
                        contact_type=rng.choice(["face_to_face", "face_to_face", "phone"]),
                        purpose="job_development",
                    )
                )
    return rows


def _first_client_contact(
    world: DemoWorld, referral: IpsReferral, employers: list[IpsEmployer]
) -> IpsEmployerContact | None:
    """Rapid job search: most within 30 days of acceptance, some later, a few not yet."""
    rng = world.rng
    roll = rng.random()
    if roll < 0.08:
        return None
    wait = rng.randrange(3, 31) if roll < 0.78 else rng.randrange(31, 80)
    day = referral.accepted_on + timedelta(days=wait)
    if day > world.today or (referral.closed_on and day > referral.closed_on):
        return None
    return IpsEmployerContact(
        employer_id=rng.choice(employers).id,
        specialist_id=referral.specialist_id or rng.choice(world.specialists),
        contacted_on=day,
        contact_type="face_to_face",
        purpose="client_specific",
        client_id=referral.client_id,
    )


def _starts(world: DemoWorld, referral: IpsReferral, employers, pick) -> list[IpsOutcome]:
    """About a third find paid work (some a second job); fewer start education, voluntary work
    or work experience. Starts fall inside the episode and never after today."""
    rng = world.rng
    last = referral.closed_on or world.today
    made: list[IpsOutcome] = []

    def start(kind: str, title: str, after: int, **extra) -> IpsOutcome | None:
        day = referral.accepted_on + timedelta(days=after)
        if day > last or day > world.today:
            return None
        ended = None
        if rng.random() < 0.3:
            ended = day + timedelta(days=rng.randrange(14, 200))
            ended = None if ended > world.today else ended
        outcome = IpsOutcome(
            id=uuid.uuid4(),
            referral_id=referral.id,
            client_id=referral.client_id,
            kind=kind,
            title=title,
            started_on=day,
            ended_on=ended,
            end_reason=(
                ("course_completed" if kind != "paid_job" else pick(rng, END_REASONS))
                if ended
                else None
            ),
            specialist_id=referral.specialist_id if rng.random() > 0.04 else None,
            **extra,
        )
        made.append(outcome)
        return outcome

    if referral.employment_status != "01" and rng.random() < 0.55:
        employer = rng.choice(employers)
        self_employed = rng.random() < 0.05
        job = start(
            "paid_job",
            rng.choice(JOB_TITLES),
            rng.randrange(20, 120),
            employer_id=None if self_employed else employer.id,
            provider_name="Self-employed" if self_employed else None,
            self_employed=self_employed,
            hours_band=pick(rng, HOURS),
        )
        if job is not None and rng.random() < 0.15:
            start(
                "paid_job",
                rng.choice(JOB_TITLES),
                (job.started_on - referral.accepted_on).days + rng.randrange(30, 150),
                employer_id=rng.choice(employers).id,
                hours_band=pick(rng, HOURS),
            )
    if rng.random() < 0.09:
        start(
            "education", rng.choice(COURSES), rng.randrange(20, 200), provider_name="City College"
        )
    if rng.random() < 0.07:
        start(
            "voluntary",
            rng.choice(["Charity shop volunteer", "Community garden", "Food bank helper"]),
            rng.randrange(15, 150),
            provider_name=rng.choice(["Itchen Mind", "Southampton Food Bank", "Oxfam"]),
        )
    if rng.random() < 0.02:
        start("work_experience", "Work trial", rng.randrange(15, 90), employer_id=employers[0].id)
    return made


def _set_status(referral: IpsReferral, made: list[IpsOutcome]) -> None:
    """An open episode is in work while a paid job goes on (or the person kept their job)."""
    if referral.closed_on:
        return
    working = any(o.kind == "paid_job" and o.ended_on is None for o in made)
    referral.status = "in_work" if working or referral.employment_status == "01" else "job_search"


def _retention_case(world: DemoWorld, referral: IpsReferral) -> IpsRetentionCase:
    """Employed at referral but at risk: retained or not when the work is done."""
    rng = world.rng
    opened = referral.accepted_on
    closed = result = None
    old_enough = opened + timedelta(days=30) <= world.today
    if old_enough and (referral.closed_on or rng.random() < 0.65):
        closed = world.day_between(opened + timedelta(days=30), opened + timedelta(days=150))
        if referral.closed_on:
            closed = min(closed, referral.closed_on)
        result = "retained" if rng.random() < 0.75 else "not_retained"
    return IpsRetentionCase(
        referral_id=referral.id,
        client_id=referral.client_id,
        opened_on=opened,
        employer_name=rng.choice(EMPLOYERS)[0],
        risk=rng.choice(["Sickness absence", "Conflict with a manager", "Shift pattern changes"]),
        closed_on=closed,
        result=result,
    )


def _in_work_support(world: DemoWorld, outcomes: list[IpsOutcome]) -> list[IpsSupportContact]:
    """Follow-along support after each paid job start: a few contacts, some with the employer."""
    rng, rows = world.rng, []
    for job in outcomes:
        if job.kind != "paid_job":
            continue
        for n in range(rng.randrange(1, 5)):
            day = job.started_on + timedelta(days=7 + 14 * n)
            if day > world.today or (job.ended_on and day > job.ended_on):
                break
            rows.append(
                IpsSupportContact(
                    referral_id=job.referral_id,
                    outcome_id=job.id,
                    specialist_id=job.specialist_id,
                    contacted_on=day,
                    contact_type=rng.choice(["phone", "face_to_face", "text"]),
                    with_employer=rng.random() < 0.25,
                )
            )
    return rows
