"""Forms of the fidelity pages: the review (details plus a score and evidence for each of the 25
items, grouped by section on the page) and an action of the plan."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from . import codes
from .fidelity_scale import ITEMS, MAX_SCORE, MIN_SCORE
from .form_fields import NhsDateField, SelectField

SCORE_CHOICES = [("", "Not scored yet")] + [
    (str(n), str(n)) for n in range(MIN_SCORE, MAX_SCORE + 1)
]
ITEM_CHOICES = [("", "No particular item")] + [
    (str(item.number), f"{item.number}. {item.title}") for item in ITEMS
]


def score_field(number: int) -> str:
    return f"item_{number}"


def evidence_field(number: int) -> str:
    return f"evidence_{number}"


class ReviewForm(FlaskForm):
    """A fidelity review. Item fields are added below, one score and one evidence per item."""

    reviewed_on = NhsDateField(
        "Date of the review", validators=[InputRequired("Enter the date of the review.")]
    )
    reviewer_type = RadioField(
        "Who carried out the review?",
        choices=list(codes.REVIEWER_TYPES),
        validators=[InputRequired("Choose who carried out the review.")],
    )
    reviewers = StringField(
        "Reviewers",
        validators=[DataRequired("Enter the reviewers' names."), Length(max=300)],
    )
    summary = TextAreaField("Summary of findings", validators=[Optional(), Length(max=8000)])

    def scores(self) -> list[dict[str, Any]]:
        """The items given a score, as the service takes them."""
        out = []
        for item in ITEMS:
            value = self[score_field(item.number)].data
            if value:
                evidence = self[evidence_field(item.number)].data or None
                out.append({"item": item.number, "score": int(value), "evidence": evidence})
        return out

    def fill_scores(self, scores: dict[int, Any]) -> None:
        """Show a review's stored scores (on GET only: a POST keeps what was typed)."""
        for number, row in scores.items():
            self[score_field(number)].data = str(row.score)
            self[evidence_field(number)].data = row.evidence or ""


for _item in ITEMS:
    setattr(
        ReviewForm,
        score_field(_item.number),
        SelectField(
            f"Score for item {_item.number}: {_item.title}",
            choices=SCORE_CHOICES,
            validate_choice=False,  # AnyOf says which item is wrong, in words
            validators=[
                Optional(),
                AnyOf(
                    [v for v, _label in SCORE_CHOICES if v],
                    message=f"Score item {_item.number} from {MIN_SCORE} to {MAX_SCORE}.",
                ),
            ],
        ),
    )
    setattr(
        ReviewForm,
        evidence_field(_item.number),
        TextAreaField(
            f"Evidence for item {_item.number}", validators=[Optional(), Length(max=4000)]
        ),
    )


class ActionForm(FlaskForm):
    """An action of the plan after a review."""

    description = TextAreaField(
        "What will be done", validators=[DataRequired("Enter what will be done."), Length(max=4000)]
    )
    item = SelectField("Scale item it answers", choices=ITEM_CHOICES, validators=[Optional()])
    owner = StringField(
        "Who will do it", validators=[DataRequired("Enter who will do it."), Length(max=120)]
    )
    due_on = NhsDateField(
        "Due date", validators=[InputRequired("Enter the due date.")], planned=True
    )
    done_on = NhsDateField("Date done (leave blank until it is done)", validators=[Optional()])

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description.data,
            "item": int(self.item.data) if self.item.data else None,
            "owner": self.owner.data,
            "due_on": self.due_on.data,
            "done_on": self.done_on.data,
        }
