"""PostgreSQL row-level security DDL, used by migrations (core's and plugins').

Every tenant table gets ``ENABLE`` and ``FORCE ROW LEVEL SECURITY`` (FORCE so even the owner is
held) and one policy for all commands comparing ``tenant_id`` with the transaction-local setting.
``NULLIF(…, '')`` matters: once a transaction-local setting has been used in a session it reads
back as ``''`` afterwards, and a bare cast of ``''`` would raise instead of matching nothing.
On SQLite these helpers do nothing: there the ORM filter is the only guard (dev only).
"""

from __future__ import annotations

from alembic import op

CURRENT_TENANT = "NULLIF(current_setting('app.current_tenant', true), '')::uuid"
CURRENT_USER = "NULLIF(current_setting('app.current_user', true), '')::uuid"


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def enable_tenant_rls(table: str, *, using: str | None = None, check: str | None = None) -> None:
    """Enable, force and add the tenant isolation policy on ``table`` (idempotent by name)."""
    if not _is_postgresql():
        return
    using = using or f"tenant_id = {CURRENT_TENANT}"
    check = check or f"tenant_id = {CURRENT_TENANT}"
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
    op.execute(
        f'CREATE POLICY tenant_isolation ON "{table}" FOR ALL USING ({using}) WITH CHECK ({check})'
    )


def disable_tenant_rls(table: str) -> None:
    """Reverse of :func:`enable_tenant_rls`, for downgrades."""
    if not _is_postgresql():
        return
    op.execute(f'DROP POLICY IF EXISTS tenant_isolation ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
