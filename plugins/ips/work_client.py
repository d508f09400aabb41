"""Everything about one client's work, for the client's work page and its API twin.

Reading it is a read of one client's details, so it is audited.
"""

from __future__ import annotations

from typing import Any

from core.plugins.api import Client, audit, db

from .models import IpsOutcome, IpsRetentionCase, IpsSupportContact
from .work_figures import rapid_job_search
from .work_outcome_services import of_client
from .work_services import employer_contacts_statement, referrals_of


def client_work(client: Client) -> dict[str, Any]:
    """Starts, support, retention, employer contacts about the client and rapid job search."""
    referrals = referrals_of(client.id)
    rapid = [r for r in (rapid_job_search(referral) for referral in referrals) if r is not None]
    work = {
        "client_id": client.id,
        "referrals": referrals,
        "rapid_job_search": rapid,
        "outcomes": _all(of_client(IpsOutcome, client.id)),
        "support_contacts": _all(of_client(IpsSupportContact, client.id)),
        "retention_cases": _all(of_client(IpsRetentionCase, client.id)),
        "employer_contacts": _all(employer_contacts_statement(client_id=client.id)),
    }
    audit("ips.client_work.read", object_type="client", object_id=client.id)
    return work


def _all(stmt) -> list[Any]:
    return list(db.session.execute(stmt).scalars())
