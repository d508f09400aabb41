"""Test data built through the real models and tenancy context (no shortcuts around RLS)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from core.accounts import tokens
from core.accounts.models import Membership, Organisation, User
from core.accounts.passwords import hash_password
from core.extensions import db
from core.tenancy.context import tenant_context
from core.tenancy.models import Tenant

PASSWORD = "correct horse battery staple"
# Hashing with production argon2 parameters is slow; every test person shares one hash.
_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = hash_password(PASSWORD)
    return _HASH["h"]


@dataclass
class TenantData:
    """Ids (never ORM objects) of one test tenant's rows, by type."""

    slug: str
    tenant_id: uuid.UUID
    ids: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)
    memberships: dict[str, uuid.UUID] = field(default_factory=dict)

    def auth(self, role: str = "admin") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def add(self, kind: str, value: uuid.UUID) -> None:
        self.ids.setdefault(kind, []).append(value)


@dataclass
class World:
    a: TenantData
    b: TenantData
    c: TenantData  # like A but without the test plugin

    def all_ids(self, tenant: TenantData) -> dict[str, list[uuid.UUID]]:
        return tenant.ids


def make_tenant(slug: str, plugins: dict[str, Any] | None = None, name: str | None = None):
    tenant = Tenant(slug=slug, name=name or slug.title(), plugins=plugins or {}, ods_code="RW1")
    db.session.add(tenant)
    db.session.commit()
    return tenant.id


def make_user(email: str, name: str = "Test Person") -> uuid.UUID:
    user = User(email=email, display_name=name, password_hash=password_hash())
    db.session.add(user)
    db.session.commit()
    return user.id


def make_membership(user_id: uuid.UUID, organisation_id: uuid.UUID, roles: list[str]):
    membership = Membership(user_id=user_id, organisation_id=organisation_id, roles=roles)
    db.session.add(membership)
    db.session.flush()
    return membership


PEOPLE = {
    "admin": (["tenant_admin", "canary_keeper"], "home"),
    "practitioner": (["practitioner"], "home"),
    "partner": (["partner_advisor"], "jcp"),
}


def build_tenant(slug: str, plugins: dict[str, Any]) -> TenantData:
    tenant_id = make_tenant(slug, plugins)
    data = TenantData(slug=slug, tenant_id=tenant_id)
    data.add("tenant", tenant_id)
    user_ids = {}
    for person in PEOPLE:
        email = f"{person}@{slug}.example"
        user_ids[person] = make_user(email, f"{person.title()} of {slug}")
        data.emails[person] = email
        data.add("user", user_ids[person])
    with tenant_context(tenant_id) as tenant:
        orgs = {
            "home": Organisation(key="home", name="Home Trust", kind="trust", ods_code="RW1"),
            "jcp": Organisation(key="jcp", name="Job Centre Plus", kind="job_centre_plus"),
        }
        db.session.add_all(orgs.values())
        db.session.flush()
        for org in orgs.values():
            data.add("organisation", org.id)
        for person, (roles, org_key) in PEOPLE.items():
            membership = make_membership(user_ids[person], orgs[org_key].id, roles)
            data.memberships[person] = membership.id
            data.add("membership", membership.id)
            token, secret = tokens.issue(membership, f"{person} token", 30)
            data.tokens[person] = secret
            data.add("api_token", token.id)
        if "canary" in tenant.enabled_plugins:
            from tests.plugins.canary.models import CanaryNote

            note = CanaryNote(
                text=f"note of {slug}", author_membership_id=data.memberships["admin"]
            )
            db.session.add(note)
            db.session.flush()
            data.add("canary_note", note.id)
        from core import audit

        event = audit.record("test.seed", object_type="tenant", object_id=tenant_id)
        db.session.flush()
        data.add("audit_event", event.id)
    return data


def build_world(app: Flask) -> World:
    with app.app_context():
        return World(
            a=build_tenant("tenant-a", {"canary": {"greeting": "hello"}}),
            b=build_tenant("tenant-b", {"canary": {"greeting": "hello"}}),
            c=build_tenant("tenant-c", {}),
        )
