"""Small builders for the IPS report tests: rows through the real models in the current tenant."""

from __future__ import annotations

import itertools
import uuid
from datetime import date

from core.extensions import db
from core.plugins.api import Client
from plugins.ips.models import (
    IpsEmployer,
    IpsEmployerContact,
    IpsFidelityReview,
    IpsFidelityScore,
    IpsOutcome,
    IpsReferral,
    IpsRetentionCase,
)

_numbers = itertools.count(100)


def client(family: str) -> Client:
    person = Client(
        nhs_number=f"9998{next(_numbers):06d}",
        given_name="Report",
        family_name=family,
        date_of_birth=date(1984, 4, 4),
    )
    db.session.add(person)
    db.session.flush()
    return person


def referral(
    person: Client,
    accepted: date | None,
    *,
    closed: date | None = None,
    status: str | None = None,
    employment: str | None = None,
    specialist: uuid.UUID | None = None,
) -> IpsReferral:
    row = IpsReferral(
        client_id=person.id,
        source="mental_health_team",
        referred_on=(accepted or date(2020, 1, 1)),
        accepted_on=accepted,
        closed_on=closed,
        status=status or ("closed" if closed else ("accepted" if accepted else "referred")),
        close_reason="client_chose_to_stop" if closed else None,
        employment_status=employment,
        specialist_id=specialist,
    )
    db.session.add(row)
    db.session.flush()
    return row


def outcome(
    ref: IpsReferral,
    kind: str,
    started: date,
    *,
    ended: date | None = None,
    specialist: uuid.UUID | None = None,
    self_employed: bool = False,
) -> IpsOutcome:
    row = IpsOutcome(
        referral_id=ref.id,
        client_id=ref.client_id,
        kind=kind,
        title=f"{kind} start",
        started_on=started,
        ended_on=ended,
        specialist_id=specialist,
        self_employed=self_employed,
    )
    db.session.add(row)
    db.session.flush()
    return row


def retention(ref: IpsReferral, opened: date, closed: date | None, result: str | None) -> None:
    db.session.add(
        IpsRetentionCase(
            referral_id=ref.id,
            client_id=ref.client_id,
            opened_on=opened,
            employer_name="Harbour Cafe",
            closed_on=closed,
            result=result,
        )
    )
    db.session.flush()


def employer() -> IpsEmployer:
    row = IpsEmployer(name="Test Employer")
    db.session.add(row)
    db.session.flush()
    return row


def employer_contact(
    firm: IpsEmployer, specialist: uuid.UUID, person: Client, on: date, purpose: str
) -> None:
    db.session.add(
        IpsEmployerContact(
            employer_id=firm.id,
            specialist_id=specialist,
            contacted_on=on,
            contact_type="face_to_face",
            purpose=purpose,
            client_id=person.id,
        )
    )
    db.session.flush()


def fidelity_review(on: date, scores: dict[int, int]) -> None:
    review = IpsFidelityReview(reviewed_on=on, reviewer_type="internal", reviewers="Team")
    db.session.add(review)
    db.session.flush()
    db.session.add_all(
        IpsFidelityScore(review_id=review.id, item=item, score=value)
        for item, value in scores.items()
    )
    db.session.flush()
