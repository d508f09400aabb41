"""Step Out tables: referrals from wards, the housing search, tenancy reviews and crisis use.

Every table is tenant-scoped and points at its parent with a composite (tenant-safe) key.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.plugins.api import TenantScoped, Timestamps, db, tenant_foreign_key


class StepOutReferral(TenantScoped, Timestamps, db.Model):
    """A referral from a ward: the housing situation, the search, the move-in and the tenancy."""

    __tablename__ = "step_out_referral"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        sa.Index("ix_step_out_referral_client", "tenant_id", "client_id"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    referred_on: Mapped[date] = mapped_column(sa.Date)
    ward: Mapped[str] = mapped_column(sa.String(120))
    referrer: Mapped[str] = mapped_column(sa.String(120))
    admission_date: Mapped[date | None] = mapped_column(sa.Date)
    clinically_ready_date: Mapped[date | None] = mapped_column(sa.Date)
    #: MHSDS accommodation type (nhs-data.md) and settled accommodation indicator.
    accommodation_type: Mapped[str | None] = mapped_column(sa.String(2))
    settled_indicator: Mapped[str | None] = mapped_column(sa.String(1))
    needs: Mapped[str | None] = mapped_column(sa.Text)
    risks: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default="referred")
    assessment_date: Mapped[date | None] = mapped_column(sa.Date)
    move_in_date: Mapped[date | None] = mapped_column(sa.Date)
    discharge_date: Mapped[date | None] = mapped_column(sa.Date)
    discharge_destination: Mapped[str | None] = mapped_column(sa.String(200))
    #: MHSDS v6 delay reason code and attribution (04 NHS, 05 social care, 06 both).
    delay_reason: Mapped[str | None] = mapped_column(sa.String(2))
    delay_attribution: Mapped[str | None] = mapped_column(sa.String(2))
    tenancy_end_date: Mapped[date | None] = mapped_column(sa.Date)
    tenancy_end_reason: Mapped[str | None] = mapped_column(sa.String(200))
    tenancy_end_planned: Mapped[bool | None] = mapped_column(sa.Boolean)

    @property
    def delayed_days(self) -> int | None:
        """Days between clinically ready for discharge and discharge (None until both known)."""
        from .services import delayed_days

        return delayed_days(self.clinically_ready_date, self.discharge_date)


class StepOutAction(TenantScoped, Timestamps, db.Model):
    """An application made for the client (council, housing association, landlord, supported)."""

    __tablename__ = "step_out_action"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "step_out_referral")
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    application_type: Mapped[str] = mapped_column(sa.String(40))
    provider: Mapped[str] = mapped_column(sa.String(200))
    action_date: Mapped[date] = mapped_column(sa.Date)
    outcome: Mapped[str | None] = mapped_column(sa.String(200))


class StepOutOffer(TenantScoped, Timestamps, db.Model):
    """A property offered: accepted, declined (with a reason) or still open."""

    __tablename__ = "step_out_offer"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "step_out_referral")
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    property_description: Mapped[str] = mapped_column(sa.String(200))
    provider: Mapped[str] = mapped_column(sa.String(200))
    tenure: Mapped[str] = mapped_column(sa.String(40))
    weekly_rent: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 2))
    offered_on: Mapped[date] = mapped_column(sa.Date)
    decision: Mapped[str] = mapped_column(sa.String(20), default="pending")
    decline_reason: Mapped[str | None] = mapped_column(sa.String(200))


class StepOutReview(TenantScoped, Timestamps, db.Model):
    """A tenancy sustainment review due 1, 3, 6 or 12 months after move-in."""

    __tablename__ = "step_out_review"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("referral_id", "step_out_referral"),
        sa.UniqueConstraint("tenant_id", "referral_id", "months"),
    )

    referral_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    months: Mapped[int] = mapped_column(sa.Integer)
    due_on: Mapped[date] = mapped_column(sa.Date)
    completed_on: Mapped[date | None] = mapped_column(sa.Date)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    #: Set by the daily reminder job once the review has fallen due.
    marked_due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class StepOutCrisisEvent(TenantScoped, Timestamps, db.Model):
    """A crisis-team contact or an inpatient admission, entered by hand or imported."""

    __tablename__ = "step_out_crisis_event"
    __table_args__ = TenantScoped.tenant_table_args(
        tenant_foreign_key("client_id", "client"),
        sa.Index("ix_step_out_crisis_event_client", "tenant_id", "client_id", "occurred_on"),
    )

    client_id: Mapped[uuid.UUID] = mapped_column(sa.Uuid)
    kind: Mapped[str] = mapped_column(sa.String(20))
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(10), default="manual")
    notes: Mapped[str | None] = mapped_column(sa.String(500))


MODELS = [StepOutReferral, StepOutAction, StepOutOffer, StepOutReview, StepOutCrisisEvent]
