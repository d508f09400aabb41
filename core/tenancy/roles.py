"""Creating the two PostgreSQL roles row-level security depends on.

* the **owner** owns the schema and tables and runs migrations; RLS is FORCEd so even it is held;
* the **application** role has only DML grants, is NOSUPERUSER NOBYPASSRLS and owns nothing;
  it may INSERT and SELECT audit events, never UPDATE or DELETE them.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url

#: Tables the app may only add to and read: the audit trail and its seals (their triggers refuse
#: changes even from the owner; the missing privileges are the first line).
APPEND_ONLY = ("audit_event", "audit_seal")


def _ident(conn: sa.Connection, name: str) -> str:
    return conn.execute(sa.text("SELECT quote_ident(:n)"), {"n": name}).scalar_one()


def create_roles(
    admin_url: str, owner: str, owner_password: str | None, app: str, app_password: str | None
) -> list[str]:
    """Create or correct both roles and their grants on the admin URL's database. Idempotent."""
    url = make_url(admin_url)
    database = url.database
    lines: list[str] = []
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            o, a = _ident(conn, owner), _ident(conn, app)
            db_ident = _ident(conn, database)
            for role, password, ident in ((owner, owner_password, o), (app, app_password, a)):
                exists = conn.execute(
                    sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                ).first()
                verb = "ALTER" if exists else "CREATE"
                conn.execute(
                    sa.text(f"{verb} ROLE {ident} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE")
                )
                if password:
                    conn.execute(
                        sa.text(
                            f"ALTER ROLE {ident} PASSWORD "
                            + conn.execute(
                                sa.text("SELECT quote_literal(:p)"), {"p": password}
                            ).scalar_one()
                        )
                    )
                lines.append(f"{'updated' if exists else 'created'} role {role}")
            conn.execute(sa.text(f"GRANT CONNECT ON DATABASE {db_ident} TO {o}, {a}"))
            conn.execute(sa.text(f"GRANT CREATE ON DATABASE {db_ident} TO {o}"))
            conn.execute(sa.text(f"ALTER SCHEMA public OWNER TO {o}"))
            conn.execute(sa.text(f"GRANT USAGE ON SCHEMA public TO {a}"))
            conn.execute(sa.text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {a}"))
            # Tables the owner creates later (migrations) are usable by the app role at once.
            conn.execute(
                sa.text(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}"
                )
            )
            conn.execute(
                sa.text(
                    f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
                    f"GRANT USAGE, SELECT ON SEQUENCES TO {a}"
                )
            )
            conn.execute(
                sa.text(
                    f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}"
                )
            )
            for table in APPEND_ONLY:
                exists = conn.execute(sa.text(f"SELECT to_regclass('public.{table}')")).scalar()
                if exists:
                    conn.execute(sa.text(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {a}"))
            only = ", ".join(APPEND_ONLY)
            lines.append(f"granted {app} DML only ({only}: INSERT and SELECT) on {database}")
    finally:
        engine.dispose()
    lines.append(
        f"DATABASE_OWNER_URL: postgresql://{owner}@{url.host}:{url.port or 5432}/{database}"
    )
    lines.append(f"DATABASE_URL:       postgresql://{app}@{url.host}:{url.port or 5432}/{database}")
    return lines
