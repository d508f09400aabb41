"""Core's report: caseload by organisation and key worker, counted in SQL."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.accounts.models import Membership, Organisation, User
from core.clients.models import Client
from core.clients.processing import processable_clients_clause
from core.extensions import db
from core.plugins.api import Report
from core.reports.types import ChartSpec, ReportColumn, ReportResult

#: Version 2: clients whose processing is restricted (Art. 18) are left out.
DEFINITION_VERSION = "caseload/2"


def _in_period(period_start: date | None, period_end: date | None) -> list[sa.ColumnElement]:
    """Open at some point in the period: created by its end, not closed before its start; and
    not restricted now (Art. 18)."""
    conditions: list[sa.ColumnElement] = [processable_clients_clause()]
    if period_end is not None:
        conditions.append(sa.cast(Client.created_at, sa.Date) <= period_end)
    if period_start is not None:
        conditions.append(sa.or_(Client.closed_on.is_(None), Client.closed_on >= period_start))
    else:
        conditions.append(Client.status == "open")
    return conditions


def _key_worker_join(stmt: sa.Select) -> sa.Select:
    return (
        stmt.outerjoin(
            Membership,
            sa.and_(
                Membership.tenant_id == Client.tenant_id,
                Membership.id == Client.key_worker_membership_id,
            ),
        )
        .outerjoin(
            Organisation,
            sa.and_(
                Organisation.tenant_id == Membership.tenant_id,
                Organisation.id == Membership.organisation_id,
            ),
        )
        .outerjoin(User, User.id == Membership.user_id)
    )


def run_caseload(
    period_start: date | None = None,
    period_end: date | None = None,
    organisation: uuid.UUID | None = None,
    **_: Any,
) -> ReportResult:
    count = sa.func.count(Client.id)
    stmt = _key_worker_join(
        sa.select(
            Organisation.id, Organisation.name, Membership.id, User.display_name, count
        ).select_from(Client)
    ).where(*_in_period(period_start, period_end))
    if organisation is not None:
        stmt = stmt.where(Membership.organisation_id == organisation)
    stmt = stmt.group_by(Organisation.id, Organisation.name, Membership.id, User.display_name)
    stmt = stmt.order_by(Organisation.name.nulls_last(), User.display_name.nulls_last())
    rows = [
        {
            "organisation": org_name or "No key worker",
            "key_worker": worker or "No key worker",
            "label": f"{worker or 'No key worker'} ({org_name or '—'})",
            "clients": clients,
            "_drill": {"key_worker": str(membership_id) if membership_id else None},
        }
        for _org_id, org_name, membership_id, worker, clients in db.session.execute(stmt)
    ]
    return ReportResult(
        columns=[
            ReportColumn("organisation", "Organisation"),
            ReportColumn("key_worker", "Key worker"),
            ReportColumn("clients", "Clients", "number", drilldown=True),
        ],
        rows=rows,
    )


def caseload_drilldown(
    drill: dict[str, Any],
    period_start: date | None = None,
    period_end: date | None = None,
    organisation: uuid.UUID | None = None,
    **_: Any,
) -> sa.Select:
    """The clients counted in one row."""
    from core.tenancy.scoping import tenant_uuid

    stmt = _key_worker_join(sa.select(Client)).where(*_in_period(period_start, period_end))
    worker = (drill or {}).get("key_worker")
    if worker:
        stmt = stmt.where(Client.key_worker_membership_id == tenant_uuid(worker))
    else:
        stmt = stmt.where(Client.key_worker_membership_id.is_(None))
    if organisation is not None:
        stmt = stmt.where(Membership.organisation_id == organisation)
    return stmt.order_by(Client.family_name, Client.given_name, Client.id)


CASELOAD = Report(
    key="caseload",
    title="Caseload by organisation and key worker",
    description=(
        "Clients open at any time in the period, counted by their key worker and the key "
        "worker's organisation. Without a period: clients open now."
    ),
    definition_version=DEFINITION_VERSION,
    run=run_caseload,
    parameters=("period_start", "period_end", "organisation"),
    chart=ChartSpec(label_column="label", value_column="clients", title="Clients per key worker"),
    drilldown=caseload_drilldown,
    definitions={
        "organisation": "The organisation the key worker belongs to.",
        "key_worker": "The member of staff named as the client's key worker.",
        "clients": "Clients created on or before the period end and not closed before the "
        "period start (open clients when no period is given). Clients whose processing is "
        "restricted when the report runs are left out.",
    },
)
