"""Forms of the joint meeting pages. Choices (offices, clients) are filled by the view from what
the viewer may see, so a tampered post fails as "not a valid choice" before the service's own
sharing check runs."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from .form_fields import NhsDateField, SelectField


class MeetingForm(FlaskForm):
    """A meeting: when, who came, notes. ``organisation_id`` is removed when changing one."""

    organisation_id = SelectField(
        "Job Centre Plus office", validators=[InputRequired("Choose the Job Centre Plus office.")]
    )
    held_on = NhsDateField(
        "Date of the meeting", validators=[InputRequired("Enter the date of the meeting.")]
    )
    attendees = TextAreaField(
        "Who attended",
        validators=[DataRequired("Enter who attended."), Length(max=8000)],
    )
    notes = TextAreaField("Notes", validators=[Optional(), Length(max=8000)])

    def values(self) -> dict[str, Any]:
        return {
            "held_on": self.held_on.data,
            "attendees": [line.strip() for line in self.attendees.data.splitlines()],
            "notes": self.notes.data,
        }


class DiscussedClientForm(FlaskForm):
    client_id = SelectField(
        "Client discussed", validators=[InputRequired("Choose the client discussed.")]
    )
    discussion = TextAreaField("What was discussed", validators=[Optional(), Length(max=4000)])


class MeetingActionForm(FlaskForm):
    description = TextAreaField(
        "What will be done", validators=[DataRequired("Enter what will be done."), Length(max=4000)]
    )
    owner = StringField(
        "Who will do it", validators=[DataRequired("Enter who will do it."), Length(max=120)]
    )
    client_id = SelectField("About a client discussed (optional)", validators=[Optional()])
    due_on = NhsDateField("Due date (optional)", validators=[Optional()], planned=True)
    done_on = NhsDateField("Date done (leave blank until it is done)", validators=[Optional()])

    def values(self) -> dict[str, Any]:
        return {
            "description": self.description.data,
            "owner": self.owner.data,
            "client_id": self.client_id.data or None,
            "due_on": self.due_on.data,
            "done_on": self.done_on.data,
        }
