"""IPS REST API: client satisfaction surveys — recording a client's answers, reading them, and
the summary of a period. ``ips.write`` records, ``ips.read`` reads; only clients the viewer may
see are ever counted or shown."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.plugins.api import db, guarded_update, requires, tenant_api_blueprint, with_etag

from . import READ, WRITE
from . import surveys_services as services
from .common import find_visible_client, paginated, problems
from .models import IpsSurvey
from .surveys_questions import QUESTIONS
from .surveys_schemas import (
    SurveyCreateSchema,
    SurveyFieldsSchema,
    SurveyPeriodSchema,
    SurveyQuestionSchema,
    SurveySchema,
    SurveySummarySchema,
)

blp = tenant_api_blueprint(
    "ips_surveys_api", __name__, url_prefix="/ips", description="IPS client satisfaction surveys"
)


def _period(query: dict[str, Any]) -> tuple[Any, Any]:
    start, end = services.default_period()
    return query.get("start") or start, query.get("end") or end


@blp.route("/survey-questions")
class Questions(MethodView):
    @requires(READ)
    @blp.response(200, SurveyQuestionSchema(many=True))
    def get(self):
        """The survey's questions, with the meaning of 1 to 5 for each."""
        return list(QUESTIONS)


@blp.route("/surveys")
class Surveys(MethodView):
    @requires(READ)
    @blp.arguments(SurveyPeriodSchema, location="query")
    @blp.response(200, SurveySchema(many=True))
    @paginated(blp)
    def get(self, query):
        """Surveys completed in the period (default: all of them so far), newest first."""
        return services.surveys_query(*_period(query))


@blp.route("/survey-summary")
class Summary(MethodView):
    @requires(READ)
    @blp.arguments(SurveyPeriodSchema, location="query")
    @blp.response(200, SurveySummarySchema)
    def get(self, query):
        """Responses in the period, and each question's mean and distribution of answers."""
        result = services.summary(*_period(query))
        return {
            "start": result.start,
            "end": result.end,
            "responses": result.responses,
            "questions": [
                {
                    "key": q.question.key,
                    "text": q.question.text,
                    "answered": q.answered,
                    "mean": q.mean,
                    "distribution": {str(k): v for k, v in q.distribution.items()},
                }
                for q in result.questions
            ],
        }


@blp.route("/clients/<client_id>/surveys")
class ClientSurveys(MethodView):
    @requires(READ)
    @blp.response(200, SurveySchema(many=True))
    @problems
    def get(self, client_id: str):
        """Every survey of one client, newest first."""
        client = find_visible_client(client_id)
        stmt = services.surveys_query().where(IpsSurvey.client_id == client.id)
        return list(db.session.execute(stmt).scalars())

    @requires(WRITE)
    @blp.arguments(SurveyCreateSchema)
    @blp.response(201, SurveySchema)
    @problems
    def post(self, data, client_id: str):
        """Record a client's survey (every question answered 1–5; a comment if they gave one)."""
        return services.record_survey(find_visible_client(client_id), data)


@blp.route("/surveys/<survey_id>")
class SurveyById(MethodView):
    @requires(READ)
    @blp.response(200, SurveySchema)
    @problems
    def get(self, survey_id: str):
        """One survey (reading a client's answers is audited)."""
        return with_etag(services.read_survey(survey_id))

    @requires(WRITE)
    @blp.arguments(SurveyFieldsSchema)
    @blp.response(200, SurveySchema)
    @problems
    def patch(self, data, survey_id: str):
        """Correct a survey: its date, answers, comment or referral."""
        survey = services.find_survey(survey_id)
        return guarded_update(survey, lambda row: services.update_survey(row, data))
