"""Forms of the survey pages: the survey (one radio group per question) and the period of the
summary."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from .form_fields import NhsDateField, SelectField
from .surveys_questions import QUESTIONS


class SurveyForm(FlaskForm):
    """A client's answers. Question fields (``q_<key>``) are added below."""

    client_id = SelectField("Client", validators=[InputRequired("Choose the client.")])
    completed_on = NhsDateField(
        "Date completed", validators=[InputRequired("Enter the date the survey was completed.")]
    )
    comments = TextAreaField(
        "Anything else the client wanted to say", validators=[Optional(), Length(max=4000)]
    )

    def answers(self) -> dict[str, Any]:
        return {
            q.key: int(self[f"q_{q.key}"].data)
            for q in QUESTIONS
            if self[f"q_{q.key}"].data not in (None, "")
        }


for _question in QUESTIONS:
    setattr(
        SurveyForm,
        f"q_{_question.key}",
        RadioField(
            _question.text,
            choices=[(str(n), f"{n} – {label}") for n, label in enumerate(_question.scale, 1)],
            validators=[InputRequired(f"Choose an answer to “{_question.text}”")],
        ),
    )


class PeriodForm(FlaskForm):
    """The summary's period (a GET form: no CSRF token needed to read)."""

    class Meta:
        csrf = False

    start = NhsDateField("From", validators=[Optional()], recorded=False)
    end = NhsDateField("To", validators=[Optional()], recorded=False)
