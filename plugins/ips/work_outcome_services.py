"""IPS work slice, part 2: starts (jobs, education, voluntary work, work experience), in-work
support and employment retention cases, each tied to an accepted episode of the client.

A paid job moves its episode to ``in_work``; ending the last current job moves it back to
``job_search`` (support is time-unlimited: the episode stays open).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import Client, audit, db

from . import codes
from .common import IpsInvalid, IpsNotFound, as_uuid, find_visible_client
from .models import IpsOutcome, IpsReferral, IpsRetentionCase, IpsSupportContact
from .work_services import credited_specialist, employer_or_error, merged, write_update

SEARCHING = frozenset({"accepted", "job_search"})


# --------------------------------------------------------------------------- episodes


def episode_for(client: Client, referral_id: Any, field: str = "referral_id") -> IpsReferral:
    """The client's accepted episode named by ``referral_id``; without one, the client's newest
    open accepted episode. Anything else is a per-field error (never another client's)."""
    referrals = db.session.execute(
        sa.select(IpsReferral)
        .where(IpsReferral.client_id == client.id)
        .order_by(IpsReferral.accepted_on.desc().nulls_last(), IpsReferral.id)
    ).scalars()
    referrals = list(referrals)
    if referral_id:
        wanted = as_uuid(referral_id)
        chosen = next((r for r in referrals if r.id == wanted), None)
        if chosen is None:
            raise IpsInvalid({field: "Choose an IPS referral of this client."})
    else:
        chosen = next((r for r in referrals if r.accepted_on and r.status != "closed"), None)
        if chosen is None:
            raise IpsInvalid({field: "This client has no accepted IPS referral."})
    if chosen.accepted_on is None:
        raise IpsInvalid({field: "The referral has not been accepted yet."})
    return chosen


def accepted_episodes(client: Client) -> list[IpsReferral]:
    """Choices for forms: the client's accepted episodes, newest first."""
    return list(
        db.session.execute(
            sa.select(IpsReferral)
            .where(IpsReferral.client_id == client.id, IpsReferral.accepted_on.is_not(None))
            .order_by(IpsReferral.accepted_on.desc(), IpsReferral.id)
        ).scalars()
    )


def _open_on(referral: IpsReferral, day: date, field: str, what: str) -> dict[str, str]:
    if referral.accepted_on and day < referral.accepted_on:
        accepted = f"{referral.accepted_on:%-d %B %Y}"
        return {field: f"The {what} is before the referral was accepted ({accepted})."}
    if referral.closed_on and day > referral.closed_on:
        return {field: f"The {what} is after the referral closed ({referral.closed_on:%-d %B %Y})."}
    return {}


def _not_future(values: dict[str, Any], field: str, words: str) -> dict[str, str]:
    day = values.get(field)
    return {field: f"The {words} cannot be in the future."} if day and day > date.today() else {}


# --------------------------------------------------------------------------- outcomes


def _owned(model: type, object_id: Any, client: Client | None) -> Any:
    wanted = as_uuid(object_id)
    found = db.session.get(model, wanted) if wanted else None
    if found is None:
        raise IpsNotFound()
    visible = find_visible_client(found.client_id)
    if client is not None and visible.id != client.id:
        raise IpsNotFound()
    return found


def find_outcome(outcome_id: Any, client: Client | None = None) -> IpsOutcome:
    """A start of a client the viewer may see (of ``client`` when given)."""
    return _owned(IpsOutcome, outcome_id, client)


def find_retention_case(case_id: Any, client: Client | None = None) -> IpsRetentionCase:
    return _owned(IpsRetentionCase, case_id, client)


def find_support_contact(contact_id: Any, client: Client | None = None) -> IpsSupportContact:
    wanted = as_uuid(contact_id)
    found = db.session.get(IpsSupportContact, wanted) if wanted else None
    if found is None:
        raise IpsNotFound()
    referral = db.session.get(IpsReferral, found.referral_id)
    visible = find_visible_client(referral.client_id)
    if client is not None and visible.id != client.id:
        raise IpsNotFound()
    return found


def of_client(model: type, client_id: uuid.UUID) -> sa.Select:
    """Rows of ``model`` for a client, through its episodes, newest first."""
    date_column = {
        IpsOutcome: IpsOutcome.started_on,
        IpsSupportContact: IpsSupportContact.contacted_on,
        IpsRetentionCase: IpsRetentionCase.opened_on,
    }[model]
    episodes = sa.select(IpsReferral.id).where(IpsReferral.client_id == client_id)
    return (
        sa.select(model)
        .where(model.referral_id.in_(episodes))
        .order_by(date_column.desc(), model.id)
    )


OUTCOME_FIELDS = (
    "kind", "title", "employer_id", "provider_name", "self_employed", "hours_band",
    "started_on", "ended_on", "end_reason",
)  # fmt: skip


def check_outcome(values: dict[str, Any], referral: IpsReferral) -> None:
    """Every rule of a start, all at once, as per-field messages."""
    errors: dict[str, str] = {}
    paid = values.get("kind") == "paid_job"
    if values.get("kind") not in codes.keys(codes.OUTCOME_KINDS):
        errors["kind"] = "Choose what kind of start this is."
    if not (values.get("title") or "").strip():
        errors["title"] = "Enter the job title, course or role."
    started, ended = values.get("started_on"), values.get("ended_on")
    if not started:
        errors["started_on"] = "Enter the start date."
    else:
        errors |= _not_future(values, "started_on", "start date")
        if "started_on" not in errors:
            errors |= _open_on(referral, started, "started_on", "start")
    if started and ended and ended < started:
        errors["ended_on"] = "The end date must be on or after the start date."
    if ended and not values.get("end_reason"):
        errors["end_reason"] = "Choose why it ended."
    if values.get("end_reason") and not ended:
        errors["ended_on"] = "Enter the end date, or leave the reason empty."
    if values.get("end_reason") and values["end_reason"] not in codes.keys(
        codes.OUTCOME_END_REASONS
    ):
        errors["end_reason"] = "Choose why it ended."
    if paid:
        if values.get("hours_band") not in codes.keys(codes.HOURS_BANDS):
            errors["hours_band"] = "Choose the weekly hours (or 'Not known')."
        has_employer = values.get("employer_id") or (values.get("provider_name") or "").strip()
        if not values.get("self_employed") and not has_employer:
            errors["employer_id"] = "Choose the employer, or enter its name."
    else:
        if values.get("hours_band"):
            errors["hours_band"] = "Weekly hours are recorded for paid jobs only."
        if values.get("self_employed"):
            errors["self_employed"] = "Only a paid job can be self-employed."
    if errors:
        raise IpsInvalid(errors)


def _is_current_job(outcome: IpsOutcome) -> bool:
    still_on = outcome.ended_on is None or outcome.ended_on > date.today()
    return outcome.kind == "paid_job" and still_on


def _current_jobs(referral: IpsReferral) -> list[IpsOutcome]:
    rows = db.session.execute(
        sa.select(IpsOutcome).where(
            IpsOutcome.referral_id == referral.id, IpsOutcome.kind == "paid_job"
        )
    ).scalars()
    return [o for o in rows if _is_current_job(o)]


def _move(referral: IpsReferral, status: str) -> None:
    audit(
        "ips.referral.status",
        object_type="ips_referral",
        object_id=referral.id,
        details={"from": referral.status, "to": status},
    )
    referral.status = status


def _sync_status(referral: IpsReferral, *, ended_a_job: bool) -> None:
    """Into work with a current paid job; back to job search when the last one ended."""
    db.session.flush()
    current = _current_jobs(referral)
    if current and referral.status in SEARCHING:
        _move(referral, "in_work")
    elif not current and ended_a_job and referral.status == "in_work":
        _move(referral, "job_search")


def _clean_outcome(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("employer_id"):
        values["employer_id"] = employer_or_error(values["employer_id"]).id
    values["self_employed"] = bool(values.get("self_employed"))
    return values


def record_outcome(client: Client, data: dict[str, Any]) -> IpsOutcome:
    """A start of ``client`` on one of their accepted episodes (several jobs are fine)."""
    referral = episode_for(client, data.get("referral_id"))
    values = _clean_outcome({k: data.get(k) for k in OUTCOME_FIELDS})
    check_outcome(values, referral)
    specialist = credited_specialist(data.get("specialist_id"))
    outcome = IpsOutcome(
        referral_id=referral.id, client_id=client.id, specialist_id=specialist, **values
    )
    db.session.add(outcome)
    db.session.flush()
    audit(
        "ips.outcome.create",
        object_type="ips_outcome",
        object_id=outcome.id,
        details={"client_id": str(client.id), "kind": outcome.kind},
    )
    _sync_status(referral, ended_a_job=False)
    return outcome


def update_outcome(outcome: IpsOutcome, data: dict[str, Any]) -> IpsOutcome:
    """Change a start, e.g. record its end (which may move the episode back to job search)."""
    referral = db.session.get(IpsReferral, outcome.referral_id)
    was_current = _is_current_job(outcome)
    values = _clean_outcome(merged(outcome, data, OUTCOME_FIELDS))
    check_outcome(values, referral)
    write_update(outcome, values, data, OUTCOME_FIELDS)
    _sync_status(referral, ended_a_job=was_current and not _is_current_job(outcome))
    return outcome


# --------------------------------------------------------------------------- in-work support

SUPPORT_FIELDS = ("outcome_id", "contacted_on", "contact_type", "with_employer", "notes")


def _check_support(values: dict[str, Any], referral: IpsReferral) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if values.get("contact_type") not in codes.keys(codes.SUPPORT_CONTACT_TYPES):
        errors["contact_type"] = "Choose how the support was given."
    if not values.get("contacted_on"):
        errors["contacted_on"] = "Enter the date of the support."
    else:
        errors |= _not_future(values, "contacted_on", "date of the support")
        if "contacted_on" not in errors and values["contacted_on"] < referral.referred_on:
            errors["contacted_on"] = "The support is before the referral."
    if values.get("outcome_id"):
        job = db.session.get(IpsOutcome, as_uuid(values["outcome_id"]))
        if job is None or job.referral_id != referral.id:
            errors["outcome_id"] = "Choose a job or course of this referral."
        else:
            values["outcome_id"] = job.id
    if errors:
        raise IpsInvalid(errors)
    values["with_employer"] = bool(values.get("with_employer"))
    return values


def record_support(client: Client, data: dict[str, Any]) -> IpsSupportContact:
    """In-work support given to the client, optionally about one of their jobs or courses."""
    referral = episode_for(client, data.get("referral_id"))
    values = _check_support({k: data.get(k) for k in SUPPORT_FIELDS}, referral)
    specialist = credited_specialist(data.get("specialist_id"))
    contact = IpsSupportContact(referral_id=referral.id, specialist_id=specialist, **values)
    db.session.add(contact)
    db.session.flush()
    audit(
        "ips.support_contact.create",
        object_type="ips_support_contact",
        object_id=contact.id,
        details={"client_id": str(client.id)},
    )
    return contact


def update_support(contact: IpsSupportContact, data: dict[str, Any]) -> IpsSupportContact:
    referral = db.session.get(IpsReferral, contact.referral_id)
    values = _check_support(merged(contact, data, SUPPORT_FIELDS), referral)
    write_update(contact, values, data, SUPPORT_FIELDS)
    return contact


# --------------------------------------------------------------------------- retention

RETENTION_FIELDS = ("opened_on", "employer_name", "risk", "closed_on", "result")


def _check_retention(values: dict[str, Any], referral: IpsReferral) -> None:
    errors: dict[str, str] = {}
    if not (values.get("employer_name") or "").strip():
        errors["employer_name"] = "Enter the employer of the job at risk."
    opened, closed = values.get("opened_on"), values.get("closed_on")
    if not opened:
        errors["opened_on"] = "Enter the date the case was opened."
    else:
        errors |= _not_future(values, "opened_on", "opening date")
        if "opened_on" not in errors and opened < referral.referred_on:
            errors["opened_on"] = "The case cannot open before the referral."
    if closed:
        errors |= _not_future(values, "closed_on", "closing date")
        if opened and closed < opened and "closed_on" not in errors:
            errors["closed_on"] = "The closing date must be on or after the opening date."
        if values.get("result") not in codes.keys(codes.RETENTION_RESULTS):
            errors["result"] = "Choose whether the job was retained."
    elif values.get("result"):
        errors["closed_on"] = "Enter the date the case was closed."
    if errors:
        raise IpsInvalid(errors)


def open_retention_case(client: Client, data: dict[str, Any]) -> IpsRetentionCase:
    """A person in work at risk of losing it (closed later as retained or not)."""
    referral = episode_for(client, data.get("referral_id"))
    values = {k: data.get(k) for k in RETENTION_FIELDS}
    _check_retention(values, referral)
    case = IpsRetentionCase(referral_id=referral.id, client_id=client.id, **values)
    db.session.add(case)
    db.session.flush()
    audit(
        "ips.retention_case.create",
        object_type="ips_retention_case",
        object_id=case.id,
        details={"client_id": str(client.id)},
    )
    return case


def update_retention_case(case: IpsRetentionCase, data: dict[str, Any]) -> IpsRetentionCase:
    """Change a case or close it: ``closed_on`` (≥ opened) with ``result``."""
    referral = db.session.get(IpsReferral, case.referral_id)
    values = merged(case, data, RETENTION_FIELDS)
    _check_retention(values, referral)
    write_update(case, values, data, RETENTION_FIELDS, credited=False)
    return case
