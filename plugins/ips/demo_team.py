"""The team half of the IPS demo: who the specialists are, joint caseload meetings with the Job
Centre Plus offices (only about clients shared with that office), fidelity reviews showing a
rising trend with action plans, and client satisfaction surveys.

The team itself is named in :data:`DEMO_STAFF` (``register_demo_staff``): core makes those people
with its own demo people, before any plugin's demo data. The shares behind the joint meetings go
through core's consent and sharing services (``give_consent``, ``share_with``), so the demo follows
the same need-to-know rules as real records.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import g

from core.plugins.api import (
    Client,
    DemoStaff,
    Membership,
    Organisation,
    current_tenant_id,
    db,
    give_consent,
    share_with,
)

from . import surveys_questions
from .common import specialists
from .models import (
    IpsFidelityAction,
    IpsFidelityReview,
    IpsFidelityScore,
    IpsJointMeeting,
    IpsJointMeetingAction,
    IpsJointMeetingClient,
    IpsSurvey,
)

if TYPE_CHECKING:
    from .demo import DemoWorld

#: (days ago, reviewer type, reviewers, target total): fair, fair, then good.
REVIEWS = (
    (330, "external", "IPS Grow regional reviewers", 81),
    (170, "lived_experience", "Quality consultant with lived experience and team leader", 93),
    (30, "external", "IPS Grow regional reviewers", 104),
)
SURVEYS = 150


#: The trust's IPS team, the work coach's IPS role and the lead role for the demo administrator.
DEMO_STAFF = (
    DemoStaff(roles=("ips_team_leader",), person=("ips-lead", "Imogen Ince")),
    DemoStaff(roles=("employment_specialist",), person=("es-moore", "Ellis Moore")),
    DemoStaff(roles=("employment_specialist",), person=("es-iqbal", "Sana Iqbal")),
    DemoStaff(roles=("employment_specialist",), person=("es-rees", "Tom Rees")),
    DemoStaff(roles=("employment_specialist",), person=("es-obi", "Grace Obi")),
    DemoStaff(roles=("jcp_advisor",), organisation_kind="job_centre_plus", partner=True),
    DemoStaff(roles=("ips_team_leader",), administrators=True),
)


def ips_staff() -> dict[str, Any]:
    """Active employment specialists (by name) and the first IPS team leader."""
    staff = specialists()
    return {
        "specialists": [m.id for m in staff if "employment_specialist" in (m.roles or [])],
        "lead": next((m.id for m in staff if "ips_team_leader" in (m.roles or [])), None),
    }


def jcp_offices() -> list[uuid.UUID]:
    stmt = (
        sa.select(Organisation.id)
        .where(
            Organisation.tenant_id == current_tenant_id(),
            Organisation.kind == "job_centre_plus",
            Organisation.partner.is_(True),
            Organisation.active.is_(True),
        )
        .order_by(Organisation.key)
    )
    return list(db.session.execute(stmt).scalars())


def load(world: DemoWorld) -> dict[str, int]:
    counts = {"joint meetings": 0, "fidelity reviews": 0, "surveys": 0}
    if world.jcp_offices and world.lead is not None:
        counts["joint meetings"] = _joint_meetings(world)
    counts["fidelity reviews"] = _fidelity_reviews(world)
    counts["surveys"] = _surveys(world)
    return counts


# ----------------------------------------------------------------------------- joint meetings


def _share_with_office(client: Client, office: uuid.UUID, given_on: Any) -> None:
    """Consent for the joint caseload and a share with ``office``, through core's services."""
    consent = give_consent(
        client, {"purpose": "jcp_joint_caseload", "method": "verbal", "given_on": given_on}
    )
    share_with(client, office, consent.id, None)


