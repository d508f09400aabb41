"""Bulk client import vs PostgreSQL COPY of the same rows, and peak memory (issue #7).

    python -m bench.import [--rows 100000]

Both load the same generated CSV into two fresh tenants of a scratch database; the ratio is
import rows/s ÷ COPY rows/s (target ≥ 0.3). Peak memory: tracemalloc peak of the import job
(Python allocations) and the process's max RSS.
"""

from __future__ import annotations

import csv
import resource
import time
import tracemalloc
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bench._common import base_arguments, create_app, scratch_database, table
from bench._data import nhs_numbers, seed_tenants


def write_csv(path: Path, rows: int) -> None:
    numbers = nhs_numbers()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["nhs_number", "local_id", "given_name", "family_name", "date_of_birth"])
        for i in range(rows):
            writer.writerow([next(numbers), f"L{i}", f"Given{i % 997}", f"Family{i}", "1980-01-01"])


def main() -> None:
    parser = base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with scratch_database("import", keep=args.keep) as urls:
        app = create_app(urls)
        first, second = seed_tenants(app, 2, prefix="imp")
        source = Path(app.config["INSTANCE_DIR"]) / "bench-import.csv"
        write_csv(source, args.rows)

        # COPY as the owner into tenant 2 (same columns plus the tenant and defaults).
        engine = sa.create_engine(urls["admin"])
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
                        copy.write_row([*line, second.tenant_id, uuid.uuid4(), "open", 1, now, now])
        copy_seconds = time.perf_counter() - started
        engine.dispose()

        from core.imports.clients import import_clients, uploads_dir
        from core.tenancy.context import tenant_context

        with app.app_context(), tenant_context(first.tenant_id):
            folder = uploads_dir()
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / "bench.csv"
            target.write_bytes(source.read_bytes())
            tracemalloc.start()
            started = time.perf_counter()
            result = import_clients(upload="bench.csv", format="csv")
            import_seconds = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        copy_rate, import_rate = args.rows / copy_seconds, args.rows / import_seconds
        print(
            table(
                ["method", "rows", "seconds", "rows/s"],
                [
                    ["COPY", args.rows, copy_seconds, copy_rate],
                    ["import job", result.data["created"], import_seconds, import_rate],
                ],
            )
        )
        print(f"ratio import/COPY: {import_rate / copy_rate:.2f}x (target >= 0.3x)")
        print(f"peak traced Python memory: {peak / 2**20:.1f} MiB; max RSS: {rss_mb:.0f} MiB")


if __name__ == "__main__":
    main()
