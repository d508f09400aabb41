"""What IPS adds to one client's record: the timeline events and the subject-access export
(every IPS row about the client), and the Job Centre Plus summary.

The tables are read directly (not through the other slices' services) so the record stays whole
whichever slices are finished; callers have already checked the client is visible.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from core.plugins.api import db, member_names

from . import codes
from . import models as m
from .referral_services import referrals_of

#: How a start reads in the client's timeline ("Started a paid job: Weekend cafe job").
STARTED = {
    "paid_job": "a paid job",
    "education": "education or training",
    "voluntary": "voluntary work",
    "work_experience": "work experience",
}


def _rows(model: type, *where: Any) -> list[Any]:
    return list(db.session.execute(sa.select(model).where(*where)).scalars())


def _plain(obj: Any) -> dict[str, Any]:
    """A row as JSON-ready values (the tenant id left out: it is not about the person)."""
    out: dict[str, Any] = {}
    for column in obj.__table__.columns:
        if column.key == "tenant_id":
            continue
        value = getattr(obj, column.key)
        if isinstance(value, uuid.UUID | date | Decimal):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[column.key] = value
    return out


def client_rows(client_id: uuid.UUID) -> dict[str, list[Any]]:
    """Every IPS row about the client, by kind."""
    referrals = referrals_of(client_id)
    referral_ids = [r.id for r in referrals] or [uuid.UUID(int=0)]
    discussed = _rows(m.IpsJointMeetingClient, m.IpsJointMeetingClient.client_id == client_id)
    meeting_ids = [d.meeting_id for d in discussed] or [uuid.UUID(int=0)]
    return {
        "referrals": referrals,
        "vocational_profiles": _rows(
            m.IpsVocationalProfile, m.IpsVocationalProfile.referral_id.in_(referral_ids)
        ),
        "benefits_advice": _rows(
            m.IpsBenefitsAdvice, m.IpsBenefitsAdvice.referral_id.in_(referral_ids)
        ),
        "starts": _rows(m.IpsOutcome, m.IpsOutcome.client_id == client_id),
        "support_contacts": _rows(
            m.IpsSupportContact, m.IpsSupportContact.referral_id.in_(referral_ids)
        ),
        "employer_contacts": _rows(
            m.IpsEmployerContact, m.IpsEmployerContact.client_id == client_id
        ),
        "retention_cases": _rows(m.IpsRetentionCase, m.IpsRetentionCase.client_id == client_id),
        "joint_meetings": _rows(m.IpsJointMeeting, m.IpsJointMeeting.id.in_(meeting_ids)),
        "joint_meeting_discussions": discussed,
        "joint_meeting_actions": _rows(
            m.IpsJointMeetingAction, m.IpsJointMeetingAction.client_id == client_id
        ),
        "surveys": _rows(m.IpsSurvey, m.IpsSurvey.client_id == client_id),
    }


def export_records(client_id: uuid.UUID) -> dict[str, list[dict[str, Any]]]:
    """Everything IPS holds about one client, JSON-ready (subject access)."""
    return {kind: [_plain(row) for row in rows] for kind, rows in client_rows(client_id).items()}


def timeline_events(client_id: uuid.UUID) -> list[tuple[date, str, str]]:
    """(day, kind, summary) for the client's timeline, newest first."""
    rows = client_rows(client_id)
    events: list[tuple[date, str, str]] = []
    for r in rows["referrals"]:
        source = codes.label(codes.REFERRAL_SOURCES, r.source)
        events.append((r.referred_on, "ips.referral", f"Referred to IPS ({source})"))
        if r.accepted_on:
            events.append((r.accepted_on, "ips.accepted", "Accepted by the IPS service"))
        if r.closed_on:
            reason = codes.label(codes.CLOSE_REASONS, r.close_reason)
            events.append((r.closed_on, "ips.closed", f"IPS support ended: {reason}"))
    for o in rows["starts"]:
        events.append((o.started_on, "ips.start", f"Started {STARTED[o.kind]}: {o.title}"))
        if o.ended_on:
            events.append((o.ended_on, "ips.start_ended", f"Ended: {o.title}"))
    for s in rows["support_contacts"]:
        events.append((s.contacted_on, "ips.support", "In-work support contact"))
    for e in rows["employer_contacts"]:
        events.append((e.contacted_on, "ips.employer_contact", "Employer contacted about a job"))
    for c in rows["retention_cases"]:
        events.append((c.opened_on, "ips.retention", "Employment retention case opened"))
        if c.closed_on:
            result = codes.label(codes.RETENTION_RESULTS, c.result)
            events.append((c.closed_on, "ips.retention_closed", f"Retention case closed: {result}"))
    for meeting in rows["joint_meetings"]:
        events.append(
            (meeting.held_on, "ips.joint_meeting", "Discussed at a Job Centre Plus joint meeting")
        )
    for survey in rows["surveys"]:
        events.append((survey.completed_on, "ips.survey", "IPS satisfaction survey completed"))
    return sorted(events, key=lambda e: e[0], reverse=True)


def partner_summary(client_id: uuid.UUID) -> list[dict[str, Any]]:
    """The Job Centre Plus need-to-know view: each episode's status, source, dates, specialist,
    and its starts (kind, dates, hours band) — nothing from the profile, advice or notes."""
    referrals = referrals_of(client_id)
    names = member_names({r.specialist_id for r in referrals})
    starts = _rows(m.IpsOutcome, m.IpsOutcome.client_id == client_id)
    return [
        {
            "id": r.id,
            "client_id": r.client_id,
            "status": r.status,
            "source": r.source,
            "referred_on": r.referred_on,
            "accepted_on": r.accepted_on,
            "closed_on": r.closed_on,
            "specialist_name": names.get(r.specialist_id) if r.specialist_id else None,
            "starts": [
                {
                    "kind": o.kind,
                    "started_on": o.started_on,
                    "ended_on": o.ended_on,
                    "hours_band": o.hours_band,
                }
                for o in sorted(starts, key=lambda o: o.started_on)
                if o.referral_id == r.id
            ],
        }
        for r in referrals
    ]
