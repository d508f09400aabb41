"""The client satisfaction survey, as data: statements scored 1–5 (strongly disagree … strongly
agree), an overall rating 1–5, and a free-text comment (``IpsSurvey.comments``).

Answers are stored keyed by ``Question.key``, so a question can be reworded without losing the
answers given; retiring a key leaves old answers in place and out of the summary.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    #: Labels of 1..5, lowest first.
    scale: tuple[str, str, str, str, str]


AGREEMENT = (
    "Strongly disagree",
    "Disagree",
    "Neither agree nor disagree",
    "Agree",
    "Strongly agree",
)
HELPFULNESS = (
    "Not at all helpful",
    "Slightly helpful",
    "Moderately helpful",
    "Very helpful",
    "Extremely helpful",
)

STATEMENTS: tuple[Question, ...] = (
    Question(
        "listened", "My employment specialist listened to what kind of work I want", AGREEMENT
    ),
    Question("quick_start", "We started looking for work soon after I joined", AGREEMENT),
    Question("benefits", "I got clear advice on how working would affect my benefits", AGREEMENT),
    Question(
        "employers", "My employment specialist helped me get in touch with employers", AGREEMENT
    ),
    Question(
        "respect", "I was treated with respect and my choices were taken seriously", AGREEMENT
    ),
    Question("in_work", "I knew I could get support once I started work or a course", AGREEMENT),
)
OVERALL = Question("helpful", "Overall, how helpful has the IPS service been?", HELPFULNESS)
QUESTIONS: tuple[Question, ...] = (*STATEMENTS, OVERALL)
KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)
BY_KEY: dict[str, Question] = {q.key: q for q in QUESTIONS}


def check_answers(answers: dict[str, object]) -> dict[str, str]:
    """Per-field problems (``answers.<key>``): every question answered 1–5, no unknown keys."""
    errors: dict[str, str] = {}
    for key in answers:
        if key not in BY_KEY:
            errors[f"answers.{key}"] = f"There is no question {key!r} in the survey."
    for question in QUESTIONS:
        value = answers.get(question.key)
        if value is None:
            errors[f"answers.{question.key}"] = f"Choose an answer to “{question.text}”"
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[f"answers.{question.key}"] = f"Answer from 1 to 5 (you gave {value})."
    return errors
