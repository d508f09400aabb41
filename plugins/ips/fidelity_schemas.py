"""API schemas of fidelity reviews: the review with its item scores, computed figures and
action plan. Ranges are checked here (per-field 422s) and again by the services."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.plugins.api import EventDate

from . import codes
from .fidelity_scale import ITEMS, MAX_SCORE, MIN_SCORE

_ITEM = validate.Range(min=1, max=len(ITEMS), error="Items are numbered 1 to 25.")
_REVIEWER_TYPE = validate.OneOf(codes.keys(codes.REVIEWER_TYPES), error="Choose one of: {choices}.")
_AT_MOST_25 = validate.Length(max=len(ITEMS), error="Score each of the 25 items at most once.")
_SCORE = validate.Range(min=MIN_SCORE, max=MAX_SCORE, error="Score each item from 1 to 5.")


class FidelityScoreSchema(Schema):
    item = fields.Integer(required=True, strict=True, validate=_ITEM)
    score = fields.Integer(required=True, strict=True, validate=_SCORE)
    evidence = fields.String(allow_none=True, validate=validate.Length(max=4000))
    title = fields.Method("_title", dump_only=True)
    section = fields.Method("_section", dump_only=True)

    def _title(self, obj) -> str:
        return ITEMS[obj.item - 1].title

    def _section(self, obj) -> str:
        return ITEMS[obj.item - 1].section


class FidelityReviewFieldsSchema(Schema):
    """What can be changed on a review (PATCH: every field optional)."""

    reviewed_on = EventDate("Date of the review")
    reviewer_type = fields.String(validate=_REVIEWER_TYPE)
    reviewers = fields.String(validate=validate.Length(min=1, max=300))
    summary = fields.String(allow_none=True, validate=validate.Length(max=8000))
    scores = fields.List(fields.Nested(FidelityScoreSchema), validate=_AT_MOST_25)


class FidelityReviewCreateSchema(FidelityReviewFieldsSchema):
    reviewed_on = EventDate("Date of the review", required=True)
    reviewer_type = fields.String(
        required=True,
        validate=_REVIEWER_TYPE,
    )
    reviewers = fields.String(required=True, validate=validate.Length(min=1, max=300))
    scores = fields.List(
        fields.Nested(FidelityScoreSchema), load_default=list, validate=_AT_MOST_25
    )


class FidelitySectionSchema(Schema):
    section = fields.String()
    subtotal = fields.Integer()
    scored = fields.Integer()
    items = fields.Integer()


class FidelityActionSchema(Schema):
    id = fields.UUID(dump_only=True)
    review_id = fields.UUID(dump_only=True)
    item = fields.Integer(allow_none=True, strict=True, validate=_ITEM)
    description = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    owner = fields.String(required=True, validate=validate.Length(min=1, max=120))
    due_on = EventDate("Due date", planned=True, required=True)
    done_on = EventDate("Date done", allow_none=True)
    overdue = fields.Boolean(dump_only=True)


class FidelityActionFieldsSchema(FidelityActionSchema):
    """PATCH an action: every field optional."""

    description = fields.String(validate=validate.Length(min=1, max=4000))
    owner = fields.String(validate=validate.Length(min=1, max=120))
    due_on = EventDate("Due date", planned=True)


class FidelityReviewSummarySchema(Schema):
    """A review in lists and the trend: its figures without the item detail."""

    id = fields.UUID(dump_only=True)
    reviewed_on = fields.Date(dump_only=True)
    reviewer_type = fields.String(dump_only=True)
    reviewers = fields.String(dump_only=True)
    total = fields.Integer(dump_only=True)
    items_scored = fields.Integer(dump_only=True)
    complete = fields.Boolean(dump_only=True)
    band = fields.String(dump_only=True, allow_none=True)
    band_label = fields.String(dump_only=True, allow_none=True)


class FidelityReviewSchema(FidelityReviewSummarySchema):
    summary = fields.String(dump_only=True, allow_none=True)
    missing_items = fields.List(fields.Integer(), dump_only=True)
    sections = fields.List(fields.Nested(FidelitySectionSchema), dump_only=True)
    scores = fields.List(fields.Nested(FidelityScoreSchema), dump_only=True)
    actions = fields.List(fields.Nested(FidelityActionSchema), dump_only=True)
