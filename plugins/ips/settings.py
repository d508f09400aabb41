"""The tenant's ``[plugins.ips]`` settings, validated at sync time."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class IpsSettings(Schema):
    #: Active clients per full-time employment specialist before the caseload shows a warning.
    caseload_cap = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))
