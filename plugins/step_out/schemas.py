"""Settings and API schemas of Step Out (code lists from nhs-data.md, MHSDS v6)."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from core.plugins.api import EventDate

from .date_rules import future_errors, label, referral_errors

#: MHSDS accommodation type (v5/v6).
ACCOMMODATION_TYPES = {
    "01": "Owner occupier",
    "02": "Tenant, council or social landlord",
    "03": "Tenant, private landlord",
    "04": "Living with family",
    "05": "Living with friends",
    "06": "University or college accommodation",
    "07": "Tied accommodation",
    "08": "Mobile accommodation",
    "09": "Care home without nursing",
    "10": "Care home with nursing",
    "11": "Specialist housing",
    "12": "Rough sleeper",
    "13": "Squatting",
    "14": "Sofa surfing",
    "15": "Short-term guest of friends or family",
    "16": "Bed and breakfast to prevent or relieve homelessness",
    "17": "Night shelter",
    "18": "Hostel to prevent or relieve homelessness",
    "19": "Temporary housing to prevent or relieve homelessness",
    "20": "Admitted patient setting",
    "21": "Criminal justice setting",
    "98": "Other",
}
SETTLED_INDICATORS = {"Y": "Settled", "N": "Not settled", "Z": "Not stated", "9": "Not known"}
#: Clinically ready for discharge — delay reasons (MHSDS v6; housing ones 14–19).
DELAY_REASONS = {
    "14": "Awaiting private rented accommodation",
    "15": "Awaiting social rented housing via the council register",
    "16": "Awaiting purchase or sourcing of own home",
    "17": "Not eligible for funded care or support",
    "18": "Awaiting supported accommodation",
    "19": "Awaiting council temporary accommodation",
    "32": "Bespoke housing or care not available",
    "11": "Patient or family choice",
    "98": "Not known",
}
DELAY_ATTRIBUTIONS = {"04": "NHS", "05": "Social care", "06": "Both"}
APPLICATION_TYPES = {
    "council_homelessness": "Council homelessness duty",
    "housing_register": "Council housing register",
    "housing_association": "Housing association",
    "supported_housing": "Supported housing",
    "private_rented": "Private rented",
}
TENURES = ("social_rent", "affordable_rent", "private_rent", "supported", "temporary", "other")
DECISIONS = ("pending", "accepted", "declined")
STATUSES = ("referred", "assessed", "searching", "housed", "closed")
CRISIS_KINDS = {"crisis_contact": "Crisis team contact", "admission": "Inpatient admission"}


class StepOutSettings(Schema):
    """``[plugins.step_out]`` settings (none needed yet)."""

    review_reminders = fields.Boolean(load_default=True)


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})


class HappenedDatesMixin:
    """Dates that record something that happened cannot be in the future. Checked alongside the
    field errors (``skip_on_field_errors=False``), so one answer lists every broken rule."""

    @validates_schema(skip_on_field_errors=False)
    def _dates_have_happened(self, data, **_kwargs):
        _refuse(future_errors(data))


def _date(name: str, **kwargs) -> EventDate:
    """A date of the journey, named in messages as the pages and ``date_rules`` name it."""
    return EventDate(label(name), **kwargs)


def _code(choices) -> validate.OneOf:
    return validate.OneOf(list(choices), error="Choose one of: {choices}.")


class StepOutReferralFieldsSchema(Schema):
    """Fields a referral can be given or changed (all optional: used for PATCH)."""

    referred_on = _date("referred_on")
    ward = fields.String(validate=validate.Length(min=1, max=120))
    referrer = fields.String(validate=validate.Length(min=1, max=120))
    admission_date = _date("admission_date", allow_none=True)
    clinically_ready_date = _date("clinically_ready_date", allow_none=True)
    accommodation_type = fields.String(allow_none=True, validate=_code(ACCOMMODATION_TYPES))
    settled_indicator = fields.String(allow_none=True, validate=_code(SETTLED_INDICATORS))
    needs = fields.String(allow_none=True, validate=validate.Length(max=4000))
    risks = fields.String(allow_none=True, validate=validate.Length(max=4000))
    status = fields.String(validate=_code(STATUSES))
    assessment_date = _date("assessment_date", allow_none=True)
    move_in_date = _date("move_in_date", allow_none=True)
    discharge_date = _date("discharge_date", allow_none=True)
    discharge_destination = fields.String(allow_none=True, validate=validate.Length(max=200))
    delay_reason = fields.String(allow_none=True, validate=_code(DELAY_REASONS))
    delay_attribution = fields.String(allow_none=True, validate=_code(DELAY_ATTRIBUTIONS))
    tenancy_end_date = _date("tenancy_end_date", allow_none=True)
    tenancy_end_reason = fields.String(allow_none=True, validate=validate.Length(max=200))
    tenancy_end_planned = fields.Boolean(allow_none=True)

    @validates_schema(skip_on_field_errors=False)
    def _journey_dates(self, data, **_kwargs):
        """The dates sent (a change may rely on stored ones: the service checks the whole)."""
        _refuse(referral_errors(data, whole=False))


class StepOutReferralCreateSchema(StepOutReferralFieldsSchema):
    client_id = fields.UUID(required=True)
    ward = fields.String(required=True, validate=validate.Length(min=1, max=120))
    referrer = fields.String(required=True, validate=validate.Length(min=1, max=120))

    @validates_schema(skip_on_field_errors=False)
    def _journey_dates(self, data, **_kwargs):
        _refuse(referral_errors(data, whole=True))


class StepOutReferralSchema(StepOutReferralFieldsSchema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(dump_only=True)
    delayed_days = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class StepOutActionSchema(HappenedDatesMixin, Schema):
    id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(dump_only=True)
    application_type = fields.String(required=True, validate=_code(APPLICATION_TYPES))
    provider = fields.String(required=True, validate=validate.Length(min=1, max=200))
    action_date = _date("action_date", required=True)
    outcome = fields.String(allow_none=True, validate=validate.Length(max=200))


class StepOutOfferSchema(HappenedDatesMixin, Schema):
    id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(dump_only=True)
    property_description = fields.String(required=True, validate=validate.Length(min=1, max=200))
    provider = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tenure = fields.String(required=True, validate=_code(TENURES))
    weekly_rent = fields.Float(allow_none=True, validate=validate.Range(min=0, max=10000))
    offered_on = _date("offered_on", required=True)
    decision = fields.String(load_default="pending", validate=_code(DECISIONS))
    decline_reason = fields.String(allow_none=True, validate=validate.Length(max=200))


class StepOutActionUpdateSchema(HappenedDatesMixin, Schema):
    """Fields of an action that can be changed (PATCH): usually its outcome."""

    application_type = fields.String(validate=_code(APPLICATION_TYPES))
    provider = fields.String(validate=validate.Length(min=1, max=200))
    action_date = _date("action_date")
    outcome = fields.String(allow_none=True, validate=validate.Length(max=200))


class StepOutOfferUpdateSchema(HappenedDatesMixin, Schema):
    """Fields of an offer that can be changed (PATCH): usually the decision, with the reason
    when it is declined."""

    property_description = fields.String(validate=validate.Length(min=1, max=200))
    provider = fields.String(validate=validate.Length(min=1, max=200))
    tenure = fields.String(validate=_code(TENURES))
    weekly_rent = fields.Float(allow_none=True, validate=validate.Range(min=0, max=10000))
    offered_on = _date("offered_on")
    decision = fields.String(validate=_code(DECISIONS))
    decline_reason = fields.String(allow_none=True, validate=validate.Length(max=200))


class StepOutImportJobSchema(Schema):
    """The job an upload started: follow it at ``Location`` (core's jobs API)."""

    id = fields.UUID()
    kind = fields.String()
    status = fields.String()
    progress = fields.Integer()
    message = fields.String(allow_none=True)
    created_at = fields.DateTime()


class StepOutReviewSchema(Schema):
    id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(dump_only=True)
    months = fields.Integer(dump_only=True)
    due_on = fields.Date(dump_only=True)
    completed_on = fields.Date(dump_only=True, allow_none=True)
    notes = fields.String(dump_only=True, allow_none=True)


class StepOutReviewCompleteSchema(HappenedDatesMixin, Schema):
    completed_on = _date("completed_on", required=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=4000))


class StepOutCrisisEventSchema(HappenedDatesMixin, Schema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(dump_only=True)
    kind = fields.String(required=True, validate=_code(CRISIS_KINDS))
    occurred_on = _date("occurred_on", required=True)
    source = fields.String(dump_only=True)
    notes = fields.String(allow_none=True, validate=validate.Length(max=500))


class StepOutOutcomeQuerySchema(Schema):
    as_of = fields.Date(load_default=None)


class StepOutClientOutcomeSchema(Schema):
    client_id = fields.UUID()
    move_in_date = fields.Date(allow_none=True)
    eligible = fields.Boolean()
    excluded_reason = fields.String(allow_none=True)
    contacts_before = fields.Integer(allow_none=True)
    contacts_after = fields.Integer(allow_none=True)
    admissions_before = fields.Integer(allow_none=True)
    admissions_after = fields.Integer(allow_none=True)
    sustained_6 = fields.Boolean(allow_none=True)
    sustained_12 = fields.Boolean(allow_none=True)
    delayed_days = fields.Integer(allow_none=True)
