"""A tenant that runs only Step Out (like the harbour-housing demo tenant), for tests.

The factories' tenants A and B run several plugins; this one proves Step Out works alone and
that nothing of another plugin shows. Its people: a housing worker and a team leader of the
housing association, and a partner housing provider's officer who sees only the client shared
with their organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Flask

from core.accounts import tokens
from core.accounts.models import Organisation
from core.clients.models import Client, Consent, Share
from core.extensions import db
from core.tenancy.context import tenant_context
from tests.factories import make_membership, make_tenant, make_user

SLUG = "harbour"
PEOPLE = {
    "worker": (["housing_worker"], "home"),
    "leader": (["housing_team_leader", "tenant_admin"], "home"),
    "provider": (["housing_provider_partner"], "provider"),
}


@dataclass
class HousingTenant:
    slug: str
    tenant_id: object
    emails: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)  # "Sam Tide" -> id

    def auth(self, who: str = "worker") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def build_housing_tenant(app: Flask) -> HousingTenant:
    """The tenant, its three people, and two clients (only "Sam Tide" shared with the provider)."""
    with app.app_context():
        tenant_id = make_tenant(SLUG, {"step_out": {}}, name="Harbour Housing (test)")
        built = HousingTenant(SLUG, tenant_id)
        users = {}
        for who in PEOPLE:
            built.emails[who] = f"{who}@{SLUG}.example"
            users[who] = make_user(built.emails[who], f"{who.title()} of Harbour")
        with tenant_context(tenant_id):
            orgs = {
                "home": Organisation(
                    key="harbour", name="Harbour Housing", kind="housing_provider", partner=False
                ),
                "provider": Organisation(
                    key="quay", name="Quay Homes", kind="housing_provider", partner=True
                ),
            }
            db.session.add_all(orgs.values())
            db.session.flush()
            members = {}
            for who, (roles, org) in PEOPLE.items():
                members[who] = make_membership(users[who], orgs[org].id, roles)
                _token, built.tokens[who] = tokens.issue(members[who], f"{who} token", 1)
            for given, family, nhs in (
                ("Sam", "Tide", "9990000018"),
                ("Jo", "Shore", "9990000050"),
            ):
                client = Client(
                    given_name=given,
                    family_name=family,
                    nhs_number=nhs,
                    date_of_birth=date(1985, 6, 1),
                )
                db.session.add(client)
                db.session.flush()
                built.clients[f"{given} {family}"] = str(client.id)
            sam = built.clients["Sam Tide"]
            consent = Consent(
                client_id=sam, purpose="housing_referral", given_on=date(2026, 1, 5),
                method="verbal", recorded_by_membership_id=members["worker"].id,
            )  # fmt: skip
            db.session.add(consent)
            db.session.flush()
            db.session.add(
                Share(
                    client_id=sam, organisation_id=orgs["provider"].id, consent_id=consent.id,
                    purpose="housing_referral", created_by_membership_id=members["worker"].id,
                )
            )  # fmt: skip
            db.session.commit()
    return built
