"""Client satisfaction surveys: recording a client's answers and the summary of a period
(responses, mean and distribution per question), limited to clients the viewer may see.

Services flush and audit; the request boundary commits (STYLE §5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import Client, audit, db, may_process_client

from .common import IpsInvalid, as_uuid, find_in, of_visible_clients
from .models import IpsSurvey
from .referral_services import referrals_of
from .surveys_questions import QUESTIONS, Question, check_answers

SURVEY_FIELDS = ("completed_on", "answers", "comments", "referral_id")


def default_period(today: date | None = None) -> tuple[date, date]:
    """Every response so far: from the first survey the viewer may see, to today."""
    end = today or date.today()
    first = db.session.execute(
        surveys_query().order_by(None).with_only_columns(sa.func.min(IpsSurvey.completed_on))
    ).scalar_one()
    return min(first or end, end), end


# --------------------------------------------------------------------------- reading


def surveys_query(start: date | None = None, end: date | None = None) -> sa.Select:
    """Surveys of clients the viewer may see, completed within the period, newest first."""
    stmt = of_visible_clients(IpsSurvey)
    if start is not None:
        stmt = stmt.where(IpsSurvey.completed_on >= start)
    if end is not None:
        stmt = stmt.where(IpsSurvey.completed_on <= end)
    return stmt.order_by(IpsSurvey.completed_on.desc(), IpsSurvey.created_at.desc())


def find_survey(survey_id: Any) -> IpsSurvey:
    return find_in(surveys_query(), IpsSurvey.id, survey_id)


def read_survey(survey_id: Any) -> IpsSurvey:
    """One survey, for showing: reading a client's answers is audited."""
    survey = find_survey(survey_id)
    audit(
        "ips.survey.read",
        object_type="ips_survey",
        object_id=survey.id,
        details={"client_id": str(survey.client_id)},
    )
    return survey


@dataclass
class QuestionSummary:
    question: Question
    answered: int = 0
    total: int = 0
    #: score 1..5 → number of answers.
    distribution: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))

    @property
    def mean(self) -> float | None:
        return round(self.total / self.answered, 2) if self.answered else None


@dataclass
class Summary:
    start: date
    end: date
    responses: int
    questions: list[QuestionSummary]


def summarise(surveys: list[IpsSurvey], start: date, end: date) -> Summary:
    """Responses, and per question the number answered, mean and distribution of 1–5.

    An answer outside 1–5 or to a retired question is left out (validation keeps new ones in).
    """
    per = {q.key: QuestionSummary(q) for q in QUESTIONS}
    for survey in surveys:
        for key, value in (survey.answers or {}).items():
            if key in per and isinstance(value, int) and 1 <= value <= 5:
                per[key].answered += 1
                per[key].total += value
                per[key].distribution[value] += 1
    return Summary(start, end, len(surveys), [per[q.key] for q in QUESTIONS])


def summary(start: date, end: date) -> Summary:
    """The period's figures over the surveys the viewer may see, leaving out clients whose
    processing is restricted (UK GDPR Art. 18) — for the information governance role too."""
    stmt = surveys_query(start, end).where(may_process_client(IpsSurvey.client_id))
    surveys = list(db.session.execute(stmt).scalars())
    return summarise(surveys, start, end)


# --------------------------------------------------------------------------- writing


def _check(client_id: Any, values: dict[str, Any]) -> dict[str, str]:
    errors = check_answers(dict(values.get("answers") or {}))
    completed = values.get("completed_on")
    if completed is None:
        errors["completed_on"] = "Enter the date the survey was completed."
    elif completed > date.today():
        errors["completed_on"] = "The date must be today or in the past."
    referral_id = values.get("referral_id")
    if referral_id is not None and as_uuid(referral_id) not in {
        r.id for r in referrals_of(client_id)
    }:
        errors["referral_id"] = "That is not one of this client's IPS referrals."
    return errors


def record_survey(client: Client, data: dict[str, Any]) -> IpsSurvey:
    values = {k: data.get(k) for k in SURVEY_FIELDS}
    errors = _check(client.id, values)
    if errors:
        raise IpsInvalid(errors)
    survey = IpsSurvey(
        client_id=client.id,
        referral_id=as_uuid(values["referral_id"]) if values["referral_id"] else None,
        completed_on=values["completed_on"],
        answers=dict(values["answers"]),
        comments=values.get("comments") or None,
    )
    db.session.add(survey)
    db.session.flush()
    audit(
        "ips.survey.create",
        object_type="ips_survey",
        object_id=survey.id,
        details={"client_id": str(client.id)},
    )
    return survey


def update_survey(survey: IpsSurvey, data: dict[str, Any]) -> IpsSurvey:
    merged = {k: getattr(survey, k) for k in SURVEY_FIELDS} | {
        k: v for k, v in data.items() if k in SURVEY_FIELDS
    }
    errors = _check(survey.client_id, merged)
    if errors:
        raise IpsInvalid(errors)
    survey.completed_on = merged["completed_on"]
    survey.answers = dict(merged["answers"])
    survey.comments = merged["comments"] or None
    survey.referral_id = as_uuid(merged["referral_id"]) if merged["referral_id"] else None
    db.session.flush()
    audit(
        "ips.survey.update",
        object_type="ips_survey",
        object_id=survey.id,
        details={"client_id": str(survey.client_id), "fields": sorted(data)},
    )
    return survey
