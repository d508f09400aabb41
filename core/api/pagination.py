"""Page-number pagination over a SQL select, counted in SQL (never by loading every row)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa

from core.extensions import db

MAX_PAGE_SIZE = 100
#: Pages past this are refused (422): the row offset must stay within PostgreSQL's ``bigint``
#: (a fuzzed ``page=4840937250812019712`` was a database error), and no list comes near it.
MAX_PAGE = 1_000_000
#: Execution option for a select whose matches are few and costly to find (a name search):
#: the total comes back with the page (``count(*) OVER ()``), one query instead of two. Not for
#: plain lists: a window count reads every matching row, where a count alone reads an index.
COUNT_WITH_PAGE = "stepping_stones_count_with_page"


def paginate(
    blp: Any, page_size: int = 25, transform: Callable[[Any], Any] | None = None
) -> Callable[..., Any]:
    """Wrap a view that returns a ``select``; adds ``page``/``page_size`` and ``X-Pagination``.

    ``transform`` turns each row into what is dumped (for role-dependent field allowlists).
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @blp.paginate(page_size=page_size, max_page_size=MAX_PAGE_SIZE)
        @wraps(view)
        def wrapper(*args: Any, pagination_parameters: Any, **kwargs: Any) -> Any:
            check_page(pagination_parameters)
            stmt = view(*args, **kwargs)
            size, first = pagination_parameters.page_size, pagination_parameters.first_item
            if stmt.get_execution_options().get(COUNT_WITH_PAGE):
                rows = db.session.execute(
                    stmt.add_columns(sa.func.count().over()).limit(size).offset(first)
                ).all()
                if rows or first == 0:
                    pagination_parameters.item_count = rows[0][1] if rows else 0
                    return [row[0] for row in rows]
            pagination_parameters.item_count = _count(stmt)
            return db.session.execute(stmt.limit(size).offset(first)).scalars()

        return wrapper

    return decorate


def check_page(pagination_parameters: Any) -> None:
    """422 for a page number no list can reach (before any SQL runs)."""
    if pagination_parameters.page > MAX_PAGE:
        from flask_smorest import abort

        abort(422, messages={"query": {"page": [f"Must be less than or equal to {MAX_PAGE}."]}})


def _count(stmt: sa.Select[Any]) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
