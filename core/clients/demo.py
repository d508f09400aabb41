"""Synthetic demo clients: NHS numbers from the never-issued 999 range, invented names.

Deterministic per tenant (seeded by its slug), and idempotent: a tenant that already has demo
clients (local ids ``DEMO-…``) is left alone.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from core.accounts.models import Membership, Organisation
from core.clients.codelists import ETHNIC_CATEGORY, PURPOSE_ORGANISATION_KIND
from core.clients.models import Client, Consent, Contact, Note, Share, SubjectAccessRequest
from core.clients.nhs_number import check_digit
from core.extensions import db
from core.tenancy.models import Tenant

GIVEN = [
    "Alex",
    "Sam",
    "Jordan",
    "Priya",
    "Tomasz",
    "Aisha",
    "Callum",
    "Mei",
    "Olu",
    "Hannah",
    "Rhys",
    "Zara",
    "Declan",
    "Fatima",
    "Ben",
    "Chloe",
    "Kwame",
    "Lucy",
    "Imran",
    "Niamh",
]
FAMILY = [
    "Taylor",
    "Okafor",
    "Nowak",
    "Shah",
    "Murphy",
    "Evans",
    "Chen",
    "Ahmed",
    "Brown",
    "Kowalski",
    "Patel",
    "Williams",
    "O'Neill",
    "Hughes",
    "Mensah",
    "Clarke",
    "Begum",
    "Wright",
    "Davies",
    "Fraser",
]
TOWNS = [
    ("Southampton", "SO16 7AB"),
    ("Portsmouth", "PO1 2DX"),
    ("Winchester", "SO23 8UJ"),
    ("Brighton", "BN1 1AA"),
    ("Eastleigh", "SO50 9YN"),
]
STREETS = ["High", "Station", "Park", "Church", "Mill"]
NOTES = [
    "Talked about what kind of work would suit.",
    "Reviewed the support plan together.",
    "Discussed housing options after discharge.",
    "Agreed next steps and a date to meet.",
]


def demo_nhs_numbers(rng: random.Random, count: int) -> list[str]:
    """Valid NHS numbers from the 999 test range (never issued to a real person)."""
    found: set[str] = set()
    while len(found) < count:
        stem = f"999{rng.randrange(0, 1_000_000):06d}"
        check = check_digit(stem)
        if check is not None:
            found.add(stem + str(check))
    return sorted(found)


def load(tenant: Tenant, count: int = 60) -> list[str]:
    """Load ``count`` demo clients into the current tenant with consent, shares and timeline."""
    exists = db.session.execute(
        sa.select(Client.id).where(Client.local_id.like("DEMO-%")).limit(1)
    ).first()
    if exists:
        return ["demo clients already loaded"]
    orgs = list(db.session.execute(sa.select(Organisation)).scalars())
    staff = [
        m
        for m in db.session.execute(sa.select(Membership)).scalars()
        if not m.organisation.is_partner
    ]
    home = next((o for o in orgs if not o.is_partner), orgs[0] if orgs else None)
    if home is None:
        return ["no organisations: run `flask tenants sync` first"]
    rng = random.Random(tenant.slug)  # noqa: S311 - demo data, not security
    numbers = demo_nhs_numbers(rng, count)
    today = date.today()
    shares = contacts = 0
    for index, number in enumerate(numbers):
        town, postcode = rng.choice(TOWNS)
        client = Client(
            nhs_number=number,
            local_id=f"DEMO-{index + 1:04d}",
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=today - timedelta(days=rng.randrange(18 * 365, 70 * 365)),
            gender_identity=rng.choice(["1", "2", "3", "Z"]),
            ethnic_category=rng.choice(list(ETHNIC_CATEGORY.codes)),
            address_line_1=f"{rng.randrange(1, 200)} {rng.choice(STREETS)} Road",
            town=town,
            postcode=postcode,
            key_worker_membership_id=rng.choice(staff).id if staff else None,
        )
        db.session.add(client)
        db.session.flush()
        for purpose, kind in PURPOSE_ORGANISATION_KIND.items():
            partner = next((o for o in orgs if o.kind == kind and o.active), None)
            if partner is None or rng.random() > 0.35:
                continue
            consent = Consent(
                client_id=client.id,
                purpose=purpose,
                method="verbal",
                given_on=today - timedelta(days=rng.randrange(1, 300)),
            )
            db.session.add(consent)
            db.session.flush()
            db.session.add(
                Share(
                    client_id=client.id,
                    organisation_id=partner.id,
                    consent_id=consent.id,
                    purpose=purpose,
                )
            )
            shares += 1
        for _ in range(rng.randrange(1, 5)):
            author = rng.choice(staff) if staff else None
            if author is None:
                break
            ago = timedelta(days=rng.randrange(1, 365), hours=rng.randrange(24))
            when = datetime.now(UTC) - ago
            db.session.add(
                Contact(
                    client_id=client.id,
                    occurred_at=when,
                    method=rng.choice(["face_to_face", "phone", "video", "text"]),
                    duration_minutes=rng.choice([15, 30, 45, 60]),
                    staff_membership_id=author.id,
                    organisation_id=author.organisation_id,
                    summary=rng.choice(NOTES),
                )
            )
            db.session.add(
                Note(
                    client_id=client.id,
                    author_membership_id=author.id,
                    organisation_id=author.organisation_id,
                    text=rng.choice(NOTES),
                    written_at=when,
                )
            )
            contacts += 1
    db.session.flush()
    requests = _demo_access_requests(staff)
    return [
        f"{count} demo clients, {shares} shares, {contacts} contacts with notes, "
        f"{requests} subject access requests"
    ]


def _demo_access_requests(staff: list[Membership]) -> int:
    """Three subject access requests (one answered, one due soon, one overdue), so the
    information governance pages have something to show."""
    from core.clients.access_requests import due_date

    if not staff:
        return 0
    clients = list(
        db.session.execute(
            sa.select(Client)
            .where(Client.local_id.like("DEMO-%"))
            .order_by(Client.local_id)
            .limit(3)
        ).scalars()
    )
    today = date.today()
    for client, days_ago, answered in zip(
        clients, (50, 20, 40), (True, False, False), strict=False
    ):
        received = today - timedelta(days=days_ago)
        db.session.add(
            SubjectAccessRequest(
                client_id=client.id,
                received_on=received,
                details="By letter from the person",
                due_on=due_date(received),
                recorded_by_membership_id=staff[0].id,
                completed_on=received + timedelta(days=21) if answered else None,
                completed_by_membership_id=staff[0].id if answered else None,
            )
        )
    db.session.flush()
    return len(clients)
