"""Demo people for demo tenants: a practitioner at the trust and an advisor at each partner,
plus whatever the tenant's plugins ask for through ``register_demo_staff`` (an IPS team, the
Job Centre Plus work coach's IPS role, a housing worker's role…).

They sign in with the demo passphrase (``DEMO_PASSWORD``, default below), which only ever
guards synthetic data. Idempotent.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import sqlalchemy as sa

from core.accounts.models import Membership, Organisation, User
from core.accounts.passwords import hash_password
from core.extensions import db
from core.tenancy.models import Tenant

if TYPE_CHECKING:
    from core.plugins.api import DemoStaff

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


def core_staff(home: Organisation | None) -> list[DemoStaff]:
    """Core's own demo roles beyond one person per kind of organisation: the information
    governance lead (restriction and erasure decisions) at the tenant's own organisation, whom
    no other role stands in for."""
    from core.plugins.api import DemoStaff

    if home is None:
        return []
    return [
        DemoStaff(
            roles=("information_governance",),
            organisation_kind=home.kind,
            person=("ig-lead", "Isla Governance"),
        )
    ]


def plugin_staff(tenant: Tenant) -> list[DemoStaff]:
    """What the tenant's plugins ask for (only plugins it has switched on are asked)."""
    from core.plugins.manager import tenant_hooks

    return [
        staff
        for batch in tenant_hooks(tenant).register_demo_staff(tenant=tenant)
        for staff in batch
    ]


def ensure_demo_people(tenant: Tenant) -> list[str]:
    lines: list[str] = []
    orgs = list(
        db.session.execute(
            sa.select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.key)
        ).scalars()
    )
    home = next((org for org in orgs if not org.partner), None)
    staff = core_staff(home) + plugin_staff(tenant)
    first_of_kind: dict[tuple[str, bool], Organisation] = {}
    for org in orgs:
        first_of_kind.setdefault((org.kind, org.partner), org)
    hashes: dict[str, str] = {}
    for key, org in first_of_kind.items():
        if key not in DEMO_PEOPLE:
            continue
        local, name = DEMO_PEOPLE[key]
        roles = ["partner_advisor"] if org.partner else ["practitioner"]
        for extra in staff:
            adds_to_core_person = extra.person is None and not extra.administrators
            if adds_to_core_person and (extra.organisation_kind, extra.partner) == key:
                roles += [role for role in extra.roles if role not in roles]
        lines += _ensure_person(tenant, org, local, name, roles, hashes)
    for extra in staff:
        org = first_of_kind.get((extra.organisation_kind, extra.partner))
        if extra.person is not None and org is not None:
            local, name = extra.person
            lines += _ensure_person(tenant, org, local, name, list(extra.roles), hashes)
    lines += _roles_for_admins([r for extra in staff if extra.administrators for r in extra.roles])
    db.session.flush()
    return lines


def _roles_for_admins(roles: list[str]) -> list[str]:
    lines = []
    if not roles:
        return lines
    for member in db.session.execute(sa.select(Membership)).scalars():
        if "tenant_admin" in (member.roles or []):
            missing = [role for role in dict.fromkeys(roles) if role not in member.roles]
            if missing:
                member.roles = [*member.roles, *missing]
                lines.append(
                    f"demo administrator {member.user.email} now also {', '.join(missing)}"
                )
    return lines


def _ensure_person(
    tenant: Tenant,
    org: Organisation,
    local: str,
    name: str,
    roles: list[str],
    hashes: dict[str, str],
) -> list[str]:
    """One demo person with a membership holding at least ``roles`` (added if missing)."""
    email = f"{local}@{tenant.slug}.demo.example"
    user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        if "h" not in hashes:
            hashes["h"] = hash_password(demo_password())
        user = User(email=email, display_name=name, password_hash=hashes["h"])
        db.session.add(user)
        db.session.flush()
    member = db.session.execute(
        sa.select(Membership).where(Membership.user_id == user.id)
    ).scalar_one_or_none()
    if member is None:
        db.session.add(Membership(user_id=user.id, organisation_id=org.id, roles=roles))
        return [f"demo person {email} ({', '.join(roles)}, {org.name})"]
    missing = [role for role in roles if role not in (member.roles or [])]
    if missing:
        member.roles = [*(member.roles or []), *missing]
        return [f"demo person {email} now also {', '.join(missing)}"]
    return []
