"""Demo people for demo tenants: a practitioner at the trust and an advisor at each partner.

They sign in with the demo passphrase (``DEMO_PASSWORD``, default below), which only ever
guards synthetic data. Idempotent.
"""

from __future__ import annotations

import os

import sqlalchemy as sa

from core.accounts.models import Membership, Organisation, User
from core.accounts.passwords import hash_password
from core.extensions import db
from core.tenancy.models import Tenant

DEFAULT_DEMO_PASSWORD = "stepping stones demo"  # noqa: S105 - guards synthetic demo data only

#: (organisation kind, is partner) → (local part of the email, display name)
DEMO_PEOPLE = {
    ("trust", False): ("practitioner", "Priya Practitioner"),
    ("trust", True): ("ward-liaison", "Wendy Ward Liaison"),
    ("job_centre_plus", True): ("work-coach", "Jamie Work Coach"),
    ("housing_provider", True): ("housing-officer", "Hana Housing Officer"),
    ("housing_provider", False): ("housing-worker", "Harry Housing Worker"),
    ("recovery_college", True): ("tutor", "Rob Recovery Tutor"),
}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def ensure_demo_people(tenant: Tenant) -> list[str]:
    lines: list[str] = []
    password_hash: str | None = None
    seen: set[tuple[str, bool]] = set()
    orgs = db.session.execute(
        sa.select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.key)
    ).scalars()
    for org in orgs:
        key = (org.kind, org.partner)
        if key not in DEMO_PEOPLE or key in seen:
            continue
        seen.add(key)
        local, name = DEMO_PEOPLE[key]
        roles = ["partner_advisor"] if org.partner else ["practitioner"]
        email = f"{local}@{tenant.slug}.demo.example"
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
        if user is None:
            password_hash = password_hash or hash_password(demo_password())
            user = User(email=email, display_name=name, password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
        member = db.session.execute(
            sa.select(Membership).where(Membership.user_id == user.id)
        ).scalar_one_or_none()
        if member is None:
            db.session.add(Membership(user_id=user.id, organisation_id=org.id, roles=roles))
            lines.append(f"demo person {email} ({', '.join(roles)}, {org.name})")
    db.session.flush()
    return lines
