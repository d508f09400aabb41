"""Demo people for demo tenants: a practitioner at the trust and an advisor at each partner;
in tenants running IPS also an IPS team leader and employment specialists at the trust, and the
Job Centre Plus work coach gets the IPS advisor role.

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

#: Tenants with the IPS plugin on: (local part, display name, roles) of the trust's IPS team.
DEMO_IPS_TEAM = (
    ("ips-lead", "Imogen Ince", ["ips_team_leader"]),
    ("es-moore", "Ellis Moore", ["employment_specialist"]),
    ("es-iqbal", "Sana Iqbal", ["employment_specialist"]),
    ("es-rees", "Tom Rees", ["employment_specialist"]),
    ("es-obi", "Grace Obi", ["employment_specialist"]),
)
#: Extra roles the core demo people get where a plugin is on: plugin → (organisation kind,
#: partner) → roles. Demo data only: real tenants give roles through the admin pages or SSO.
DEMO_PLUGIN_ROLES: dict[str, dict[tuple[str, bool], list[str]]] = {
    "ips": {("job_centre_plus", True): ["jcp_advisor"]},
    "step_out": {
        ("housing_provider", False): ["housing_worker"],
        ("housing_provider", True): ["housing_provider_partner"],
    },
}
#: The lead role of each plugin, which the demo gives every tenant administrator of a demo
#: tenant running it (so the one demo sign-in can see every service).
DEMO_LEAD_ROLES = {"ips": "ips_team_leader", "step_out": "housing_team_leader"}


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


def ensure_demo_people(tenant: Tenant) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[str, bool]] = set()
    ips = "ips" in tenant.enabled_plugins
    orgs = list(
        db.session.execute(
            sa.select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.key)
        ).scalars()
    )
    hashes: dict[str, str] = {}
    for org in orgs:
        key = (org.kind, org.partner)
        if key not in DEMO_PEOPLE or key in seen:
            continue
        seen.add(key)
        local, name = DEMO_PEOPLE[key]
        roles = ["partner_advisor"] if org.partner else ["practitioner"]
        for plugin, extra in DEMO_PLUGIN_ROLES.items():
            if plugin in tenant.enabled_plugins:
                roles += extra.get(key, [])
        lines += _ensure_person(tenant, org, local, name, roles, hashes)
    trust = next((o for o in orgs if o.kind == "trust" and not o.partner), None)
    if ips and trust is not None:
        for local, name, roles in DEMO_IPS_TEAM:
            lines += _ensure_person(tenant, trust, local, name, roles, hashes)
    lines += _lead_roles_for_admins(tenant)
    db.session.flush()
    return lines


def _lead_roles_for_admins(tenant: Tenant) -> list[str]:
    leads = [role for plugin, role in DEMO_LEAD_ROLES.items() if plugin in tenant.enabled_plugins]
    lines = []
    for member in db.session.execute(sa.select(Membership)).scalars():
        if "tenant_admin" in (member.roles or []):
            missing = [role for role in leads if role not in member.roles]
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
