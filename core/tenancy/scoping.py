"""The two automatic tenant guards, installed once on SQLAlchemy's Session class.

* ``do_orm_execute`` adds ``tenant_id = <current>`` to every ORM SELECT, UPDATE and DELETE of a
  :class:`TenantScoped` entity (no tenant → no rows, never all rows).
* ``before_flush`` stamps new rows with the current tenant and refuses a row of another tenant.
* ``after_begin`` sets ``app.current_tenant`` / ``app.current_user`` transaction-locally in
  PostgreSQL, where the row-level security policies read them.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from core.tenancy.context import current_tenant_id, current_user_id
from core.tenancy.models import TenantScoped


class TenantIsolationError(RuntimeError):
    """A write would have crossed tenants. Always a programming error, never user input."""


#: Execution option for the few audited queries that rely on RLS alone (a person's own
#: memberships across tenants, for the tenant chooser).
ALL_TENANTS = "stepping_stones_all_tenants"

_SET_SETTINGS = sa.text(
    "SELECT set_config('app.current_tenant', :tenant, true), "
    "set_config('app.current_user', :user, true)"
)


def _orm_filter_enabled() -> bool:
    return not has_app_context() or current_app.config.get("TENANCY_ORM_FILTER", True)


#: The current tenant as a bound parameter whose value is read when each statement executes,
#: so one criteria option (and one cached compilation per statement) serves every tenant. With
#: no tenant the value is NULL, and ``tenant_id = NULL`` matches no row: never all rows.
_CURRENT_TENANT = sa.bindparam(
    "ss_current_tenant", callable_=current_tenant_id, type_=sa.Uuid(as_uuid=True)
)
_TENANT_CRITERIA = with_loader_criteria(
    TenantScoped, lambda cls: cls.tenant_id == _CURRENT_TENANT, include_aliases=True
)


def _add_tenant_criteria(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the criteria travel with the original statement's loader options
    if state.execution_options.get(ALL_TENANTS) or not _orm_filter_enabled():
        return
    state.statement = state.statement.options(_TENANT_CRITERIA)


def _stamp_and_check(session: Session, _flush_context: object, _instances: object) -> None:
    tid = current_tenant_id()
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if obj.tenant_id is None:
            if tid is None:
                raise TenantIsolationError(
                    f"{type(obj).__name__} created outside any tenant context."
                )
            obj.tenant_id = tid
        elif obj.tenant_id != tid:
            raise TenantIsolationError(f"{type(obj).__name__} belongs to another tenant.")
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, TenantScoped):
            continue
        history = sa.inspect(obj).attrs.tenant_id.history
        if history.has_changes() or obj.tenant_id != tid:
            raise TenantIsolationError(f"{type(obj).__name__} belongs to another tenant.")


def _settings_params() -> dict[str, str]:
    tid, uid = current_tenant_id(), current_user_id()
    return {"tenant": str(tid) if tid else "", "user": str(uid) if uid else ""}


def _set_database_settings(session: Session, _transaction: object, connection: sa.Connection):
    if connection.dialect.name != "postgresql":
        return
    params = _settings_params()
    # Nothing to say yet (a request before its tenant is known): skip the round trip. Every
    # setting is transaction-local, so a pooled connection never carries an earlier tenant's
    # value; the policies read an unset value as "no tenant" and show nothing.
    if params["tenant"] or params["user"]:
        connection.execute(_SET_SETTINGS, params)


def apply_database_settings() -> None:
    """Re-apply the RLS settings now, for a transaction that began before they changed."""
    from core.extensions import db

    session = db.session()
    if not session.in_transaction() or db.engine.dialect.name != "postgresql":
        return
    session.execute(_SET_SETTINGS, _settings_params())


_installed = False


def install() -> None:
    """Install the listeners once per process (they read the context at call time)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "do_orm_execute", _add_tenant_criteria)
    event.listen(Session, "before_flush", _stamp_and_check)
    event.listen(Session, "after_begin", _set_database_settings)
    _installed = True


def tenant_uuid(value: object) -> uuid.UUID | None:  # an id from a URL, or None
    """Parse an id from a URL; None for anything that is not a UUID (so it is simply not found)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None
