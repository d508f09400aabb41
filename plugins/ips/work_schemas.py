"""API schemas of the IPS work slice. Code lists come from ``codes`` (one place for all)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.plugins.api import EventDate

from . import codes


def _code(choices: codes.Codes) -> validate.OneOf:
    return validate.OneOf(codes.keys(choices), error="Choose one of: {choices}.")


def _text(maximum: int, **kw) -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(max=maximum), **kw)


class EmployerSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    sector = _text(100)
    contact_name = _text(120)
    phone = _text(40)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    town = _text(100)
    notes = _text(4000)
    created_at = fields.DateTime(dump_only=True)


class EmployerUpdateSchema(EmployerSchema):
    """Used with ``partial=True``: change any field."""


class EmployerQuerySchema(Schema):
    q = fields.String(validate=validate.Length(max=100), metadata={"description": "Name contains"})


class EmployerContactSchema(Schema):
    id = fields.UUID(dump_only=True)
    employer_id = fields.UUID(dump_only=True)
    specialist_id = fields.UUID(
        allow_none=True,
        metadata={"description": "Default: you. A team leader may name another specialist."},
    )
    contacted_on = EventDate(
        "Date of the contact",
        load_default=None,
        metadata={"description": "Default: today. Not in the future."},
    )
    contact_type = fields.String(required=True, validate=_code(codes.EMPLOYER_CONTACT_TYPES))
    purpose = fields.String(required=True, validate=_code(codes.EMPLOYER_CONTACT_PURPOSES))
    client_id = fields.UUID(
        allow_none=True, metadata={"description": "Required when the purpose is client_specific."}
    )
    notes = _text(4000)
    created_at = fields.DateTime(dump_only=True)


class EmployerContactUpdateSchema(EmployerContactSchema):
    """Used with ``partial=True``: change any field."""


class EmployerContactQuerySchema(Schema):
    employer_id = fields.UUID()
    specialist_id = fields.UUID()
    client_id = fields.UUID()
    since = fields.Date()
    until = fields.Date()


class WeeklyQuerySchema(Schema):
    weeks = fields.Integer(load_default=8, validate=validate.Range(min=1, max=52))


class SpecialistWeeksSchema(Schema):
    specialist_id = fields.UUID()
    name = fields.String()
    counts = fields.List(fields.Integer())
    total = fields.Integer()
    average = fields.Float()
    below_target = fields.Boolean()


class WeeklyContactsSchema(Schema):
    target_per_week = fields.Integer()
    weeks = fields.List(fields.Date(), metadata={"description": "Monday of each week"})
    specialists = fields.List(fields.Nested(SpecialistWeeksSchema))


class OutcomeSchema(Schema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(
        allow_none=True,
        metadata={"description": "An accepted episode of the client (default: the open one)."},
    )
    kind = fields.String(required=True, validate=_code(codes.OUTCOME_KINDS))
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    employer_id = fields.UUID(allow_none=True)
    provider_name = _text(200)
    self_employed = fields.Boolean(load_default=False)
    hours_band = fields.String(allow_none=True, validate=_code(codes.HOURS_BANDS))
    started_on = EventDate("Start date", required=True)
    ended_on = EventDate("End date", planned=True, allow_none=True)
    end_reason = fields.String(allow_none=True, validate=_code(codes.OUTCOME_END_REASONS))
    specialist_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class OutcomeUpdateSchema(OutcomeSchema):
    """Every field optional; the episode of a start never changes."""

    class Meta:
        exclude = ("referral_id",)


class OutcomeQuerySchema(Schema):
    client_id = fields.UUID()
    specialist_id = fields.UUID()
    employer_id = fields.UUID()
    kind = fields.String(validate=_code(codes.OUTCOME_KINDS))
    started_from = fields.Date()
    started_to = fields.Date()
    current = fields.Boolean(metadata={"description": "Only starts with no end date"})


class SupportContactSchema(Schema):
    id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(allow_none=True)
    outcome_id = fields.UUID(allow_none=True, metadata={"description": "The job or course"})
    specialist_id = fields.UUID(allow_none=True)
    contacted_on = EventDate("Date of the support", required=True)
    contact_type = fields.String(required=True, validate=_code(codes.SUPPORT_CONTACT_TYPES))
    with_employer = fields.Boolean(load_default=False)
    notes = _text(4000)
    created_at = fields.DateTime(dump_only=True)


class SupportContactUpdateSchema(SupportContactSchema):
    class Meta:
        exclude = ("referral_id",)


class RetentionCaseSchema(Schema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(allow_none=True)
    opened_on = EventDate("Date opened", required=True)
    employer_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    risk = _text(4000)
    closed_on = EventDate("Date closed", allow_none=True)
    result = fields.String(allow_none=True, validate=_code(codes.RETENTION_RESULTS))
    created_at = fields.DateTime(dump_only=True)


class RetentionCaseUpdateSchema(RetentionCaseSchema):
    class Meta:
        exclude = ("referral_id",)


class RetentionQuerySchema(Schema):
    open = fields.Boolean(metadata={"description": "true: open cases; false: closed ones"})


class RapidSearchSchema(Schema):
    referral_id = fields.UUID()
    accepted_on = fields.Date()
    first_contact_on = fields.Date(allow_none=True)
    days = fields.Integer(allow_none=True)
    late = fields.Boolean()


class ClientWorkSchema(Schema):
    client_id = fields.UUID()
    rapid_job_search = fields.List(fields.Nested(RapidSearchSchema))
    outcomes = fields.List(fields.Nested(OutcomeSchema))
    support_contacts = fields.List(fields.Nested(SupportContactSchema))
    retention_cases = fields.List(fields.Nested(RetentionCaseSchema))
    employer_contacts = fields.List(fields.Nested(EmployerContactSchema))
