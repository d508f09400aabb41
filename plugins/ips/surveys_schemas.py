"""API schemas of client satisfaction surveys. The answers object has one 1–5 field per
question of ``surveys_questions`` (so the OpenAPI document lists the questions)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from core.plugins.api import EventDate

from .surveys_questions import QUESTIONS

_ONE_TO_FIVE = validate.Range(min=1, max=5, error="Answer from 1 to 5.")

AnswersSchema = Schema.from_dict(
    {
        q.key: fields.Integer(
            required=True, strict=True, validate=_ONE_TO_FIVE, metadata={"description": q.text}
        )
        for q in QUESTIONS
    },
    name="SurveyAnswers",
)


class SurveyFieldsSchema(Schema):
    """What can be changed on a survey (PATCH: every field optional)."""

    completed_on = EventDate("Date completed")
    answers = fields.Nested(AnswersSchema)
    comments = fields.String(allow_none=True, validate=validate.Length(max=4000))
    referral_id = fields.UUID(
        allow_none=True, metadata={"description": "One of the client's IPS referrals, if known."}
    )


class SurveyCreateSchema(SurveyFieldsSchema):
    completed_on = EventDate("Date completed", required=True)
    answers = fields.Nested(AnswersSchema, required=True)


class SurveySchema(SurveyFieldsSchema):
    id = fields.UUID(dump_only=True)
    client_id = fields.UUID(dump_only=True)
    answers = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True)


class SurveyPeriodSchema(Schema):
    start = fields.Date(metadata={"description": "From this date (inclusive)."})
    end = fields.Date(metadata={"description": "To this date (inclusive)."})


class SurveyQuestionSchema(Schema):
    key = fields.String()
    text = fields.String()
    scale = fields.List(fields.String())


class SurveyQuestionSummarySchema(Schema):
    key = fields.String()
    text = fields.String()
    answered = fields.Integer()
    mean = fields.Float(allow_none=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer())


class SurveySummarySchema(Schema):
    start = fields.Date()
    end = fields.Date()
    responses = fields.Integer()
    questions = fields.List(fields.Nested(SurveyQuestionSummarySchema))
