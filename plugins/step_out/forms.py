"""Small WTForms for the Step Out pages (dates as the NHS day/month/year date input)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.plugins.api import EventDateRange
from core.plugins.api import NhsDateField as DateField

from .date_rules import label
from .schemas import (
    ACCOMMODATION_TYPES,
    APPLICATION_TYPES,
    CRISIS_KINDS,
    DELAY_ATTRIBUTIONS,
    DELAY_REASONS,
    SETTLED_INDICATORS,
)


def _in_range(name: str) -> EventDateRange:
    """Core's plausible range for a date (1 January 1900 or later), named as the API names it."""
    return EventDateRange(label(name))


def _choices(codes: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "Not recorded")] + [(k, f"{v} ({k})") for k, v in codes.items()]


class ReferralForm(FlaskForm):
    """A referral from a ward."""

    ward = StringField("Ward", validators=[DataRequired("Enter the ward."), Length(max=120)])
    referrer = StringField(
        "Referrer", validators=[DataRequired("Enter who referred."), Length(max=120)]
    )
    referred_on = DateField(
        "Referral date",
        validators=[DataRequired("Enter the referral date."), _in_range("referred_on")],
    )
    admission_date = DateField(
        "Admission date", validators=[Optional(), _in_range("admission_date")]
    )
    clinically_ready_date = DateField(
        "Clinically ready for discharge",
        validators=[Optional(), _in_range("clinically_ready_date")],
    )
    accommodation_type = SelectField("Accommodation type", choices=_choices(ACCOMMODATION_TYPES))
    settled_indicator = SelectField("Settled accommodation", choices=_choices(SETTLED_INDICATORS))
    needs = TextAreaField("Housing needs", validators=[Optional(), Length(max=4000)])
    risks = TextAreaField("Risks", validators=[Optional(), Length(max=4000)])


class MoveInForm(FlaskForm):
    """Move-in, discharge and any delay."""

    move_in_date = DateField(
        "Move-in date",
        validators=[DataRequired("Enter the move-in date."), _in_range("move_in_date")],
    )
    discharge_date = DateField(
        "Discharge date", validators=[Optional(), _in_range("discharge_date")]
    )
    discharge_destination = StringField(
        "Discharge destination", validators=[Optional(), Length(max=200)]
    )
    delay_reason = SelectField("Delay reason", choices=_choices(DELAY_REASONS))
    delay_attribution = SelectField("Delay attribution", choices=_choices(DELAY_ATTRIBUTIONS))


#: The close form's answer → ``tenancy_end_planned``.
PLANNED = {"yes": True, "no": False}
CLOSE_HINTS = {
    "tenancy_end_date": "Leave blank if the client never moved in or the tenancy goes on.",
    "tenancy_end_reason": "For example, moved to supported housing, or rent arrears.",
}


class CloseForm(FlaskForm):
    """Closing a referral, with the tenancy end if the tenancy ended."""

    tenancy_end_date = DateField(
        "Tenancy end date (optional)", validators=[Optional(), _in_range("tenancy_end_date")]
    )
    tenancy_end_planned = RadioField(
        "Was the tenancy end planned?",
        choices=[("yes", "Yes, planned"), ("no", "No, unplanned")],
        validators=[Optional()],
    )
    tenancy_end_reason = StringField(
        "Reason the tenancy ended (optional)", validators=[Optional(), Length(max=200)]
    )

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        if obj is not None and not self.is_submitted() and obj.tenancy_end_planned is not None:
            self.tenancy_end_planned.data = "yes" if obj.tenancy_end_planned else "no"


class CrisisEventForm(FlaskForm):
    """A crisis contact or admission."""

    kind = SelectField("Kind", choices=list(CRISIS_KINDS.items()))
    occurred_on = DateField(
        "Date", validators=[DataRequired("Enter the date."), _in_range("occurred_on")]
    )
    notes = StringField("Notes", validators=[Optional(), Length(max=500)])


TENURE_LABELS = {
    "social_rent": "Social rent",
    "affordable_rent": "Affordable rent",
    "private_rent": "Private rent",
    "supported": "Supported housing",
    "temporary": "Temporary accommodation",
    "other": "Other",
}
DECISION_LABELS = {"pending": "Not decided yet", "accepted": "Accepted", "declined": "Declined"}


class ActionForm(FlaskForm):
    """An application made for the client, and what came of it."""

    application_type = SelectField(
        "Type of application",
        choices=[("", "Choose the type"), *APPLICATION_TYPES.items()],
        validators=[DataRequired("Choose the type of application.")],
    )
    provider = StringField(
        "Council or provider",
        validators=[DataRequired("Enter the council or provider."), Length(max=200)],
    )
    action_date = DateField(
        "Date of the application",
        validators=[DataRequired("Enter the date of the application."), _in_range("action_date")],
    )
    outcome = StringField("Outcome (optional)", validators=[Optional(), Length(max=200)])


class OfferForm(FlaskForm):
    """A property offered, and the client's decision."""

    property_description = StringField(
        "Property", validators=[DataRequired("Describe the property."), Length(max=200)]
    )
    provider = StringField(
        "Landlord or provider",
        validators=[DataRequired("Enter the landlord or provider."), Length(max=200)],
    )
    tenure = SelectField(
        "Tenure",
        choices=[("", "Choose the tenure"), *TENURE_LABELS.items()],
        validators=[DataRequired("Choose the tenure.")],
    )
    weekly_rent = DecimalField(
        "Weekly rent in pounds (optional)",
        places=2,
        validators=[Optional(), NumberRange(0, 10000, "Enter a rent between 0 and 10,000.")],
    )
    offered_on = DateField(
        "Date offered",
        validators=[DataRequired("Enter the date offered."), _in_range("offered_on")],
    )
    decision = RadioField(
        "Decision",
        choices=list(DECISION_LABELS.items()),
        default="pending",
        validators=[InputRequired("Choose the decision.")],
    )
    decline_reason = StringField("Reason, if declined", validators=[Optional(), Length(max=200)])


class DecisionForm(FlaskForm):
    """Deciding an offer: accepted, or declined with a reason."""

    decision = RadioField(
        "Decision",
        choices=list(DECISION_LABELS.items()),
        validators=[InputRequired("Choose the decision.")],
    )
    decline_reason = StringField("Reason, if declined", validators=[Optional(), Length(max=200)])
