"""IPS REST API: joint caseload meetings with Job Centre Plus.

Staff with ``ips.meetings`` record meetings; a work coach (``ips.partner_read``, partner staff)
reads only their own office's meetings, and in them only clients still shared with it. A meeting
is created under its office (``/job-centres/<organisation_id>/meetings``); every client discussed
must be shared with that office, else 422 naming the field, and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from core.plugins.api import guarded_update, requires, tenant_api_blueprint, with_etag

from . import MEETINGS, PARTNER_READ
from . import meetings_recording as recording
from . import meetings_services as services
from .common import client_names, paginated, problems, requires_any
from .meetings_schemas import (
    DiscussedClientSchema,
    MeetingActionFieldsSchema,
    MeetingActionSchema,
    MeetingCreateSchema,
    MeetingFieldsSchema,
    MeetingSchema,
    MeetingSummarySchema,
)
from .models import IpsJointMeeting

blp = tenant_api_blueprint(
    "ips_meetings_api",
    __name__,
    url_prefix="/ips",
    description="IPS joint caseload meetings with Job Centre Plus",
)


def summaries(meetings: list[IpsJointMeeting]) -> list[dict[str, Any]]:
    names = services.office_names()
    return [
        {
            "id": m.id,
            "organisation_id": m.organisation_id,
            "organisation_name": names.get(m.organisation_id, ""),
            "held_on": m.held_on,
            "attendees": m.attendees,
        }
        for m in meetings
    ]


def action_out(action: Any, name: str | None = None) -> dict[str, Any]:
    fields = ("id", "meeting_id", *recording.ACTION_FIELDS)
    return {k: getattr(action, k) for k in fields} | {
        "client_name": name,
        "overdue": services.is_overdue(action),
    }


def detail(meeting: IpsJointMeeting) -> dict[str, Any]:
    return summaries([meeting])[0] | {
        "notes": meeting.notes,
        "clients": [
            {"id": r.id, "client_id": r.client_id, "client_name": n, "discussion": r.discussion}
            for r, n in services.discussed(meeting)
        ],
        "actions": [action_out(a, n) for a, n in services.actions_of(meeting)],
    }


@blp.route("/meetings")
class Meetings(MethodView):
    @requires_any(MEETINGS, PARTNER_READ)
    @blp.response(200, MeetingSummarySchema(many=True))
    @paginated(blp, transform=summaries)
    def get(self):
        """Joint meetings, newest first (a work coach: their own office's only)."""
        return services.meetings_query()


@blp.route("/job-centres/<organisation_id>/meetings")
class OfficeMeetings(MethodView):
    @requires_any(MEETINGS, PARTNER_READ)
    @blp.response(200, MeetingSummarySchema(many=True))
    @paginated(blp, transform=summaries)
    @problems
    def get(self, organisation_id: str):
        """The meetings held with one Job Centre Plus office, newest first."""
        office = services.find_office(organisation_id)
        return services.meetings_query().where(IpsJointMeeting.organisation_id == office.id)

    @requires(MEETINGS)
    @blp.arguments(MeetingCreateSchema)
    @blp.response(201, MeetingSchema)
    @problems
    def post(self, data, organisation_id: str):
        """Record a meeting with this office, the clients discussed and the actions agreed."""
        office = services.find_office(organisation_id)
        return detail(recording.create_meeting(office, data))


@blp.route("/meetings/<meeting_id>")
class MeetingById(MethodView):
    @requires_any(MEETINGS, PARTNER_READ)
    @blp.response(200, MeetingSchema)
    @problems
    def get(self, meeting_id: str):
        """One meeting: attendees, notes, clients discussed (still visible to you), actions."""
        meeting = services.find_meeting(meeting_id)
        return with_etag(meeting, body=detail(meeting))

    @requires(MEETINGS)
    @blp.arguments(MeetingFieldsSchema)
    @blp.response(200, MeetingSchema)
    @problems
    def patch(self, data, meeting_id: str):
        """Change the date, attendees or notes."""
        meeting = services.find_meeting(meeting_id)
        return guarded_update(meeting, lambda row: detail(recording.update_meeting(row, data)))


@blp.route("/meetings/<meeting_id>/clients")
class MeetingClients(MethodView):
    @requires(MEETINGS)
    @blp.arguments(DiscussedClientSchema)
    @blp.response(201, DiscussedClientSchema)
    @problems
    def post(self, data, meeting_id: str):
        """Record one more client discussed (only a client shared with the meeting's office)."""
        row = recording.add_client(services.find_meeting(meeting_id), data)
        return {
            "id": row.id,
            "client_id": row.client_id,
            "client_name": client_names({row.client_id}).get(row.client_id, ""),
            "discussion": row.discussion,
        }


@blp.route("/meetings/<meeting_id>/actions")
class MeetingActions(MethodView):
    @requires(MEETINGS)
    @blp.arguments(MeetingActionSchema)
    @blp.response(201, MeetingActionSchema)
    @problems
    def post(self, data, meeting_id: str):
        """Add an action agreed at the meeting (optionally about one client discussed)."""
        return action_out(recording.add_action(services.find_meeting(meeting_id), data))


@blp.route("/meeting-actions/<meeting_action_id>")
class MeetingActionById(MethodView):
    @requires(MEETINGS)
    @blp.response(200, MeetingActionSchema)
    @problems
    def get(self, meeting_action_id: str):
        """One agreed action; its ETag is needed to change it."""
        action = services.find_action(meeting_action_id)
        return with_etag(action, body=action_out(action))

    @requires(MEETINGS)
    @blp.arguments(MeetingActionFieldsSchema)
    @blp.response(200, MeetingActionSchema)
    @problems
    def patch(self, data, meeting_action_id: str):
        """Change an action, or record the date it was done."""
        action = services.find_action(meeting_action_id)
        return guarded_update(action, lambda row: action_out(recording.update_action(row, data)))
