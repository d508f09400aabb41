"""What the meetings, fidelity and surveys slices share: their two domain errors, the "any of
these permissions" check, turning errors into problem+json or inline form errors, and finding a
client the viewer may see.

Services raise :class:`IpsNotFound` (missing, invisible and another tenant's look the same: 404)
and :class:`IpsInvalid` (per-field messages: 422 in the API, the NHS error summary in the UI).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort as flask_abort
from flask import g

from core.plugins.api import Client, db, has_permission, visible_clients_clause

F = TypeVar("F", bound=Callable[..., Any])


class IpsNotFound(Exception):
    """Missing, not visible to the viewer, or another tenant's: indistinguishable on purpose."""


class IpsInvalid(Exception):
    """Input that parsed but breaks a rule; ``field_errors`` maps field → message."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__("Check the fields listed in errors.")
        self.field_errors = field_errors


def as_uuid(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID, or None for anything that is not one (never an exception)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def requires_any(*permissions: str) -> Callable[[F], F]:
    """Like core's ``requires`` but satisfied by any one of ``permissions`` (403 without all).

    Reading a fidelity review needs ``ips.read`` *or* ``ips.fidelity``; the route map's contract
    test reads the first one as the declared permission.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not any(has_permission(p) for p in permissions):
                flask_abort(403)
            return view(*args, **kwargs)

        wrapper.required_permission = permissions[0]  # type: ignore[attr-defined]
        wrapper.required_permissions = permissions  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def problems(view: Callable[..., Any]) -> Callable[..., Any]:
    """API: turn the domain errors into core's problem responses (404, 422 per field)."""
    from flask_smorest import abort

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except IpsNotFound:
            abort(404)
        except IpsInvalid as error:
            abort(422, messages={"json": nested_messages(error.field_errors)})

    return wrapper


def nested_messages(field_errors: dict[str, str]) -> dict[str, Any]:
    """``{"scores.3.score": m}`` → ``{"scores": {"3": {"score": [m]}}}``, the shape marshmallow
    gives, so core's problem pointers read ``#/scores/3/score`` whoever found the problem."""
    out: dict[str, Any] = {}
    for key, message in field_errors.items():
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node.setdefault(leaf, []).append(message)
    return out


def found(loader: Callable[..., Any], *args: Any) -> Any:
    """UI: ``loader(*args)``, with a not-found domain error turned into a 404 page."""
    try:
        return loader(*args)
    except IpsNotFound:
        flask_abort(404)


def save_form(form: Any, action: Callable[[], Any], aliases: dict[str, str] | None = None) -> Any:
    """UI: run ``action`` and commit; rule breaks become inline errors on the form (nothing is
    kept). ``aliases`` maps a service field name to the form field that shows its message.
    Returns what ``action`` returned, or None when it was refused."""
    try:
        result = action()
    except IpsInvalid as error:
        db.session.rollback()
        for name, message in error.field_errors.items():
            target = (aliases or {}).get(name, name)
            if target not in form:
                target = next(iter(n for n in form._fields if n != "csrf_token"))
            form[target].errors = [*form[target].errors, message]
        return None
    db.session.commit()
    return result


def find_visible_client(client_id: Any) -> Client:
    """A client of this tenant the viewer may see (partners: only clients shared with them)."""
    wanted = as_uuid(client_id)
    client = None
    if wanted is not None:
        client = db.session.execute(
            sa.select(Client).where(Client.id == wanted, visible_clients_clause(g.membership))
        ).scalar_one_or_none()
    if client is None:
        raise IpsNotFound()
    return client


def client_names(client_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The name ("Given Family") of each client the viewer may see, by id; others left out."""
    if not client_ids:
        return {}
    rows = db.session.execute(
        sa.select(Client.id, Client.given_name, Client.family_name).where(
            Client.id.in_(client_ids), visible_clients_clause(g.membership)
        )
    )
    return {row.id: f"{row.given_name} {row.family_name}" for row in rows}


MAX_PAGE_SIZE = 100


def paginated(blp: Any, transform: Callable[[list[Any]], list[Any]] | None = None, size: int = 25):
    """API lists: the view returns a ``select``; this adds ``page``/``page_size`` parameters and
    the ``X-Pagination`` header, counting in SQL. ``transform`` turns one page of rows into what
    is dumped (e.g. reviews with their computed totals, in one query per page)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @blp.paginate(page_size=size, max_page_size=MAX_PAGE_SIZE)
        @wraps(view)
        def wrapper(*args: Any, pagination_parameters: Any, **kwargs: Any) -> Any:
            stmt = view(*args, **kwargs)
            pagination_parameters.item_count = db.session.execute(
                sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
            ).scalar_one()
            rows = list(
                db.session.execute(
                    stmt.limit(pagination_parameters.page_size).offset(
                        pagination_parameters.first_item
                    )
                ).scalars()
            )
            return transform(rows) if transform else rows

        return wrapper

    return decorate
