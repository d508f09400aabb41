from marshmallow import Schema, fields, validate


class CanarySettings(Schema):
    """``[plugins.canary]`` settings."""

    greeting = fields.String(load_default="hello", validate=validate.Length(min=1, max=40))
    volume = fields.Integer(load_default=3, validate=validate.Range(min=1, max=11))


class NoteSchema(Schema):
    id = fields.UUID(dump_only=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=500))
    author_membership_id = fields.UUID(dump_only=True)
