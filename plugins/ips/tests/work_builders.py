"""Builders for the IPS work-slice tests: rows through the real models inside one tenant."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import sqlalchemy as sa
from flask import Flask, g

from core.accounts.models import Membership
from core.audit.models import AuditEvent
from core.extensions import db
from core.tenancy.context import tenant_context
from plugins.ips.models import IpsEmployer, IpsReferral
from tests.factories import TenantData

TODAY = date.today()
API = "/api/v1/{slug}/ips"


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def api(tenant: TenantData) -> str:
    return API.format(slug=tenant.slug)


@contextmanager
def as_member(app: Flask, tenant: TenantData, who: str = "practitioner") -> Iterator[None]:
    """Inside ``tenant`` as one of its people, as a request would be (services read ``g``)."""
    with app.test_request_context(), tenant_context(tenant.tenant_id):
        g.membership = db.session.get(Membership, tenant.memberships[who])
        yield


def episode(
    app: Flask,
    tenant: TenantData,
    *,
    accepted: date | None = None,
    status: str = "accepted",
    client_index: int = 1,
    closed: date | None = None,
) -> uuid.UUID:
    """An IPS episode of the tenant's second client (the world's first one is in work)."""
    accepted = accepted or days_ago(60)
    with app.app_context(), tenant_context(tenant.tenant_id):
        row = IpsReferral(
            client_id=tenant.ids["client"][client_index],
            source="mental_health_team",
            referred_on=accepted - timedelta(days=2),
            accepted_on=accepted if status != "referred" else None,
            status=status,
            closed_on=closed,
            close_reason="client_chose_to_stop" if closed else None,
            specialist_id=tenant.memberships["practitioner"],
        )
        db.session.add(row)
        db.session.flush()
        return row.id


def employer(app: Flask, tenant: TenantData, name: str = "Greenway Garden Centre") -> uuid.UUID:
    with app.app_context(), tenant_context(tenant.tenant_id):
        row = IpsEmployer(name=name, sector="Retail")
        db.session.add(row)
        db.session.flush()
        return row.id


def referral_status(app: Flask, tenant: TenantData, referral_id: uuid.UUID) -> str:
    with app.app_context(), tenant_context(tenant.tenant_id):
        return db.session.get(IpsReferral, referral_id).status


def count(app: Flask, tenant: TenantData, model: type) -> int:
    with app.app_context(), tenant_context(tenant.tenant_id):
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def audit_actions(app: Flask, tenant: TenantData, object_id: object) -> list[str]:
    with app.app_context(), tenant_context(tenant.tenant_id):
        return list(
            db.session.execute(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_id == str(object_id))
                .order_by(AuditEvent.at)
            ).scalars()
        )


def pointers(response) -> set[str]:
    return {error["pointer"] for error in response.json["errors"]}
