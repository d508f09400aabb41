"""Small WTForms for the Step Out pages (dates as ISO date inputs)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .schemas import (
    ACCOMMODATION_TYPES,
    CRISIS_KINDS,
    DELAY_ATTRIBUTIONS,
    DELAY_REASONS,
    SETTLED_INDICATORS,
)


def _choices(codes: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "Not recorded")] + [(k, f"{v} ({k})") for k, v in codes.items()]


class ReferralForm(FlaskForm):
    """A referral from a ward."""

    ward = StringField("Ward", validators=[DataRequired("Enter the ward."), Length(max=120)])
    referrer = StringField(
        "Referrer", validators=[DataRequired("Enter who referred."), Length(max=120)]
    )
    referred_on = DateField("Referral date", validators=[DataRequired("Enter the referral date.")])
    admission_date = DateField("Admission date", validators=[Optional()])
    clinically_ready_date = DateField("Clinically ready for discharge", validators=[Optional()])
    accommodation_type = SelectField("Accommodation type", choices=_choices(ACCOMMODATION_TYPES))
    settled_indicator = SelectField("Settled accommodation", choices=_choices(SETTLED_INDICATORS))
    needs = TextAreaField("Housing needs", validators=[Optional(), Length(max=4000)])
    risks = TextAreaField("Risks", validators=[Optional(), Length(max=4000)])


class MoveInForm(FlaskForm):
    """Move-in, discharge and any delay."""

    move_in_date = DateField("Move-in date", validators=[DataRequired("Enter the move-in date.")])
    discharge_date = DateField("Discharge date", validators=[Optional()])
    discharge_destination = StringField(
        "Discharge destination", validators=[Optional(), Length(max=200)]
    )
    delay_reason = SelectField("Delay reason", choices=_choices(DELAY_REASONS))
    delay_attribution = SelectField("Delay attribution", choices=_choices(DELAY_ATTRIBUTIONS))


class CrisisEventForm(FlaskForm):
    """A crisis contact or admission."""

    kind = SelectField("Kind", choices=list(CRISIS_KINDS.items()))
    occurred_on = DateField("Date", validators=[DataRequired("Enter the date.")])
    notes = StringField("Notes", validators=[Optional(), Length(max=500)])
