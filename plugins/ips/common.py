"""What every IPS slice shares: the two domain errors, the "any of these permissions" check,
turning errors into problem+json or inline form errors, finding one row (or a client) the viewer
may see, and who the tenant's employment specialists are.

Services raise :class:`IpsNotFound` (missing, invisible and another tenant's look the same: 404)
and :class:`IpsInvalid` (per-field messages: 422 in the API, the NHS error summary in the UI).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import abort as flask_abort
from flask import g, request
from marshmallow import EXCLUDE

from core.plugins.api import (
    Client,
    Membership,
    check_page,
    current_tenant,
    current_tenant_id,
    db,
    has_permission,
    visible_clients_clause,
)

from .settings import IpsSettings

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)


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


def show_errors(
    form: Any,
    field_errors: dict[str, str],
    aliases: dict[str, str] | None = None,
    *,
    in_summary: bool = False,
) -> None:
    """UI: each message inline on its field (``aliases`` maps a service field name to the form
    field that shows it). A message for a field the form lacks goes on its first field, or, with
    ``in_summary``, into the error summary at the top of the page."""
    first = next((f.name for f in form if f.name != "csrf_token"), None)
    for name, message in field_errors.items():
        target = (aliases or {}).get(name, name)
        if target in form:
            form[target].errors = [*form[target].errors, message]
        elif in_summary:
            form.form_errors.append({"text": message, "href": "#maincontent"})
        elif first is not None:
            form[first].errors = [*form[first].errors, message]


def rules_checked(
    form: Any,
    action: Callable[[], Any],
    aliases: dict[str, str] | None = None,
    *,
    in_summary: bool = False,
) -> bool:
    """``validate_on_submit``, except that when the form's own checks fail the service's rules
    still run (on the fields that parsed, and undone) so the page lists every broken rule at once
    instead of revealing a second round after the first is fixed. A field keeps its own,
    more specific message; a forged or expired form (CSRF) runs nothing."""
    if form.validate_on_submit():
        return True
    csrf = getattr(form, "csrf_token", None)
    if request.method != "POST" or (csrf is not None and csrf.errors):
        return False
    try:
        action()
    except IpsInvalid as error:
        unmarked = {
            name: message
            for name, message in error.field_errors.items()
            if (target := (aliases or {}).get(name, name)) not in form or not form[target].errors
        }
        show_errors(form, unmarked, aliases, in_summary=in_summary)
    except Exception:  # input the rules could not read: the form's own errors stand
        log.debug("Rules not checked on input that did not parse", exc_info=True)
    finally:
        db.session.rollback()
    return False


def _attempt(
    form: Any, action: Callable[[], Any], aliases: dict[str, str] | None, in_summary: bool
) -> tuple[bool, Any]:
    if not rules_checked(form, action, aliases, in_summary=in_summary):
        return False, None
    try:
        result = action()
    except IpsInvalid as error:
        db.session.rollback()
        show_errors(form, error.field_errors, aliases, in_summary=in_summary)
        return False, None
    db.session.commit()
    return True, result


def save_form(form: Any, action: Callable[[], Any], aliases: dict[str, str] | None = None) -> Any:
    """UI: on a valid submission run ``action`` and commit; rule breaks become inline errors on
    the form (nothing is kept), together with the form's own errors (:func:`rules_checked`).
    Returns what ``action`` returned, or None when it was refused or not submitted."""
    return _attempt(form, action, aliases, False)[1]


def form_saved(form: Any, action: Callable[[], Any], *, in_summary: bool = False) -> bool:
    """Like :func:`save_form`, for actions that may return nothing: True when saved."""
    return _attempt(form, action, None, in_summary)[0]


# --------------------------------------------------------------------------- finding rows


def find_in(stmt: sa.Select, id_column: Any, wanted_id: Any) -> Any:
    """The row of ``stmt`` (already limited to what the viewer may see) whose ``id_column`` is
    ``wanted_id``; a malformed, unknown or invisible id is :class:`IpsNotFound` alike."""
    wanted = as_uuid(wanted_id)
    row = None
    if wanted is not None:
        row = db.session.execute(stmt.where(id_column == wanted)).scalar_one_or_none()
    if row is None:
        raise IpsNotFound()
    return row


def of_visible_clients(model: Any) -> sa.Select:
    """``SELECT model`` (rows about one client each) limited to clients the viewer may see."""
    return (
        sa.select(model)
        .join(Client, sa.and_(Client.tenant_id == model.tenant_id, Client.id == model.client_id))
        .where(visible_clients_clause(g.membership))
    )


def about_visible_client(model: Any) -> sa.ColumnElement[bool]:
    """True for rows of ``model`` whose client the viewer may see (a correlated EXISTS)."""
    return sa.exists().where(
        Client.tenant_id == model.tenant_id,
        Client.id == model.client_id,
        visible_clients_clause(g.membership),
    )


def find_visible_client(client_id: Any) -> Client:
    """A client of this tenant the viewer may see (partners: only clients shared with them)."""
    visible = sa.select(Client).where(visible_clients_clause(g.membership))
    return find_in(visible, Client.id, client_id)


def client_names(client_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """The name ("Given Family") of each client the viewer may see, by id; others left out."""
    ids = {i for i in client_ids if i is not None}
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Client.id, Client.given_name, Client.family_name).where(
            Client.id.in_(ids), visible_clients_clause(g.membership)
        )
    )
    return {row.id: f"{row.given_name} {row.family_name}" for row in rows}


# --------------------------------------------------------------------------- specialists

#: Roles whose holders are employment specialists: they carry a caseload and are credited with
#: contacts, starts and support.
SPECIALIST_ROLES = frozenset({"employment_specialist", "ips_team_leader"})


def specialists() -> list[Membership]:
    """Active memberships of this tenant holding a specialist role, by name (ignoring case).

    The tenant is named as well as implied, so the demo loader and jobs get the same list."""
    rows = db.session.execute(
        sa.select(Membership).where(
            Membership.tenant_id == current_tenant_id(), Membership.active.is_(True)
        )
    ).scalars()
    found = [m for m in rows if SPECIALIST_ROLES & set(m.roles or ())]
    return sorted(found, key=lambda m: (m.user.display_name or "").lower())


def caseload_cap() -> int:
    """Active clients per specialist before a caseload shows a warning: the tenant's
    ``[plugins.ips] caseload_cap``, with the settings schema's default (20) when not set."""
    tenant = current_tenant()
    raw = tenant.plugin_settings("ips") if tenant is not None else {}
    return int(IpsSettings(unknown=EXCLUDE).load(raw)["caseload_cap"])


# --------------------------------------------------------------------------- API lists

MAX_PAGE_SIZE = 100


def paginated(blp: Any, transform: Callable[[list[Any]], list[Any]] | None = None, size: int = 25):
    """API lists: the view returns a ``select``; this adds ``page``/``page_size`` parameters and
    the ``X-Pagination`` header, counting in SQL. ``transform`` turns one page of rows into what
    is dumped (e.g. reviews with their computed totals, in one query per page)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @blp.paginate(page_size=size, max_page_size=MAX_PAGE_SIZE)
        @wraps(view)
        def wrapper(*args: Any, pagination_parameters: Any, **kwargs: Any) -> Any:
            check_page(pagination_parameters)
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
