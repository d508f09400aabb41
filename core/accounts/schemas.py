"""API schemas for accounts: organisations, memberships, tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.accounts.models import ORGANISATION_KINDS


class OrganisationSchema(Schema):
    id = fields.UUID(dump_only=True)
    key = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": sorted(ORGANISATION_KINDS)})
    ods_code = fields.String(dump_only=True, allow_none=True)
    active = fields.Boolean(dump_only=True)
    partner = fields.Boolean(
        dump_only=True, metadata={"description": "Its staff see only clients shared with it."}
    )


class PersonSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.Email(dump_only=True)
    display_name = fields.String(dump_only=True)


class MembershipSchema(Schema):
    id = fields.UUID(dump_only=True)
    user = fields.Nested(PersonSchema, dump_only=True)
    organisation = fields.Nested(OrganisationSchema, dump_only=True)
    roles = fields.List(fields.String(), dump_only=True)
    active = fields.Boolean(dump_only=True)
    version = fields.Integer(dump_only=True)


class MeSchema(Schema):
    tenant = fields.Dict(dump_only=True)
    membership = fields.Nested(MembershipSchema, dump_only=True)
    permissions = fields.List(fields.String(), dump_only=True)


class MembershipCreateSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=320))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    organisation_id = fields.UUID(required=True)
    roles = fields.List(fields.String(), required=True, validate=validate.Length(min=1))


class MembershipUpdateSchema(Schema):
    organisation_id = fields.UUID()
    roles = fields.List(fields.String(), validate=validate.Length(min=1))
    active = fields.Boolean()


class TokenSchema(Schema):
    id = fields.UUID(dump_only=True)
    name = fields.String(dump_only=True)
    prefix = fields.String(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    expires_at = fields.DateTime(dump_only=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    last_used_at = fields.DateTime(dump_only=True, allow_none=True)


class TokenCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    days = fields.Integer(load_default=90, validate=validate.Range(min=1, max=365))


class IssuedTokenSchema(TokenSchema):
    token = fields.String(
        dump_only=True, metadata={"description": "The secret. Shown once; store it now."}
    )
