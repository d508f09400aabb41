"""The restore drill (SECURITY R2): dump, restore into a scratch database, compare, verify.

:func:`run_drill` takes a ``pg_dump -Fc`` of the configured database (or uses a dump it is
given), restores it with ``pg_restore`` into a new scratch database on the same server, counts
every table's rows in the source and in the copy, verifies each audit hash chain of the copy,
times each step (the RTO evidence) and drops the scratch database.

Every count and the dump run as the ``--admin-url`` role, which must be a superuser or have
``BYPASSRLS``: row-level security is ``FORCE``d on tenant tables, so the owner
(``DATABASE_OWNER_URL``) sees only the rows of the tenant set in its transaction — none — and
``pg_dump`` as the owner either stops ("query would be affected by row-level security") or,
with ``--enable-row-security``, silently dumps nothing of those tables.

The source's rows are counted in the very snapshot ``pg_dump`` dumps (``pg_export_snapshot`` +
``pg_dump --snapshot``), so the counts are exact on a live database. The audit chains of the
copy are verified as the application role, like the daily ``flask audit verify``, against the
source's head copies in Redis: those are keyed by database name (``head_key``), so the drill
reads the source's heads *before* the snapshot (a seal run meanwhile leaves them behind the
dump, which the verifier accepts), writes them under the scratch database's keys for the
verification, and removes them afterwards. Each restored head is also compared with the
source's head in the dumped snapshot.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.engine import URL, make_url

from core import config as settings

LIST_TABLES = sa.text(
    "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
)
CHAIN_HEADS = sa.text(
    "SELECT DISTINCT ON (tenant_id) tenant_id, position, chain_hash FROM audit_seal "
    "ORDER BY tenant_id, position DESC"
)
SCRATCH_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class DrillError(RuntimeError):
    """The drill could not run (not PostgreSQL, wrong role, tools of another version…)."""


@dataclass
class TableCount:
    name: str
    source: int | None  # None: the table is missing on that side
    restored: int | None

    @property
    def ok(self) -> bool:
        return self.source == self.restored


@dataclass
class ChainCheck:
    label: str
    problems: list[str]
    summary: str

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class DrillReport:
    source: str
    scratch: str
    dump: str
    tables: list[TableCount] = field(default_factory=list)
    chains: list[ChainCheck] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    kept: bool = False

    @property
    def differences(self) -> list[TableCount]:
        return [t for t in self.tables if not t.ok]

    @property
    def ok(self) -> bool:
        return not self.differences and all(c.ok for c in self.chains)


# -- connections and tools ----------------------------------------------------------------


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URL for the PostgreSQL tools, and the environment carrying its password (kept off
    the command line, where ``ps`` would show it)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _tool(pg_bin: str | None, name: str) -> str:
    found = shutil.which(name, path=pg_bin) if pg_bin else shutil.which(name)
    if not found:
        raise DrillError(f"{name} not found{f' in {pg_bin}' if pg_bin else ''}.")
    return found


def _major(version_text: str) -> int:
    """15 from ``pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)``."""
    match = re.search(r"\(PostgreSQL\)\s*(\d+)", version_text)
    if not match:
        raise DrillError(f"Cannot read a version from {version_text!r}.")
    return int(match.group(1))


def check_tools(conn: sa.Connection, pg_bin: str | None) -> str:
    """Refuse tools of another major version than the server; return the version line.

    An older ``pg_dump`` refuses a newer server ("server version mismatch"); a newer one dumps
    SQL an older server may not restore, and an older ``pg_restore`` cannot read its archive
    ("unsupported version in file header"). Same major version, or ``--pg-bin`` to the right ones.
    """
    server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
    for name in ("pg_dump", "pg_restore"):
        line = subprocess.run(  # noqa: S603 - a fixed tool, no shell
            [_tool(pg_bin, name), "--version"], capture_output=True, text=True, check=True
        ).stdout.strip()
        if _major(line) != server:
            raise DrillError(
                f"{line} does not match the server (PostgreSQL {server}). Install the "
                f"PostgreSQL {server} client tools and pass their directory with --pg-bin."
            )
    return line


def _check_admin(conn: sa.Connection) -> None:
    row = conn.execute(
        sa.text(
            "SELECT current_user AS name, rolsuper, rolbypassrls, rolcreatedb FROM pg_roles "
            "WHERE rolname = current_user"
        )
    ).one()
    if not (row.rolsuper or row.rolbypassrls) or not (row.rolsuper or row.rolcreatedb):
        raise DrillError(
            f"The admin URL connects as {row.name}, which is held by row-level security or "
            "cannot create databases. The drill counts every row and dumps every table, so it "
            "needs a superuser (or a BYPASSRLS, CREATEDB role). The owner role is not enough: "
            "row-level security is FORCEd, so it sees no tenant's rows."
        )


def _check_same_database(conn: sa.Connection) -> None:
    """The admin URL must reach the very database ``DATABASE_URL`` names, not a namesake."""
    from core.extensions import db

    fingerprint = sa.text(
        "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()), "
        "pg_postmaster_start_time()"
    )
    with db.engine.connect() as app_conn:
        expected = tuple(app_conn.execute(fingerprint).one())
    if tuple(conn.execute(fingerprint).one()) != expected:
        raise DrillError(
            "The admin URL reaches another server than DATABASE_URL (same database name, "
            "different instance); point it at the server DATABASE_URL uses."
        )


def _count(conn: sa.Connection) -> dict[str, int]:
    tables = conn.execute(LIST_TABLES).scalars().all()
    return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


def _heads(conn: sa.Connection) -> dict[uuid.UUID | None, tuple[int, str]]:
    if conn.execute(sa.text("SELECT to_regclass('audit_seal')")).scalar_one() is None:
        return {}
    return {r.tenant_id: (r.position, r.chain_hash) for r in conn.execute(CHAIN_HEADS)}


@contextmanager
def _clock(report: DrillReport, step: str):
    started = time.monotonic()
    yield
    report.timings[step] = time.monotonic() - started


# -- the drill ----------------------------------------------------------------------------


def run_drill(
    admin_url: str,
    *,
    dump: Path | None = None,
    save_dump: Path | None = None,
    scratch: str | None = None,
    keep: bool = False,
    pg_bin: str | None = None,
    after_restore: Callable[[str], None] | None = None,
) -> DrillReport:
    """Run the drill for the current app's database; see the module docstring.

    :param admin_url: a superuser (or BYPASSRLS + CREATEDB) connection to the server; its
        database part is ignored.
    :param dump: restore this existing ``pg_dump -Fc`` file instead of taking a dump. The source
        is then counted as it is now: rows written since the dump show as differences.
    :param save_dump: keep the dump taken at this path (default: a temporary file, removed).
    :param scratch: the scratch database's name (default ``<source>_drill_<UTC time>``); it
        must not exist yet.
    :param keep: leave the scratch database for inspection.
    :param after_restore: called with the scratch admin URL after the restore (tests use it to
        damage the copy).
    """
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        raise DrillError(
            "The restore drill needs PostgreSQL; this database is "
            f"{make_url(uri).get_backend_name()} (the development database). Back up its "
            "file instead; nothing was done."
        )
    source_name = make_url(uri).database
    admin = make_url(settings.normalise_database_url(admin_url))
    scratch = scratch or f"{source_name[:40]}_drill_{datetime.now(UTC):%Y%m%d%H%M%S}"
    if not SCRATCH_NAME.match(scratch) or scratch == source_name:
        raise DrillError(f"{scratch!r} cannot be the scratch database's name.")
    report = DrillReport(source=source_name, scratch=scratch, dump=str(dump))
    source_engine = sa.create_engine(admin.set(database=source_name))
    server_engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    workdir = tempfile.mkdtemp(prefix="ss-drill-")
    try:
        with source_engine.connect() as conn:
            _check_admin(conn)
            _check_same_database(conn)
            check_tools(conn, pg_bin)
        redis_heads = _redis_heads(source_engine)  # before the snapshot: see the docstring
        started = time.monotonic()
        if dump is None:
            dump = save_dump or Path(workdir) / "drill.dump"
            report.dump = str(save_dump or "(temporary, removed)")
            source_counts, source_heads = _dump(
                report, source_engine, admin.set(database=source_name), dump, pg_bin
            )
        else:
            with source_engine.connect() as conn:
                conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    source_counts, source_heads = _count(conn), _heads(conn)
        with server_engine.connect() as conn:
            if conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": scratch}
            ).first():
                raise DrillError(f"Database {scratch} already exists; choose another --scratch.")
            conn.execute(sa.text(f'CREATE DATABASE "{scratch}" TEMPLATE template0'))
        try:
            with _clock(report, "restore"):
                _restore(admin.set(database=scratch), dump, pg_bin)
            with _clock(report, "analyze"):
                _analyze(admin.set(database=scratch))
            if after_restore:
                after_restore(admin.set(database=scratch).render_as_string(hide_password=False))
            scratch_engine = sa.create_engine(admin.set(database=scratch))
            with _clock(report, "count"), scratch_engine.connect() as conn:
                restored_counts, restored_heads = _count(conn), _heads(conn)
                chains = _chain_list(conn)
            scratch_engine.dispose()
            names = sorted(set(source_counts) | set(restored_counts))
            report.tables = [
                TableCount(t, source_counts.get(t), restored_counts.get(t)) for t in names
            ]
            with _clock(report, "verify"):
                report.chains = _verify(scratch, chains, redis_heads, source_heads, restored_heads)
            report.timings["total"] = time.monotonic() - started
        finally:
            if keep:
                report.kept = True
            else:
                with server_engine.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        source_engine.dispose()
        server_engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    return report


def _dump(report, source_engine, source: URL, path: Path, pg_bin):
    """``pg_dump -Fc`` in an exported snapshot, counting the rows in that same snapshot."""
    target, env = _libpq(source)
    with source_engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            with _clock(report, "dump"):
                done = subprocess.run(  # noqa: S603 - fixed tool and arguments, no shell
                    [
                        _tool(pg_bin, "pg_dump"),
                        "-Fc",
                        f"--snapshot={snapshot}",
                        "--no-password",
                        "-f",
                        str(path),
                        "-d",
                        target,
                    ],
                    env=env,
                    capture_output=True,
                    text=True,
                )
            if done.returncode:
                raise DrillError(f"pg_dump failed:\n{done.stderr.strip()}")
            return _count(conn), _heads(conn)


def _restore(scratch: URL, path: Path, pg_bin: str | None) -> None:
    target, env = _libpq(scratch)
    done = subprocess.run(  # noqa: S603 - fixed tool and arguments, no shell
        [_tool(pg_bin, "pg_restore"), "--exit-on-error", "--no-password", "-d", target, str(path)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise DrillError(f"pg_restore failed:\n{done.stderr.strip()}")


def _analyze(scratch: URL) -> None:
    """``pg_restore`` leaves no planner statistics, and until autovacuum catches up some queries
    take minutes instead of milliseconds (the verifier's search for unsealed events, over a
    million audit events, ran for over ten minutes): a real recovery runs ANALYZE too."""
    engine = sa.create_engine(scratch, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def _chain_list(conn: sa.Connection) -> list[tuple[uuid.UUID | None, str]]:
    from core.audit.chain import PLATFORM

    if conn.execute(sa.text("SELECT to_regclass('tenant')")).scalar_one() is None:
        return []
    tenants = conn.execute(sa.text("SELECT id, slug FROM tenant ORDER BY slug")).all()
    return [(None, PLATFORM), *((row.id, row.slug) for row in tenants)]


def _redis_heads(source_engine: sa.Engine) -> dict[uuid.UUID | None, tuple[int, str]]:
    """The source's head copies in Redis, by chain (empty without ``REDIS_URL``)."""
    from core.audit.chain import stored_head

    if not current_app.config.get("REDIS_URL"):
        return {}
    with source_engine.connect() as conn:
        chains = _chain_list(conn)
    found = {}
    for tenant_id, _ in chains:
        head = stored_head(tenant_id)
        if head is not None:
            found[tenant_id] = head
    return found