def _joint_meetings(world: DemoWorld) -> int:
    """Two meetings per office; each discusses clients referred by Job Centre Plus who agreed
    to the joint caseload (shared with that office), with an action agreed per meeting."""
    rng, today = world.rng, world.today
    candidates = [
        r
        for r in world.referrals
        if r.source == "job_centre_plus" and r.accepted_on and not r.closed_on
    ]
    rng.shuffle(candidates)
    previous = g.get("membership")
    g.membership = db.session.get(Membership, world.lead)
    meetings = 0
    try:
        for index, office in enumerate(world.jcp_offices):
            mine = candidates[index * 5 : index * 5 + 5]
            for referral in mine:
                _share_with_office(world.clients[referral.client_id], office, referral.accepted_on)
            for days_ago in (70, 14):
                meeting = IpsJointMeeting(
                    id=uuid.uuid4(),
                    organisation_id=office,
                    held_on=today - timedelta(days=days_ago),
                    attendees=["Imogen Ince (IPS team leader)", "Jamie Work Coach (JCP)"],
                    notes="Joint caseload review: job search progress and benefit questions.",
                )
                db.session.add(meeting)
                db.session.flush()
                discussed = rng.sample(mine, min(len(mine), rng.randrange(2, 5)))
                db.session.add_all(
                    IpsJointMeetingClient(
                        meeting_id=meeting.id,
                        client_id=r.client_id,
                        discussion=rng.choice(
                            [
                                "Interview next week",
                                "Better-off calculation needed",
                                "Started a trial shift",
                                "Wants to look at retail jobs",
                            ]
                        ),
                    )
                    for r in discussed
                )
                if discussed:
                    db.session.add(
                        IpsJointMeetingAction(
                            meeting_id=meeting.id,
                            client_id=discussed[0].client_id,
                            description="Check how work affects the Universal Credit claim",
                            owner="Work coach",
                            due_on=meeting.held_on + timedelta(days=14),
                            done_on=meeting.held_on + timedelta(days=10) if days_ago > 30 else None,
                        )
                    )
                meetings += 1
        db.session.flush()
    finally:
        g.membership = previous
    return meetings


# ----------------------------------------------------------------------------- fidelity


def _scores_for(rng: Any, target: int) -> dict[int, int]:
    """25 item scores (1–5) adding up to ``target``, spread unevenly like a real review."""
    scores = dict.fromkeys(range(1, 26), 3)
    step = 1 if target >= 75 else -1
    while sum(scores.values()) != target:
        item = rng.randrange(1, 26)
        if 1 <= scores[item] + step <= 5:
            scores[item] += step
    return scores


def _fidelity_reviews(world: DemoWorld) -> int:
    rng = world.rng
    for days_ago, reviewer_type, reviewers, target in REVIEWS:
        review = IpsFidelityReview(
            id=uuid.uuid4(),
            reviewed_on=world.today - timedelta(days=days_ago),
            reviewer_type=reviewer_type,
            reviewers=reviewers,
            summary=f"Total {target}. Strong integration with the community teams; job "
            "development needs more regular employer contact.",
        )
        db.session.add(review)
        db.session.flush()
        scores = _scores_for(rng, target)
        db.session.add_all(
            IpsFidelityScore(review_id=review.id, item=item, score=value, evidence="Record checks")
            for item, value in scores.items()
        )
        lowest = sorted(scores, key=lambda item: (scores[item], item))[:2]
        db.session.add_all(
            IpsFidelityAction(
                review_id=review.id,
                item=item,
                description=f"Raise item {item} from {scores[item]}: agree a plan at team meeting",
                owner="IPS team leader",
                due_on=review.reviewed_on + timedelta(days=90),
                done_on=review.reviewed_on + timedelta(days=80) if days_ago > 100 else None,
            )
            for item in lowest
        )
    db.session.flush()
    return len(REVIEWS)


# ----------------------------------------------------------------------------- surveys


def _surveys(world: DemoWorld) -> int:
    rng = world.rng
    accepted = [r for r in world.referrals if r.accepted_on]
    chosen = rng.sample(accepted, min(SURVEYS, len(accepted)))
    rows = []
    for referral in chosen:
        day = world.day_between(
            referral.accepted_on + timedelta(days=30), referral.closed_on or world.today
        )
        if day > world.today:
            continue
        rows.append(
            IpsSurvey(
                client_id=referral.client_id,
                referral_id=referral.id,
                completed_on=day,
                answers={key: rng.choice([2, 3, 4, 4, 5, 5, 5]) for key in surveys_questions.KEYS},
                comments=rng.choice(
                    [
                        None,
                        "My specialist really listened.",
                        "Help with the interview made the difference.",
                    ]
                ),
            )
        )
    db.session.add_all(rows)
    return len(rows)
