"""The vocational profile and plan of an episode, and the benefits advice given in it.

Neither is ever shown to Job Centre Plus (see ``partner_view``). Services flush; the request
boundary commits; every write adds an audit event.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.plugins.api import db

from .common import IpsInvalid
from .models import IpsBenefitsAdvice, IpsReferral, IpsVocationalProfile
from .referral_services import audited, today

PROFILE_FIELDS = (
    "work_history",
    "goals",
    "preferences",
    "strengths",
    "barriers",
    "wellness_plan",
    "disclosure_plan",
    "review_on",
)


def profile_of(referral: IpsReferral) -> IpsVocationalProfile | None:
    return db.session.execute(
        sa.select(IpsVocationalProfile).where(IpsVocationalProfile.referral_id == referral.id)
    ).scalar_one_or_none()


def save_profile(referral: IpsReferral, data: dict[str, Any]) -> IpsVocationalProfile:
    """Write the vocational profile and plan (one per episode; created on first save)."""
    profile = profile_of(referral)
    created = profile is None
    if profile is None:
        profile = IpsVocationalProfile(referral_id=referral.id)
        db.session.add(profile)
    changed = []
    for name in PROFILE_FIELDS:
        if name in data:
            value = data[name] if data[name] != "" else None
            if getattr(profile, name) != value:
                setattr(profile, name, value)
                changed.append(name)
    db.session.flush()
    action = "profile.create" if created else "profile.update"
    audited(action, profile, client_id=str(referral.client_id), fields=changed)
    return profile


def advice_of(referral: IpsReferral) -> list[IpsBenefitsAdvice]:
    return list(
        db.session.execute(
            sa.select(IpsBenefitsAdvice)
            .where(IpsBenefitsAdvice.referral_id == referral.id)
            .order_by(IpsBenefitsAdvice.given_on.desc())
        ).scalars()
    )


def add_advice(referral: IpsReferral, data: dict[str, Any]) -> IpsBenefitsAdvice:
    """Record benefits advice with the better-off calculation's result."""
    errors: dict[str, str] = {}
    given = data.get("given_on")
    if given is not None and given > today():
        errors["given_on"] = "The date cannot be in the future."
    if errors:
        raise IpsInvalid(errors)
    advice = IpsBenefitsAdvice(
        referral_id=referral.id,
        given_on=given,
        given_by=data["given_by"],
        better_off_weekly=data.get("better_off_weekly"),
        hours_per_week=data.get("hours_per_week"),
        notes=data.get("notes") or None,
    )
    db.session.add(advice)
    db.session.flush()
    audited("benefits_advice.create", advice, client_id=str(referral.client_id))
    return advice
