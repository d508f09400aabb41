"""Finding clients: by name (typo-tolerant), NHS number, date of birth or local identifier.

On PostgreSQL, names match with ``pg_trgm`` trigram similarity on ``lower(given || ' ' ||
family)``, served by a GIN index that leads with ``tenant_id`` (btree_gin), so a search reads one
tenant's slice of the index however many tenants share the table. On SQLite (development only)
each word of the query must appear in a name. Every search respects need-to-know.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.clients import nhs_number as nhs
from core.clients.access import visible_clients
from core.clients.models import Client
from core.extensions import db

#: The indexed expression; the migration creates the index on exactly this.
SEARCH_NAME = sa.func.lower(Client.given_name + " " + Client.family_name)
SIMILARITY_THRESHOLD = 0.3
#: pg_trgm word similarity a query must reach against some part of the name (``%>``, served by
#: the same GIN index). pg_trgm's default of 0.6 misses a one-letter slip in a surname on its
#: own ("tayler" against "sam taylor" scores 0.57, and its whole-name similarity is 0.29).
WORD_SIMILARITY_THRESHOLD = 0.5


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def apply_search_settings() -> None:
    """Set the word similarity threshold for the current transaction (PostgreSQL only).

    Call it in the transaction that runs a name search: it lapses at commit.
    """
    if _is_postgresql():
        db.session.execute(
            sa.text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
            {"t": str(WORD_SIMILARITY_THRESHOLD)},
        )


def name_clause(query: str) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[Any] | None]:
    """WHERE clause and ORDER BY expression for a name search."""
    text = " ".join(query.lower().split())
    if _is_postgresql():
        preferred = sa.func.lower(sa.func.coalesce(Client.preferred_name, ""))
        apply_search_settings()
        where = sa.or_(SEARCH_NAME.op("%")(text), SEARCH_NAME.op("%>")(text), preferred == text)
        return where, sa.func.similarity(SEARCH_NAME, text).desc()
    words = [w for w in re.split(r"\s+", text) if w]
    conditions = [
        sa.or_(
            sa.func.lower(Client.given_name).contains(w, autoescape=True),
            sa.func.lower(Client.family_name).contains(w, autoescape=True),
            sa.func.lower(sa.func.coalesce(Client.preferred_name, "")).contains(w, autoescape=True),
        )
        for w in words
    ]
    return sa.and_(*conditions), None


def search_statement(
    *,
    q: str | None = None,
    nhs_number: str | None = None,
    date_of_birth: date | None = None,
    local_id: str | None = None,
    status: str | None = None,
    key_worker_membership_id: Any = None,
) -> sa.Select[tuple[Client]]:
    """The visible clients matching every filter given, best match first."""
    stmt = visible_clients()
    order: list[Any] = []
    if q:
        digits = re.sub(r"[\s\-]", "", q)
        if digits.isdigit() and len(digits) == 10 and nhs.is_valid(digits):
            stmt = stmt.where(Client.nhs_number == digits)
        else:
            where, rank = name_clause(q)
            stmt = stmt.where(sa.or_(where, Client.local_id == q.strip()))
            if rank is not None:
                order.append(rank)
    if nhs_number:
        stmt = stmt.where(Client.nhs_number == nhs_number)
    if date_of_birth:
        stmt = stmt.where(Client.date_of_birth == date_of_birth)
    if local_id:
        stmt = stmt.where(Client.local_id == local_id)
    if status:
        stmt = stmt.where(Client.status == status)
    if key_worker_membership_id:
        stmt = stmt.where(Client.key_worker_membership_id == key_worker_membership_id)
    return stmt.order_by(*order, Client.family_name, Client.given_name, Client.id)
