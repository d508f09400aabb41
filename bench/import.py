"""Bulk client import vs PostgreSQL COPY of the same rows, and peak memory (issue #7).

    python -m bench.import [--rows 100000] [--no-memory] [--profile N]

All runs load the same generated CSV into fresh tenants of one scratch database:

* **COPY**: the superuser ``COPY``s the rows (plus tenant, id and defaults) into one tenant,
  once before and once after the import; the baseline is the mean of the two rates, so load
  that comes and goes during the run hits both sides.
* **speed**: ``import_clients`` (the job function: validation, error report, matching, batches,
  audit events, commits) into another tenant, *without* any memory tracing. Wall time and the
  process CPU time are both shown (the gap is waiting on PostgreSQL and other processes).
* **memory** (unless ``--no-memory``): the same import into a third tenant with ``tracemalloc``
  on (which slows Python down a lot, so it is never the timed run): its traced peak, and the
  growth of max RSS over the speed run's.

``--profile N`` instead imports the first N rows under cProfile and prints the top functions.
The ratio is import rows/s ÷ COPY rows/s (target ≥ 0.3).
"""

from __future__ import annotations

import cProfile
import csv
import io
import pstats
import resource
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench._common import Report, base_arguments, create_app, scratch_database, table
from bench._data import nhs_numbers, seed_tenants

HEADER = ["nhs_number", "local_id", "given_name", "family_name", "date_of_birth"]


def write_csv(path: Path, rows: int) -> None:
    numbers = nhs_numbers()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            writer.writerow([next(numbers), f"L{i}", f"Given{i % 997}", f"Family{i}", "1980-01-01"])


def copy_rows(admin_url: str, source: Path, tenant_id: uuid.UUID) -> float:
    """Seconds to COPY the file's rows into ``tenant_id`` as the superuser."""
    engine = sa.create_engine(admin_url)
    started = time.perf_counter()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        raw = conn.connection.dbapi_connection
        with raw.cursor() as cursor, source.open(newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            with cursor.copy(
                "COPY client (nhs_number, local_id, given_name, family_name, date_of_birth, "
                "tenant_id, id, status, version, created_at, updated_at) FROM STDIN"
            ) as copy:
                for line in reader:
                    copy.write_row([*line, tenant_id, uuid.uuid4(), "open", 1, now, now])
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def analyze(admin_url: str, *, analyze_now: bool) -> str:
    """``ANALYZE client`` (what autovacuum does in production); returns the autovacuum setting.

    The dev/test server runs with autovacuum off, so a scratch table would otherwise never get
    statistics, and with none the planner serves the import's per-batch look-ups from the
    trigram GiST index (tenant prefix only): O(rows in the tenant) per batch, quadratic overall.
    """
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        setting = conn.execute(sa.text("SHOW autovacuum")).scalar_one()
        if analyze_now:
            conn.execute(sa.text("ANALYZE client"))
    engine.dispose()
    return setting


def run_import(app, tenant_id: uuid.UUID, source: Path, name: str):
    """(result, wall seconds, CPU seconds) of the import job function for ``source``."""
    from core.imports.clients import import_clients, uploads_dir
    from core.tenancy.context import tenant_context

    with app.app_context(), tenant_context(tenant_id):
        folder = uploads_dir()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(source.read_bytes())
        cpu, started = time.process_time(), time.perf_counter()
        result = import_clients(upload=name, format="csv")
        return result, time.perf_counter() - started, time.process_time() - cpu


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile an import of N rows")
    parser.add_argument("--top", type=int, default=30, help="functions shown with --profile")
    parser.add_argument(
        "--no-analyze", action="store_true", help="leave the client table without statistics"
    )
    args = parser.parse_args()
    report = Report("import" if not args.profile else "import-profile")
    with scratch_database("import", keep=args.keep) as urls:
        app = create_app(urls)
        speed, baseline, memory, after = seed_tenants(app, 4, prefix="imp")
        source = Path(app.config["INSTANCE_DIR"]) / "bench-import.csv"

        if args.profile:
            write_csv(source, args.profile)
            copy_rows(urls["admin"], source, baseline.tenant_id)
            analyze(urls["admin"], analyze_now=not args.no_analyze)
            profiler = cProfile.Profile()
            profiler.enable()
            result, wall, cpu = run_import(app, speed.tenant_id, source, "profile.csv")
            profiler.disable()
            report.say(f"import of {args.profile} rows: {wall:.2f} s wall, {cpu:.2f} s CPU")
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs()
            stats.sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            report.say(out.getvalue())
            report.save()
            return

        write_csv(source, args.rows)
        copy_before = copy_rows(urls["admin"], source, baseline.tenant_id)
        autovacuum = analyze(urls["admin"], analyze_now=not args.no_analyze)
        report.say(
            f"autovacuum is {autovacuum} on this server; "
            + ("client table left unanalysed" if args.no_analyze else "ANALYZE client run")
            + " after the first COPY"
        )
        rss_before = max_rss_mib()
        result, import_seconds, import_cpu = run_import(app, speed.tenant_id, source, "speed.csv")
        rss_speed = max_rss_mib()
        copy_after = copy_rows(urls["admin"], source, after.tenant_id)
        copy_rate = (args.rows / copy_before + args.rows / copy_after) / 2
        import_rate = args.rows / import_seconds
        report.say(
            table(
                ["method", "rows", "seconds", "CPU s", "rows/s"],
                [
                    ["COPY (before)", args.rows, copy_before, "-", args.rows / copy_before],
                    ["import job", result.data["created"], import_seconds, import_cpu, import_rate],
                    ["COPY (after)", args.rows, copy_after, "-", args.rows / copy_after],
                ],
            )
        )
        report.say(f"ratio import/COPY: {import_rate / copy_rate:.2f}x (target >= 0.3x)")
        report.say(
            f"max RSS: {rss_before:.0f} MiB before the import, {rss_speed:.0f} MiB after "
            f"(+{rss_speed - rss_before:.0f} MiB for {args.rows} rows)"
        )

        if not args.no_memory:
            tracemalloc.start()
            result, seconds, _cpu = run_import(app, memory.tenant_id, source, "memory.csv")
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            report.say(
                f"memory run (tracemalloc on, {seconds:.1f} s, not timed): "
                f"{result.data['created']} created, peak traced Python memory "
                f"{peak / 2**20:.1f} MiB; max RSS now {max_rss_mib():.0f} MiB"
            )
        report.save()


if __name__ == "__main__":
    main()
