"""Caseloads: who each employment specialist is supporting, against the tenant's cap.

Active clients are open episodes that have been accepted — accepted, job search and in work all
count (in-work support is time-unlimited and is caseload work). Referrals still waiting for
acceptance are the team's, shown separately until a specialist takes them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import Client, db, member_names

from .common import caseload_cap, specialists
from .models import IpsReferral, IpsVocationalProfile
from .referral_services import today, visible_referrals

ACTIVE_STATUSES = ("accepted", "job_search", "in_work")


@dataclass(frozen=True)
class Caseload:
    """One specialist's active caseload size against the cap."""

    specialist_id: uuid.UUID
    name: str
    active: int
    cap: int

    @property
    def over_cap(self) -> bool:
        return self.active > self.cap


def caseloads() -> list[Caseload]:
    """Every specialist of the team (even with no clients), with their active count."""
    counts = dict(
        db.session.execute(
            sa.select(IpsReferral.specialist_id, sa.func.count())
            .where(IpsReferral.status.in_(ACTIVE_STATUSES), IpsReferral.specialist_id.is_not(None))
            .group_by(IpsReferral.specialist_id)
        ).all()
    )
    cap = caseload_cap()
    people = {m.id: m.user.display_name for m in specialists()}
    # A leaver (membership no longer active) still shows while clients are on their caseload.
    people.update({k: v for k, v in member_names(set(counts)).items() if k not in people})
    found = [Caseload(i, name, counts.get(i, 0), cap) for i, name in people.items()]
    return sorted(found, key=lambda c: (-c.active, c.name))


def caseload_of(specialist_id: uuid.UUID) -> list[IpsReferral]:
    """A specialist's active episodes, longest-supported first."""
    return list(
        db.session.execute(
            visible_referrals()
            .where(
                IpsReferral.specialist_id == specialist_id,
                IpsReferral.status.in_(ACTIVE_STATUSES),
            )
            .order_by(IpsReferral.accepted_on, IpsReferral.referred_on)
        ).scalars()
    )


def waiting() -> list[IpsReferral]:
    """Referrals not yet accepted, oldest first: the team sees them all, assigned or not."""
    return list(
        db.session.execute(
            visible_referrals()
            .where(IpsReferral.status == "referred")
            .order_by(IpsReferral.referred_on, IpsReferral.created_at)
        ).scalars()
    )


def profiles_due(specialist_id: uuid.UUID | None = None) -> list[tuple[IpsReferral, date]]:
    """Open episodes whose vocational profile review date has passed, most overdue first."""
    query = (
        visible_referrals()
        .add_columns(IpsVocationalProfile.review_on)
        .join(
            IpsVocationalProfile,
            sa.and_(
                IpsVocationalProfile.tenant_id == IpsReferral.tenant_id,
                IpsVocationalProfile.referral_id == IpsReferral.id,
            ),
        )
        .where(IpsReferral.status != "closed", IpsVocationalProfile.review_on < today())
        .order_by(IpsVocationalProfile.review_on)
    )
    if specialist_id is not None:
        query = query.where(IpsReferral.specialist_id == specialist_id)
    return [(referral, review_on) for referral, review_on in db.session.execute(query).all()]


def client_names(referrals: list[Any]) -> dict[uuid.UUID, str]:
    """Names of just the clients on this page (the referrals are already visible ones)."""
    ids = {r.client_id for r in referrals}
    if not ids:
        return {}
    rows = db.session.execute(sa.select(Client).where(Client.id.in_(ids))).scalars()
    return {c.id: f"{c.given_name} {c.family_name}" for c in rows}
