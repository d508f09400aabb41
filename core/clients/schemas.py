"""API schemas for client records, consent, sharing and the timeline."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from core.clients.codelists import (
    CLOSURE_REASONS,
    CONSENT_METHODS,
    CONSENT_PURPOSES,
    CONTACT_METHODS,
    ETHNIC_CATEGORY,
    GENDER_IDENTITY,
)
from core.clients.fields import Code, Email, NhsNumber, PastDate, Phone, Postcode, Text

_NAME = validate.Length(min=1, max=100)


class ClientInputSchema(Schema):
    """Fields a person may write. Used for create (all rules) and update (partial)."""

    nhs_number = NhsNumber(allow_none=True, metadata={"example": "999 000 0018"})
    local_id = Text(allow_none=True, validate=validate.Length(max=40))
    given_name = Text(required=True, validate=_NAME)
    family_name = Text(required=True, validate=_NAME)
    preferred_name = Text(allow_none=True, validate=validate.Length(max=100))
    date_of_birth = PastDate(required=True)
    gender_identity = Code(GENDER_IDENTITY, allow_none=True)
    ethnic_category = Code(ETHNIC_CATEGORY, allow_none=True)
    address_line_1 = Text(allow_none=True, validate=validate.Length(max=200))
    address_line_2 = Text(allow_none=True, validate=validate.Length(max=200))
    town = Text(allow_none=True, validate=validate.Length(max=100))
    postcode = Postcode(allow_none=True)
    phone = Phone(allow_none=True)
    email = Email(allow_none=True, validate=validate.Length(max=320))
    key_worker_membership_id = fields.UUID(allow_none=True)


class ClientCreateSchema(ClientInputSchema):
    confirm_not_duplicate = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Create even though a client with the same name and date of "
            "birth exists (after checking they are a different person)."
        },
    )


class ClientUpdateSchema(ClientInputSchema):
    pass


class ClientCloseSchema(Schema):
    reason = Code(CLOSURE_REASONS, required=True)
    closed_on = PastDate(load_default=None)


class ClientSchema(Schema):
    """The record: in full for trust staff, the :data:`PARTNER_FIELDS` allowlist for partners.

    The trimming happens here, at serialisation, so no endpoint can forget it.
    """

    id = fields.UUID()
    nhs_number = fields.String(allow_none=True)
    local_id = fields.String(allow_none=True)
    given_name = fields.String()
    family_name = fields.String()
    preferred_name = fields.String(allow_none=True)
    date_of_birth = fields.Date()
    gender_identity = fields.String(allow_none=True)
    ethnic_category = fields.String(allow_none=True)
    address_line_1 = fields.String(allow_none=True)
    address_line_2 = fields.String(allow_none=True)
    town = fields.String(allow_none=True)
    postcode = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    key_worker_membership_id = fields.UUID(allow_none=True)
    status = fields.String()
    closed_reason = fields.String(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    version = fields.Integer()

    @post_dump
    def _need_to_know(self, data: dict, **_kwargs: object) -> dict:
        from flask import g, has_request_context

        membership = g.get("membership") if has_request_context() else None
        if membership is not None and membership.organisation.is_partner:
            return {k: v for k, v in data.items() if k in PARTNER_FIELDS}
        return data


#: What staff of a partner organisation may see (Caldicott: minimum necessary).
PARTNER_FIELDS = (
    "id",
    "nhs_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "phone",
    "email",
    "status",
    "version",
)


class PartnerClientSchema(ClientSchema):
    class Meta:
        fields = PARTNER_FIELDS


def _not_blank(value: str) -> None:
    """Spaces alone would match everyone (or, by trigram, anyone without a preferred name)."""
    if not value.strip():
        raise ValidationError("Enter a name, NHS number or local ID to search for")


class ClientListQuerySchema(Schema):
    q = Text(
        validate=[validate.Length(min=1, max=100), _not_blank],
        metadata={"description": "Name (typo-tolerant), NHS number or local id."},
    )
    nhs_number = NhsNumber()
    date_of_birth = fields.Date()
    local_id = Text(validate=validate.Length(max=40))
    status = fields.String(validate=validate.OneOf(["open", "closed"]))
    key_worker_membership_id = fields.UUID()


class DuplicateQuerySchema(Schema):
    nhs_number = NhsNumber()
    given_name = Text(validate=_NAME)
    family_name = Text(validate=_NAME)
    date_of_birth = fields.Date()


class ConsentInputSchema(Schema):
    purpose = Code(CONSENT_PURPOSES, required=True)
    given_on = PastDate(required=True)
    method = Code(CONSENT_METHODS, required=True)
    notes = Text(multiline=True, allow_none=True, validate=validate.Length(max=1000))


class ConsentWithdrawSchema(Schema):
    reason = Text(multiline=True, allow_none=True, validate=validate.Length(max=500))


class ConsentSchema(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    purpose = fields.String()
    given_on = fields.Date()
    method = fields.String()
    notes = fields.String(allow_none=True)
    recorded_by_membership_id = fields.UUID(allow_none=True)
    recorded_at = fields.DateTime()
    withdrawn_at = fields.DateTime(allow_none=True)
    withdrawn_by_membership_id = fields.UUID(allow_none=True)
    withdrawn_reason = fields.String(allow_none=True)
    active = fields.Boolean(attribute="is_active")


class ShareInputSchema(Schema):
    organisation_id = fields.UUID(required=True)
    consent_id = fields.UUID(required=True)
    expires_at = fields.AwareDateTime(allow_none=True, default_timezone=None)


class ShareEndSchema(Schema):
    reason = Text(multiline=True, allow_none=True, validate=validate.Length(max=500))


class ShareSchema(Schema):
    id = fields.UUID()
    client_id = fields.UUID()
    organisation_id = fields.UUID()
    consent_id = fields.UUID()
    purpose = fields.String()
    created_at = fields.DateTime()
    created_by_membership_id = fields.UUID(allow_none=True)
    expires_at = fields.DateTime(allow_none=True)
    ended_at = fields.DateTime(allow_none=True)
    ended_reason = fields.String(allow_none=True)


class ContactInputSchema(Schema):
    occurred_at = fields.AwareDateTime(required=True)
    method = Code(CONTACT_METHODS, required=True)
    duration_minutes = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=24 * 60))
    summary = Text(multiline=True, allow_none=True, validate=validate.Length(max=2000))

    @validates_schema
    def _not_in_future(self, data, **_kwargs):
        from core.columns import utcnow

        occurred = data.get("occurred_at")
        if occurred is not None and occurred > utcnow():
            raise ValidationError("A contact cannot be in the future", "occurred_at")


class NoteInputSchema(Schema):
    text = Text(multiline=True, required=True, validate=validate.Length(min=1, max=20000))
    corrects_note_id = fields.UUID(allow_none=True)


class TimelineEntrySchema(Schema):
    id = fields.String(allow_none=True)
    at = fields.DateTime()
    kind = fields.String()
    summary = fields.String()
    source = fields.String()
    details = fields.Dict()
