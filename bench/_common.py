"""Shared plumbing for the benchmarks: a scratch database, timing, tables, result files.

Every benchmark creates its own database ``ss_bench_<name>`` on the PostgreSQL server named by
``BENCH_DATABASE_ADMIN_URL`` (default: the superuser on 127.0.0.1:5432, as the tests use), with
the two roles the app needs (``ss_bench_owner`` owns and migrates; ``ss_bench_app`` is the
NOSUPERUSER NOBYPASSRLS role the app connects as), migrates it exactly as ``tests/conftest.py``
does, and drops it at the end (``--keep`` keeps it for poking at).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
ADMIN_URL = os.environ.get(
    "BENCH_DATABASE_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
OWNER_ROLE = "ss_bench_owner"
APP_ROLE = "ss_bench_app"

if str(ROOT) not in sys.path:  # `python bench/<name>.py` as well as `python -m bench.<name>`
    sys.path.insert(0, str(ROOT))


def base_arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch database afterwards (for EXPLAIN)"
    )
    return parser


# --- the scratch database ---------------------------------------------------------------


def _terminate_and_drop(conn: sa.Connection, name: str) -> None:
    conn.execute(
        sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = :d AND pid <> pg_backend_pid()"
        ),
        {"d": name},
    )
    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))


@contextmanager
def scratch_database(bench: str, *, keep: bool = False) -> Iterator[dict[str, str]]:
    """Create, role and migrate ``ss_bench_<bench>``; yield its URLs; drop it afterwards."""
    name = f"ss_bench_{bench}"
    admin = make_url(ADMIN_URL)
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        _terminate_and_drop(conn, name)
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    target_admin = admin.set(database=name)
    from core.tenancy.roles import create_roles

    create_roles(
        target_admin.render_as_string(hide_password=False), OWNER_ROLE, None, APP_ROLE, None
    )

    def as_role(role: str) -> str:
        return admin.set(database=name, username=role, password=None).render_as_string(
            hide_password=False
        )

    urls = {
        "name": name,
        "admin": target_admin.render_as_string(hide_password=False),
        "owner": as_role(OWNER_ROLE),
        "app": as_role(APP_ROLE),
    }
    try:
        migrate(urls)
        yield urls
    finally:
        from core.extensions import db

        for app_engine in list(getattr(db, "_app_engines", {}).values()):
            for e in app_engine.values():
                e.dispose()
        if keep:
            print(f"\nkept database {name} ({urls['admin']})")
        else:
            with engine.connect() as conn:
                _terminate_and_drop(conn, name)
                for role in (APP_ROLE, OWNER_ROLE):
                    # Fails (harmlessly) while another benchmark's database still uses the role.
                    with suppress(sa.exc.DBAPIError):
                        conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        engine.dispose()


def app_config(urls: dict[str, str], **extra: Any) -> dict[str, Any]:
    """The settings the tests use (tests/conftest.py), minus the test plugin."""
    instance = Path(tempfile.mkdtemp(prefix="ss-bench-"))
    (instance / "tenants").mkdir()
    config: dict[str, Any] = {
        "ENV": "test",
        "TESTING": False,  # errors become responses, as in production
        "SECRET_KEY": "bench-secret-key-that-is-long-enough-for-the-check",
        "DATABASE_URL": urls["app"],
        "DATABASE_OWNER_URL": urls["owner"],
        "PLUGINS_EXTRA": "",
        "INSTANCE_DIR": str(instance),
        "TENANTS_DIR": str(instance / "tenants"),
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "LOG_LEVEL": "WARNING",
    }
    config.update(extra)
    return config


def create_app(urls: dict[str, str], **extra: Any):
    from core import create_app as factory

    return factory(app_config(urls, **extra))


def migrate(urls: dict[str, str]) -> None:
    from flask_migrate import upgrade

    app = create_app(urls)
    with app.app_context():
        upgrade(revision="heads")


# --- timing and reporting -----------------------------------------------------------------


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of ``samples``."""
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> float:
    """Milliseconds one call of ``fn`` takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def interleaved(
    pairs: dict[str, Callable[[], Any]], rounds: int, warmup: int = 20
) -> dict[str, list[float]]:
    """Time every callable ``rounds`` times, taking turns (A, B, A, B …) so noise hits all alike.

    The order within each round alternates too, so neither side always runs on a warm cache.
    """
    names = list(pairs)
    for _ in range(warmup):
        for name in names:
            pairs[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for i in range(rounds):
        order = names if i % 2 == 0 else names[::-1]
        for name in order:
            samples[name].append(timed(pairs[name]))
    return samples


def summary(samples: Sequence[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "mean": statistics.fmean(samples),
    }


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.2f}"
        return str(value)

    cells = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    for row in cells:
        out.append(
            "  ".join(
                v.rjust(w) if i else v.ljust(w)
                for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(out)


class Report:
    """Prints as it goes and writes the same text to ``bench/results/<name>.txt`` at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = []
        self.say(f"# bench/{name} - {datetime.now(UTC):%Y-%m-%d %H:%M:%SZ}")
        self.say(
            f"# python {platform.python_version()}, {platform.machine()}, {load()} at the start"
        )

    def say(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)

    def save(self) -> Path:
        self.say(f"# {load()} at the end")
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{self.name}.txt"
        path.write_text("\n".join(self.lines) + "\n")
        print(f"(written to {path.relative_to(ROOT)})")
        return path
