"""WTForms for the referral pages (dates as ISO date inputs, codes from ``codes``).

Specialist choices depend on the tenant, so the views fill them in (``with_specialists``).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import DecimalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from . import codes
from .form_fields import NhsDateField, SelectField


def _choices(items: codes.Codes, empty: str | None = None) -> list[tuple[str, str]]:
    first = [("", empty)] if empty else []
    return first + [(code, text) for code, text in items]


def with_specialists(form: Any, people: list[Any], empty: str = "Not assigned yet") -> Any:
    """Offer the team's specialists in ``form.specialist_id``."""
    form.specialist_id.choices = [("", empty)] + [(str(m.id), m.user.display_name) for m in people]
    return form


class ReferralForm(FlaskForm):
    """A referral, or its correction (including reassigning the specialist)."""

    source = SelectField(
        "Who referred",
        choices=_choices(codes.REFERRAL_SOURCES, "Choose the source"),
        validators=[DataRequired("Choose who referred the person.")],
    )
    referrer = StringField("Referrer's name or team", validators=[Optional(), Length(max=120)])
    referred_on = NhsDateField(
        "Referral date", validators=[InputRequired("Enter the referral date.")]
    )
    employment_status = SelectField(
        "Employment status at referral (MHSDS)",
        choices=_choices(codes.EMPLOYMENT_STATUSES, "Not recorded"),
        validators=[Optional()],
    )
    specialist_id = SelectField("Employment specialist", choices=[], validators=[Optional()])


class AcceptForm(FlaskForm):
    accepted_on = NhsDateField(
        "Date accepted", validators=[InputRequired("Enter the date accepted.")]
    )
    specialist_id = SelectField("Employment specialist", choices=[], validators=[Optional()])


class CloseForm(FlaskForm):
    closed_on = NhsDateField("Date closed", validators=[InputRequired("Enter the date closed.")])
    close_reason = SelectField(
        "Why support ended",
        choices=_choices(codes.CLOSE_REASONS, "Choose a reason"),
        validators=[DataRequired("Choose why support ended.")],
    )


class StatusForm(FlaskForm):
    status = SelectField(
        "Stage", choices=[("job_search", "Job search"), ("in_work", "In work (in-work support)")]
    )


_TEXT = [Optional(), Length(max=4000)]


class ProfileForm(FlaskForm):
    """The vocational profile and plan."""

    work_history = TextAreaField("Work and education history", validators=_TEXT)
    goals = TextAreaField("Goals: the work or study they want", validators=_TEXT)
    preferences = TextAreaField("Preferences (hours, place, type of work)", validators=_TEXT)
    strengths = TextAreaField("Strengths and skills", validators=_TEXT)
    barriers = TextAreaField("Barriers and how to overcome them", validators=_TEXT)
    wellness_plan = TextAreaField("Wellness plan for work", validators=_TEXT)
    disclosure_plan = TextAreaField("Disclosure plan", validators=_TEXT)
    review_on = NhsDateField("Review date", validators=[Optional()], planned=True)


class AdviceForm(FlaskForm):
    """Benefits advice with the better-off calculation's result."""

    given_on = NhsDateField(
        "Date of advice", validators=[InputRequired("Enter the date of advice.")]
    )
    given_by = StringField(
        "Given by", validators=[DataRequired("Enter who gave the advice."), Length(max=120)]
    )
    better_off_weekly = DecimalField(
        "Better off by (pounds a week)",
        places=2,
        validators=[Optional(), NumberRange(-9999, 9999, "Enter an amount under £10,000.")],
    )
    hours_per_week = DecimalField(
        "Hours a week in the calculation",
        places=1,
        validators=[Optional(), NumberRange(0, 100, "Enter hours between 0 and 100.")],
    )
    notes = TextAreaField("Notes", validators=_TEXT)
