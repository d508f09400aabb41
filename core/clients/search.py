"""Finding clients: by name (typo-tolerant), NHS number, date of birth or local identifier.

On PostgreSQL, names match with ``pg_trgm`` trigram similarity on ``lower(given || ' ' ||
family)``. The nearest names are found through a GiST index that leads with ``tenant_id``
(btree_gist), so a search reads one tenant's slice of the index however many tenants share the
table; see :func:`_name_candidates` for why it is ordered by distance rather than filtered.
On SQLite (development only) each word of the query must appear in a name. Every search
respects need-to-know.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import sqlalchemy as sa

from core.api.pagination import COUNT_WITH_PAGE
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


#: How many nearest names per kind of match are considered before filtering by similarity.
NAME_CANDIDATES = 100


def _name_candidates(text: str, local_id: str) -> sa.CompoundSelect:
    """Ids of the visible clients whose names are nearest to ``text``.

    Row-level security stops PostgreSQL from using pg_trgm's ``%`` operators as index
    conditions (they are not leakproof, so they run only after the policy, on every row of
    the tenant). Ordering by trigram distance is not a condition, so a GiST index on
    ``(tenant_id, name)`` can still walk a tenant's names nearest first: we take the nearest
    by whole-name distance and by word distance (a misspelt surname on its own), then filter.
    """
    from core.clients.access import visible_clients_clause

    visible = visible_clients_clause()
    whole = (
        sa.select(Client.id)
        .where(visible)
        .order_by(SEARCH_NAME.op("<->")(text))
        .limit(NAME_CANDIDATES)
    )
    word = (
        sa.select(Client.id)
        .where(visible)
        .order_by(sa.literal(text).op("<<->")(SEARCH_NAME))
        .limit(NAME_CANDIDATES)
    )
    # Preferred names are matched only among these candidates: an index on lower(preferred)
    # cannot serve an equality under RLS either (lower() is not leakproof).
    local = sa.select(Client.id).where(visible, Client.local_id == local_id)
    return sa.union(whole.subquery().select(), word.subquery().select(), local)


def name_clause(query: str) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[Any] | None]:
    """WHERE clause and ORDER BY expression for a search by name or local identifier."""
    text = " ".join(query.lower().split())
    local_id = query.strip()
    if _is_postgresql():
        preferred = sa.func.lower(sa.func.coalesce(Client.preferred_name, ""))
        apply_search_settings()
        matches = sa.or_(
            SEARCH_NAME.op("%")(text),
            sa.literal(text).op("<%")(SEARCH_NAME),
            preferred == text,
            Client.local_id == local_id,
        )
        where = sa.and_(Client.id.in_(_name_candidates(text, local_id)), matches)
        rank = sa.func.greatest(
            sa.func.similarity(SEARCH_NAME, text), sa.func.word_similarity(text, SEARCH_NAME)
        )
        return where, rank.desc()
    words = [w for w in re.split(r"\s+", text) if w]
    conditions = [
        sa.or_(
            sa.func.lower(Client.given_name).contains(w, autoescape=True),
            sa.func.lower(Client.family_name).contains(w, autoescape=True),
            sa.func.lower(sa.func.coalesce(Client.preferred_name, "")).contains(w, autoescape=True),
        )
        for w in words
    ]
    return sa.or_(sa.and_(*conditions), Client.local_id == local_id), None


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
            stmt = stmt.where(where).execution_options(**{COUNT_WITH_PAGE: True})
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
