"""API schemas for job runs."""

from __future__ import annotations

from marshmallow import Schema, fields


class JobRunSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.Method("_title")
    parameters = fields.Dict()
    status = fields.String(
        metadata={"enum": ["queued", "running", "succeeded", "failed", "cancelled"]}
    )
    progress = fields.Integer(metadata={"description": "Per cent done, 0-100."})
    message = fields.String(allow_none=True)
    result = fields.Dict(allow_none=True)
    error = fields.String(allow_none=True, metadata={"description": "Why it failed, readably."})
    has_download = fields.Boolean()
    result_filename = fields.String(allow_none=True)
    requested_by_membership_id = fields.UUID(allow_none=True)
    idempotency_key = fields.String(allow_none=True)
    attempts = fields.Integer()
    cancel_requested = fields.Boolean()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)

    def _title(self, obj) -> str:
        from core.jobs.registry import kind_title

        return kind_title(obj.kind)
