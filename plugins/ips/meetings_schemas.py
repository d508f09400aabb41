"""API schemas of joint caseload meetings with Job Centre Plus."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.plugins.api import EventDate

_TEXT = validate.Length(max=4000)


class DiscussedClientSchema(Schema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(required=True)
    client_name = fields.String(dump_only=True)
    discussion = fields.String(allow_none=True, validate=_TEXT)


class MeetingActionSchema(Schema):
    id = fields.UUID(dump_only=True)
    meeting_id = fields.UUID(dump_only=True)
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    owner = fields.String(required=True, validate=validate.Length(min=1, max=120))
    due_on = EventDate("Due date", planned=True, allow_none=True)
    done_on = EventDate("Date done", allow_none=True)
    client_id = fields.UUID(
        allow_none=True, metadata={"description": "A client discussed at the meeting, if any."}
    )
    client_name = fields.String(dump_only=True, allow_none=True)
    overdue = fields.Boolean(dump_only=True)


class MeetingActionFieldsSchema(MeetingActionSchema):
    """PATCH an action: every field optional."""

    description = fields.String(validate=validate.Length(min=1, max=4000))
    owner = fields.String(validate=validate.Length(min=1, max=120))


_ATTENDEES = fields.List(
    fields.String(validate=validate.Length(min=1, max=200)),
    validate=validate.Length(min=1, max=40, error="List between 1 and 40 attendees."),
    metadata={"description": "Name and role of each person who attended, as typed."},
)


class MeetingFieldsSchema(Schema):
    """What can be changed on a meeting (PATCH: every field optional)."""

    held_on = EventDate("Date of the meeting")
    attendees = _ATTENDEES
    notes = fields.String(allow_none=True, validate=validate.Length(max=8000))


class MeetingCreateSchema(MeetingFieldsSchema):
    held_on = EventDate("Date of the meeting", required=True)
    attendees = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        required=True,
        validate=validate.Length(min=1, max=40, error="List between 1 and 40 attendees."),
    )
    clients = fields.List(
        fields.Nested(DiscussedClientSchema),
        load_default=list,
        metadata={"description": "Clients discussed: each must be shared with the office."},
    )
    actions = fields.List(fields.Nested(MeetingActionSchema), load_default=list)


class MeetingSummarySchema(Schema):
    id = fields.UUID(dump_only=True)
    organisation_id = fields.UUID(dump_only=True)
    organisation_name = fields.String(dump_only=True)
    held_on = fields.Date(dump_only=True)
    attendees = fields.List(fields.String(), dump_only=True)


class MeetingSchema(MeetingSummarySchema):
    notes = fields.String(dump_only=True, allow_none=True)
    clients = fields.List(fields.Nested(DiscussedClientSchema), dump_only=True)
    actions = fields.List(fields.Nested(MeetingActionSchema), dump_only=True)
