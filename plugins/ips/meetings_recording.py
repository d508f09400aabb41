"""Joint caseload meetings with a Job Centre Plus office — recording: the meeting, the clients
discussed and the actions agreed, each checked in full before anything is written.

A client may be discussed only while shared with the meeting's office (``services.shared_with``,
core's own need-to-know clause); a refused client is a 422 naming the field and the office.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import Client, audit, db, visible_clients_clause

from . import meetings_services as services
from .common import IpsInvalid, IpsNotFound, as_uuid
from .meetings_services import Office
from .models import IpsJointMeeting, IpsJointMeetingAction, IpsJointMeetingClient

MEETING_FIELDS = ("held_on", "attendees", "notes")
ACTION_FIELDS = ("description", "owner", "due_on", "done_on", "client_id")


# --------------------------------------------------------------------------- rules


def check_meeting(values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    held_on = values.get("held_on")
    if held_on is None:
        errors["held_on"] = "Enter the date of the meeting."
    elif held_on > date.today():
        errors["held_on"] = "The meeting date must be today or in the past."
    attendees = [a.strip() for a in values.get("attendees") or [] if a and a.strip()]
    if not attendees:
        errors["attendees"] = "Enter who attended (a name and role on each line)."
    return errors


def check_clients(
    office: Office, entries: list[dict[str, Any]], already: set[uuid.UUID], prefix: str = "clients"
) -> dict[str, str]:
    """Every client must be one the viewer may see with an active share with ``office``.

    Unknown ids and other tenants' ids get the same message as a client of this tenant who is
    not shared: nothing tells them apart.
    """
    errors: dict[str, str] = {}
    wanted = {as_uuid(e.get("client_id")) for e in entries} - {None}
    allowed = set()
    if wanted:
        allowed = set(
            db.session.execute(
                sa.select(Client.id).where(
                    Client.id.in_(wanted),
                    services.shared_with(office.id),
                    visible_clients_clause(g.membership),
                )
            ).scalars()
        )
    seen = set(already)
    for index, entry in enumerate(entries):
        client_id = as_uuid(entry.get("client_id"))
        key = f"{prefix}.{index}.client_id" if prefix else "client_id"
        if client_id not in allowed:
            errors[key] = (
                f"This client is not shared with {office.name}: only clients with an active "
                "share with the office can be discussed."
            )
        elif client_id in seen:
            errors[key] = "This client is already discussed at this meeting."
        else:
            seen.add(client_id)
    return errors


def check_action(
    values: dict[str, Any], discussed_ids: set[uuid.UUID], key: str = ""
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not (values.get("description") or "").strip():
        errors[key + "description"] = "Enter what will be done."
    if not (values.get("owner") or "").strip():
        errors[key + "owner"] = "Enter who will do it."
    done = values.get("done_on")
    if done is not None and done > date.today():
        errors[key + "done_on"] = "The date it was done must be today or in the past."
    client_id = values.get("client_id")
    if client_id is not None and as_uuid(client_id) not in discussed_ids:
        errors[key + "client_id"] = "An action can only be about a client discussed at the meeting."
    return errors


# --------------------------------------------------------------------------- writing


def _discussed_ids(meeting: IpsJointMeeting) -> set[uuid.UUID]:
    return set(
        db.session.execute(
            sa.select(IpsJointMeetingClient.client_id).where(
                IpsJointMeetingClient.meeting_id == meeting.id
            )
        ).scalars()
    )


def create_meeting(office: Office, data: dict[str, Any]) -> IpsJointMeeting:
    """A meeting with ``office``, with any clients discussed and actions agreed: all of it is
    checked first, so a refused client leaves nothing half-written."""
    clients = list(data.get("clients") or [])
    actions = list(data.get("actions") or [])
    errors = check_meeting(data) | check_clients(office, clients, set())
    discussed_ids = {as_uuid(c.get("client_id")) for c in clients} - {None}
    for index, action in enumerate(actions):
        errors |= check_action(action, discussed_ids, f"actions.{index}.")
    if errors:
        raise IpsInvalid(errors)
    meeting = IpsJointMeeting(
        organisation_id=office.id,
        held_on=data["held_on"],
        attendees=[a.strip() for a in data["attendees"] if a and a.strip()],
        notes=data.get("notes") or None,
    )
    db.session.add(meeting)
    db.session.flush()
    for entry in clients:
        db.session.add(
            IpsJointMeetingClient(
                meeting_id=meeting.id,
                client_id=as_uuid(entry["client_id"]),
                discussion=entry.get("discussion") or None,
            )
        )
    for entry in actions:
        db.session.add(_new_action(meeting, entry))
    db.session.flush()
    audit(
        "ips.joint_meeting.create",
        object_type="ips_joint_meeting",
        object_id=meeting.id,
        details={
            "organisation_id": str(office.id),
            "clients": [str(as_uuid(c["client_id"])) for c in clients],
            "actions": len(actions),
        },
    )
    return meeting


def update_meeting(meeting: IpsJointMeeting, data: dict[str, Any]) -> IpsJointMeeting:
    merged = {k: getattr(meeting, k) for k in MEETING_FIELDS} | {
        k: v for k, v in data.items() if k in MEETING_FIELDS
    }
    errors = check_meeting(merged)
    if errors:
        raise IpsInvalid(errors)
    meeting.held_on = merged["held_on"]
    meeting.attendees = [a.strip() for a in merged["attendees"] if a and a.strip()]
    meeting.notes = merged["notes"] or None
    db.session.flush()
    audit(
        "ips.joint_meeting.update",
        object_type="ips_joint_meeting",
        object_id=meeting.id,
        details={"fields": sorted(k for k in data if k in MEETING_FIELDS)},
    )
    return meeting


def add_client(meeting: IpsJointMeeting, data: dict[str, Any]) -> IpsJointMeetingClient:
    """Record one more client discussed (only while shared with the meeting's office)."""
    name = services.office_names().get(meeting.organisation_id)
    if name is None:
        raise IpsNotFound()
    office = Office(meeting.organisation_id, name, True)
    errors = check_clients(office, [data], _discussed_ids(meeting), prefix="")
    if errors:
        raise IpsInvalid(errors)
    row = IpsJointMeetingClient(
        meeting_id=meeting.id,
        client_id=as_uuid(data["client_id"]),
        discussion=data.get("discussion") or None,
    )
    db.session.add(row)
    db.session.flush()
    audit(
        "ips.joint_meeting.client_add",
        object_type="ips_joint_meeting",
        object_id=meeting.id,
        details={"client_id": str(row.client_id)},
    )
    return row


def _action_values(values: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": values["description"].strip(),
        "owner": values["owner"].strip(),
        "due_on": values.get("due_on"),
        "done_on": values.get("done_on"),
        "client_id": as_uuid(values.get("client_id")) if values.get("client_id") else None,
    }


def _new_action(meeting: IpsJointMeeting, values: dict[str, Any]) -> IpsJointMeetingAction:
    return IpsJointMeetingAction(meeting_id=meeting.id, **_action_values(values))


def add_action(meeting: IpsJointMeeting, data: dict[str, Any]) -> IpsJointMeetingAction:
    errors = check_action(data, _discussed_ids(meeting))
    if errors:
        raise IpsInvalid(errors)
    action = _new_action(meeting, data)
    db.session.add(action)
    db.session.flush()
    audit(
        "ips.joint_meeting.action_add",
        object_type="ips_joint_meeting_action",
        object_id=action.id,
        details={"meeting_id": str(meeting.id)},
    )
    return action


def update_action(action: IpsJointMeetingAction, data: dict[str, Any]) -> IpsJointMeetingAction:
    """Change an action, most often to record that it is done."""
    merged = {k: getattr(action, k) for k in ACTION_FIELDS} | {
        k: v for k, v in data.items() if k in ACTION_FIELDS
    }
    meeting = services.find_meeting(action.meeting_id)
    errors = check_action(merged, _discussed_ids(meeting))
    if errors:
        raise IpsInvalid(errors)
    for key, value in _action_values(merged).items():
        setattr(action, key, value)
    db.session.flush()
    audit(
        "ips.joint_meeting.action_update",
        object_type="ips_joint_meeting_action",
        object_id=action.id,
        details={"fields": sorted(k for k in data if k in ACTION_FIELDS)},
    )
    return action
