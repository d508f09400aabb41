"""WTForms of the IPS work pages. Choices that depend on the tenant (employers, clients,
episodes, specialists) are filled in by the views; the rules live in the services."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from . import codes
from .form_fields import NhsDateField, SelectField

YES_NO = [("no", "No"), ("yes", "Yes")]
EMAIL_MESSAGE = "Enter an email address like name@example.com."


def choices(code_list: codes.Codes, empty: str | None = None) -> list[tuple[str, str]]:
    first = [("", empty)] if empty is not None else []
    return first + list(code_list)


class EmployerForm(FlaskForm):
    """An employer the team works with."""

    name = StringField(
        "Employer name", validators=[DataRequired("Enter the employer's name."), Length(max=200)]
    )
    sector = StringField("Sector (optional)", validators=[Optional(), Length(max=100)])
    contact_name = StringField(
        "Contact person (optional)", validators=[Optional(), Length(max=120)]
    )
    phone = StringField("Phone (optional)", validators=[Optional(), Length(max=40)])
    email = StringField(
        "Email (optional)",
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=EMAIL_MESSAGE),
        ],
    )
    town = StringField("Town (optional)", validators=[Optional(), Length(max=100)])
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=4000)])


class EmployerContactForm(FlaskForm):
    """A contact with an employer; ``employer_id`` is shown only when logging from a client."""

    employer_id = SelectField("Employer", choices=[])
    contacted_on = NhsDateField(
        "Date of the contact", validators=[InputRequired("Enter the date of the contact.")]
    )
    contact_type = RadioField(
        "How was the employer contacted?",
        choices=list(codes.EMPLOYER_CONTACT_TYPES),
        validators=[InputRequired("Choose how the employer was contacted.")],
    )
    purpose = RadioField(
        "Purpose",
        choices=list(codes.EMPLOYER_CONTACT_PURPOSES),
        validators=[InputRequired("Choose the purpose of the contact.")],
    )
    client_id = SelectField("Client it was about", choices=[])
    specialist_id = SelectField("Employment specialist", choices=[])
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=4000)])


class OutcomeForm(FlaskForm):
    """A start: paid job, education or training, voluntary work or work experience."""

    referral_id = SelectField("IPS referral", choices=[])
    kind = RadioField(
        "What kind of start?",
        choices=list(codes.OUTCOME_KINDS),
        validators=[InputRequired("Choose what kind of start this is.")],
    )
    title = StringField(
        "Job title, course or role",
        validators=[DataRequired("Enter the job title, course or role."), Length(max=200)],
    )
    employer_id = SelectField("Employer from the list", choices=[])
    provider_name = StringField(
        "Or the employer, college or organisation's name", validators=[Optional(), Length(max=200)]
    )
    self_employed = RadioField("Self-employed?", choices=YES_NO, default="no")
    hours_band = SelectField(
        "Weekly hours (paid jobs only)", choices=choices(codes.HOURS_BANDS, "Not a paid job")
    )
    started_on = NhsDateField("Start date", validators=[InputRequired("Enter the start date.")])
    ended_on = NhsDateField("End date (if it has ended)", validators=[Optional()], planned=True)
    end_reason = SelectField(
        "Why it ended", choices=choices(codes.OUTCOME_END_REASONS, "It has not ended")
    )
    specialist_id = SelectField("Specialist credited", choices=[])


class SupportForm(FlaskForm):
    """In-work support given to the client."""

    referral_id = SelectField("IPS referral", choices=[])
    outcome_id = SelectField("Job or course (optional)", choices=[])
    contacted_on = NhsDateField(
        "Date of the support", validators=[InputRequired("Enter the date of the support.")]
    )
    contact_type = RadioField(
        "How was the support given?",
        choices=list(codes.SUPPORT_CONTACT_TYPES),
        validators=[InputRequired("Choose how the support was given.")],
    )
    with_employer = RadioField("Was the employer involved?", choices=YES_NO, default="no")
    specialist_id = SelectField("Employment specialist", choices=[])
    notes = TextAreaField("Notes (optional)", validators=[Optional(), Length(max=4000)])


class RetentionForm(FlaskForm):
    """An employment retention case; closing it sets the date and the result."""

    referral_id = SelectField("IPS referral", choices=[])
    opened_on = NhsDateField("Date opened", validators=[InputRequired("Enter the date opened.")])
    employer_name = StringField(
        "Employer of the job at risk",
        validators=[DataRequired("Enter the employer of the job at risk."), Length(max=200)],
    )
    risk = TextAreaField("What puts the job at risk? (optional)", validators=[Optional()])
    closed_on = NhsDateField("Date closed (when closing)", validators=[Optional()])
    result = SelectField(
        "Result (when closing)", choices=choices(codes.RETENTION_RESULTS, "Still open")
    )
