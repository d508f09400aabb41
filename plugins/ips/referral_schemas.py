"""API schemas of the referral slice. Code lists come from ``codes``.

Job Centre Plus staff (partners) get the summary only: :class:`ReferralSchema` trims itself to
:data:`PARTNER_FIELDS` when the viewer is partner staff, like core's ClientSchema, so no endpoint
can forget it; the partner summary endpoint uses :class:`PartnerSummarySchema`, which has no
other fields at all.
"""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, post_dump, validate

from core.plugins.api import EventDate

from . import codes


def _code(choices: codes.Codes) -> validate.OneOf:
    return validate.OneOf(codes.keys(choices), error="Choose one of: {choices}.")


#: What Job Centre Plus may see of an episode (minimum necessary).
PARTNER_FIELDS = (
    "id",
    "client_id",
    "status",
    "source",
    "referred_on",
    "accepted_on",
    "closed_on",
    "specialist_name",
    "starts",
)


class ReferralFieldsSchema(Schema):
    """Fields a referral can be given or corrected (all optional: used for PATCH)."""

    source = fields.String(validate=_code(codes.REFERRAL_SOURCES))
    referrer = fields.String(allow_none=True, validate=validate.Length(max=120))
    referred_on = EventDate("Referral date")
    employment_status = fields.String(allow_none=True, validate=_code(codes.EMPLOYMENT_STATUSES))
    specialist_id = fields.UUID(allow_none=True)


class ReferralCreateSchema(ReferralFieldsSchema):
    """A new referral of the client in the path (specialist optional: the team may assign one
    when it accepts the referral)."""

    source = fields.String(required=True, validate=_code(codes.REFERRAL_SOURCES))
    referred_on = EventDate("Referral date", required=True)


class ReferralSchema(ReferralFieldsSchema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(dump_only=True)
    status = fields.String(dump_only=True)
    accepted_on = fields.Date(dump_only=True, allow_none=True)
    closed_on = fields.Date(dump_only=True, allow_none=True)
    close_reason = fields.String(dump_only=True, allow_none=True)
    previous_referral_id = fields.UUID(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)

    @post_dump
    def _need_to_know(self, data: dict, **_kwargs: object) -> dict:
        from flask import g, has_request_context

        membership = g.get("membership") if has_request_context() else None
        if membership is not None and membership.organisation.is_partner:
            return {k: v for k, v in data.items() if k in PARTNER_FIELDS}
        return data


class ReferralListQuerySchema(Schema):
    status = fields.String(validate=_code(codes.STATUSES))


class AcceptSchema(Schema):
    accepted_on = EventDate("Date accepted", required=True)
    specialist_id = fields.UUID(allow_none=True)


class StatusSchema(Schema):
    status = fields.String(
        required=True,
        validate=validate.OneOf(("job_search", "in_work"), error="Choose one of: {choices}."),
    )


class CloseSchema(Schema):
    closed_on = EventDate("Date closed", required=True)
    close_reason = fields.String(required=True, validate=_code(codes.CLOSE_REASONS))


_TEXT = validate.Length(max=4000)


def _between(low: int, high: int):
    """A range check for money and hours (decimals). Not ``validate.Range``: the OpenAPI
    document would show its limits as strings, because the field dumps decimals as strings."""

    def check(value: Decimal) -> None:
        if not low <= value <= high:
            raise ValidationError(f"Must be between {low} and {high}.")

    return check


class ProfileSchema(Schema):
    """The vocational profile and plan (never shown to partners)."""

    id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(dump_only=True)
    work_history = fields.String(allow_none=True, validate=_TEXT)
    goals = fields.String(allow_none=True, validate=_TEXT)
    preferences = fields.String(allow_none=True, validate=_TEXT)
    strengths = fields.String(allow_none=True, validate=_TEXT)
    barriers = fields.String(allow_none=True, validate=_TEXT)
    wellness_plan = fields.String(allow_none=True, validate=_TEXT)
    disclosure_plan = fields.String(allow_none=True, validate=_TEXT)
    review_on = EventDate("Review date", planned=True, allow_none=True)
    updated_at = fields.DateTime(dump_only=True)


class BenefitsAdviceSchema(Schema):
    id = fields.UUID(dump_only=True)
    referral_id = fields.UUID(dump_only=True)
    given_on = EventDate("Date of advice", required=True)
    given_by = fields.String(required=True, validate=validate.Length(min=1, max=120))
    # Sent as decimal strings ("85.50"), so documented as strings (apispec says number).
    better_off_weekly = fields.Decimal(
        allow_none=True,
        places=2,
        as_string=True,
        validate=_between(-9999, 9999),
        metadata={"type": "string", "format": "decimal", "example": "85.50"},
    )
    hours_per_week = fields.Decimal(
        allow_none=True,
        places=1,
        as_string=True,
        validate=_between(0, 100),
        metadata={"type": "string", "format": "decimal", "example": "16.0"},
    )
    notes = fields.String(allow_none=True, validate=_TEXT)


class CaseloadSchema(Schema):
    specialist_id = fields.UUID()
    name = fields.String()
    active = fields.Integer()
    cap = fields.Integer()
    over_cap = fields.Boolean()


class CaseloadsSchema(Schema):
    cap = fields.Integer()
    caseloads = fields.List(fields.Nested(CaseloadSchema))
    waiting = fields.List(fields.Nested(ReferralSchema))


class StartSummarySchema(Schema):
    kind = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    hours_band = fields.String(allow_none=True)


class PartnerSummarySchema(Schema):
    """One episode as Job Centre Plus sees it."""

    class Meta:
        fields = PARTNER_FIELDS

    id = fields.UUID()
    client_id = fields.UUID()
    status = fields.String()
    source = fields.String()
    referred_on = fields.Date()
    accepted_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    specialist_name = fields.String(allow_none=True)
    starts = fields.List(fields.Nested(StartSummarySchema))
