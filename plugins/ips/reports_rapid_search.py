"""``ips-rapid-search/3``: how soon after acceptance a specialist first contacts an employer
about a job for the client (IPS principle: rapid job search, first contact within 30 days).

For each referral accepted in START..END: the first contact is the earliest *face-to-face*
employer contact with the referral's client and purpose ``client_specific`` dated on or after the
acceptance and, for an episode that has closed, on or before its closure (contacts after END count
too: a referral accepted on END is judged by what followed). Face to face because the domain
notes and IPS-25 item 15 measure the first face-to-face employer contact (a phone call or an
email is not one); within the episode because a returning client's new episode must not lend its
contacts to the old one. Days = first contact − acceptance; "within 30 days" means 30 days or
fewer.

Referrals with no such contact yet are left out of the median. They count against the 30-day
share once 30 days have passed since acceptance (as of the day the report runs); before that
they are pending and left out of the share, because they may still make it.

Referrals of clients whose processing is restricted (UK GDPR Art. 18) when the report runs are
left out (since version 3).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.plugins.api import (
    ChartSpec,
    Report,
    ReportColumn,
    ReportResult,
    current_tenant_id,
    db,
    may_process_client,
)

from .models import IpsEmployerContact, IpsReferral
from .reports_common import (
    blanks_left_out,
    clients_with_ids,
    median,
    no_clients,
    no_such_figure,
    period,
    period_note,
    share,
)

DEFINITION_VERSION = "ips-rapid-search/3"
TARGET_DAYS = 30


@dataclass(frozen=True)
class FirstContact:
    """One accepted referral and its first employer contact about the client (if any)."""

    client_id: uuid.UUID
    accepted_on: date
    first_contact: date | None

    @property
    def days(self) -> int | None:
        return None if self.first_contact is None else (self.first_contact - self.accepted_on).days

    def group(self, today: date) -> str:
        if self.days is not None:
            return "within_30" if self.days <= TARGET_DAYS else "after_30"
        if (today - self.accepted_on).days > TARGET_DAYS:
            return "no_contact_overdue"
        return "no_contact_pending"


def first_contacts(start: date, end: date) -> list[FirstContact]:
    """Referrals accepted in the period with the date of their first face-to-face contact about
    a job for the client within the episode (the earliest one is found in SQL; the day counts
    are simple date differences)."""
    r, c = IpsReferral, IpsEmployerContact
    stmt = (
        sa.select(r.id, r.client_id, r.accepted_on, sa.func.min(c.contacted_on).label("first"))
        .outerjoin(
            c,
            sa.and_(
                c.tenant_id == r.tenant_id,
                c.client_id == r.client_id,
                c.purpose == "client_specific",
                c.contact_type == "face_to_face",
                c.contacted_on >= r.accepted_on,
                sa.or_(r.closed_on.is_(None), c.contacted_on <= r.closed_on),
            ),
        )
        .where(
            r.tenant_id == current_tenant_id(),
            may_process_client(r.client_id),
            r.accepted_on.between(start, end),
        )
        .group_by(r.id, r.client_id, r.accepted_on)
    )
    return [
        FirstContact(row.client_id, row.accepted_on, row.first) for row in db.session.execute(stmt)
    ]


def rapid_search_figures(start: date, end: date, today: date | None = None) -> dict[str, Any]:
    today = today or date.today()
    found = first_contacts(start, end)
    groups = {g: 0 for g in ("within_30", "after_30", "no_contact_overdue", "no_contact_pending")}
    for item in found:
        groups[item.group(today)] += 1
    days = [item.days for item in found if item.days is not None]
    decided = len(found) - groups["no_contact_pending"]
    return {
        "accepted": len(found),
        "with_contact": len(days),
        "median_days": median(days),
        **groups,
        "decided": decided,
        "share_within_30": share(groups["within_30"], decided),
    }


def run_rapid_search(
    period_start: date | None = None, period_end: date | None = None, **_: Any
) -> ReportResult:
    start, end = period(period_start, period_end)
    f = rapid_search_figures(start, end)
    decided = f["decided"]

    def row(key: str, label: str, pct: float | None = None, days: float | None = None) -> dict:
        return {
            "key": key,
            "measure": label,
            "referrals": f[key],
            "share": pct,
            "days": days,
            "_drill": {"set": key},
        }

    rows = [
        row("accepted", "Referrals accepted"),
        row(
            "with_contact",
            "With a first employer contact",
            days=f["median_days"],
        ),
        row("within_30", "Contact within 30 days", f["share_within_30"]),
        row(
            "after_30",
            "Contact after more than 30 days",
            share(f["after_30"], decided),
        ),
        row(
            "no_contact_overdue",
            "No contact, over 30 days",
            share(f["no_contact_overdue"], decided),
        ),
        row(
            "no_contact_pending",
            "No contact yet, 30 days or less",
        ),
    ]
    median_text = "—" if f["median_days"] is None else f"{f['median_days']:g}"
    notes = [
        period_note(start, end),
        f"Median {median_text} days from acceptance to first employer contact, over the "
        f"{f['with_contact']} referrals that have one. Referrals without a contact are left out "
        "of the median.",
        f"{f['share_within_30'] if f['share_within_30'] is not None else '—'}% within 30 days, "
        f"over {decided} referrals: those with a contact, and those without one whose 30 days "
        f"have passed (counted as not within 30 days). {f['no_contact_pending']} referrals "
        "accepted 30 days ago or less with no contact yet are left out.",
    ]
    return ReportResult(
        columns=[
            ReportColumn("measure", "Measure"),
            ReportColumn("referrals", "Referrals", "number", drilldown=True),
            ReportColumn("share", "Share (%)", "number"),
            ReportColumn("days", "Median days", "number"),
        ],
        rows=blanks_left_out(rows),
        notes=notes,
    )


def rapid_search_drilldown(
    drill: dict[str, Any] | None,
    period_start: date | None = None,
    period_end: date | None = None,
    **_: Any,
) -> sa.Select:
    """The clients of the referrals behind one row."""
    start, end = period(period_start, period_end)
    key = (drill or {}).get("set") if isinstance(drill, dict) else None
    today = date.today()
    found = first_contacts(start, end)
    if key == "accepted":
        ids = {item.client_id for item in found}
    elif key == "with_contact":
        ids = {item.client_id for item in found if item.first_contact is not None}
    elif key in ("within_30", "after_30", "no_contact_overdue", "no_contact_pending"):
        ids = {item.client_id for item in found if item.group(today) == key}
    else:
        no_such_figure()
    return clients_with_ids(ids) if ids else no_clients()


RAPID_SEARCH_REPORT = Report(
    key="ips-rapid-search",
    title="IPS rapid job search: days from acceptance to first employer contact",
    description=(
        "For referrals accepted in the period (without dates, the 12 months to today): the "
        "median days from acceptance to the first face-to-face employer contact about a job for "
        "the client, "
        "the share within 30 days, and how many have had no contact yet."
    ),
    definition_version=DEFINITION_VERSION,
    run=run_rapid_search,
    parameters=("period_start", "period_end"),
    chart=ChartSpec(label_column="measure", value_column="referrals", title="Rapid job search"),
    drilldown=rapid_search_drilldown,
    definitions={
        "measure": "First contact: the earliest face-to-face employer contact recorded with the "
        "client and the purpose 'about a job for a client', on or after the referral's acceptance "
        "date and not after the episode closed (it may fall after the period end). Phone calls, "
        "video calls and emails are not counted. Within 30 days: 30 days or fewer.",
        "referrals": "Referrals accepted within the period (both dates inclusive); a client "
        "with two accepted referrals counts twice. Referrals of clients whose processing is "
        "restricted when the report runs are left out.",
        "share": "Percentage of the referrals that are decided: those with a first contact, and "
        "those without one whose 30 days have passed on the day the report runs (counted as not "
        "within 30 days). Referrals accepted 30 days ago or less without a contact are pending "
        "and left out.",
        "days": "Median of (first contact − acceptance) in days, over referrals with a first "
        "contact; with an even number, the mean of the middle two.",
    },
)
