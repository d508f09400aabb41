"""Synthetic Step Out demo data (``flask demo load``): four people of the 999 NHS-number range,
three housed (with crisis use before and after) and one still waiting on the ward."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from core.plugins.api import DemoStaff, db

from .models import StepOutCrisisEvent, StepOutReferral
from .services import derive_status, referrals_of, schedule_reviews

DEMO_PEOPLE = (
    # NHS numbers from the never-issued 999 range (valid modulus 11).
    ("9990000964", "Alex", "Harbour", 300, True),
    ("9990001006", "Bea", "Quay", 240, True),
    ("9990001073", "Cal", "Jetty", 120, True),
    ("9990001111", "Dee", "Slipway", None, False),
)


#: The housing team's roles in a demo tenant: the trust-side housing worker, the housing
#: association's officer (a partner: only shared clients), and the lead role for the demo admin.
DEMO_STAFF = (
    DemoStaff(roles=("housing_worker",), organisation_kind="housing_provider", partner=False),
    DemoStaff(
        roles=("housing_provider_partner",), organisation_kind="housing_provider", partner=True
    ),
    DemoStaff(roles=("housing_team_leader",), administrators=True),
)


def load_demo_data() -> list[str]:
    """Synthetic referrals, move-ins and crisis events; running it twice adds nothing."""
    from core.plugins.api import Client as ClientModel

    lines = []
    today = date.today()
    for nhs, given, family, moved_days_ago, housed in DEMO_PEOPLE:
        client = db.session.execute(
            sa.select(ClientModel).where(ClientModel.nhs_number == nhs)
        ).scalar_one_or_none()
        if client is None:
            client = ClientModel(
                nhs_number=nhs, given_name=given, family_name=family, date_of_birth=date(1980, 1, 1)
            )
            db.session.add(client)
            db.session.flush()
        if referrals_of(client.id):
            continue
        move_in = today - timedelta(days=moved_days_ago) if housed and moved_days_ago else None
        ready = (move_in or today) - timedelta(days=20)
        referral = StepOutReferral(
            client_id=client.id,
            referred_on=ready - timedelta(days=30),
            ward="Willow ward",
            referrer="Ward manager",
            admission_date=ready - timedelta(days=40),
            clinically_ready_date=ready,
            accommodation_type="14",
            settled_indicator="N",
            needs="Ground-floor flat near family.",
            status="referred",
            assessment_date=ready - timedelta(days=29),
            move_in_date=move_in,
            discharge_date=move_in,
            discharge_destination="Own tenancy" if move_in else None,
            delay_reason="15" if move_in else None,
            delay_attribution="05" if move_in else None,
        )
        derive_status(referral)
        db.session.add(referral)
        db.session.flush()
        schedule_reviews(referral)
        if move_in:
            for offset, kind in (
                (-100, "crisis_contact"),
                (-60, "crisis_contact"),
                (-25, "admission"),
                (40, "crisis_contact"),
            ):
                db.session.add(
                    StepOutCrisisEvent(
                        client_id=client.id,
                        kind=kind,
                        occurred_on=move_in + timedelta(days=offset),
                        source="manual",
                    )
                )
        db.session.flush()
        lines.append(f"step_out: referral for {given} {family}")
    return lines or ["step_out: demo data already loaded"]