def _scratch_app(scratch: str) -> Flask:
    """This app's settings, with ``DATABASE_URL`` (same application role) on the scratch copy."""
    from core import create_app

    config = current_app.config
    names = (*settings.defaults(), *settings.ENV_SETTINGS)
    overrides = {name: config[name] for name in names if name in config}
    overrides["DATABASE_URL"] = (
        make_url(config["SQLALCHEMY_DATABASE_URI"])
        .set(database=scratch)
        .render_as_string(hide_password=False)
    )
    return create_app(overrides)


def _verify(scratch, chains, redis_heads, source_heads, restored_heads) -> list[ChainCheck]:
    """``verify_chain`` on each chain of the copy, against the source's head copies and heads."""
    from core.audit import chain
    from core.extensions import db

    app = _scratch_app(scratch)
    checks = []
    with app.app_context():
        try:
            for tenant_id, head in redis_heads.items():
                chain.copy_head(tenant_id, *head)
                redis = chain._redis()
                with redis:  # removed below; expire anyway if the drill is killed
                    redis.expire(chain.head_key(tenant_id), 24 * 3600)
            for tenant_id, label in chains:
                result = chain.verify_chain(tenant_id)
                problems = [finding.line() for finding in result.findings]
                source = source_heads.get(tenant_id, (0, chain.GENESIS))
                restored = restored_heads.get(tenant_id, (0, chain.GENESIS))
                if restored != source:
                    problems.append(
                        f"head differs from the source: restored {restored[0]} link(s), "
                        f"{restored[1][:12]}…; source {source[0]}, {source[1][:12]}…"
                    )
                checks.append(
                    ChainCheck(
                        label,
                        problems,
                        f"{result.length} link(s), head {result.head[:12]}…, "
                        f"{result.not_yet_sealed} not sealed yet; head copy: {result.head_copy}",
                    )
                )
        finally:
            redis = chain._redis()  # the verifier's own Redis settings
            if redis is not None:
                with redis:
                    for tenant_id in {t for t, _ in chains} | set(redis_heads):
                        redis.delete(chain.head_key(tenant_id))
            db.engine.dispose()
    return checks
