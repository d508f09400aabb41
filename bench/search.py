"""Name search at scale: p95 latency of typo'd name searches at 1,000,000 clients / 200 tenants.

Three ways of running the same searches, interleaved query by query:

* ``api``    - ``GET /api/v1/<tenant>/clients?q=…&page_size=25`` through the Flask test client
               (auth, tenant, ``search_statement``, count + page, audit event, JSON);
* ``orm``    - ``core.clients.search.search_statement`` executed like the paginator does
               (count + page of 25) inside an app context and tenant context;
* ``direct`` - the very SQL the API sent (captured from the engine), replayed with psycopg as
               the app role with the same ``set_config`` for RLS: the floor for this SQL.

Run: ``.venv/bin/python -m bench.search`` (``--clients 100000 --tenants 20`` for a quick run).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/search.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
import sqlalchemy as sa
from flask import g
from sqlalchemy import event

from bench import _common as c
from bench._data import BenchTenant, copy_clients, psycopg_url, seed_tenants, typo

SET_SETTINGS = (
    "SELECT set_config('app.current_tenant', %s, true), set_config('app.current_user', %s, true)"
)


def make_queries(
    tenants: list[BenchTenant], count: int, rng: random.Random
) -> list[tuple[BenchTenant, str, Any, str]]:
    """(tenant, query, wanted client id, kind): full names and family names with one typo."""
    out = []
    for i in range(count):
        tenant = rng.choice(tenants)
        k = rng.randrange(len(tenant.names))
        given, family = (w.lower() for w in tenant.names[k])
        if i % 5 < 3:
            if rng.random() < 0.5:
                q, kind = f"{typo(given, rng)} {family}", "full name, typo"
            else:
                q, kind = f"{given} {typo(family, rng)}", "full name, typo"
        else:
            q, kind = typo(family, rng), "family name, typo"
        out.append((tenant, q, tenant.client_ids[k], kind))
    return out


class Capture:
    """Records the SQL an app request sends, so it can be replayed directly."""

    def __init__(self, engine: sa.Engine) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.on and "FROM client" in statement and not statement.startswith("INSERT"):
            self.statements.append((statement, parameters))

    def run(self, fn: Callable[[], Any]) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.statements


def main(argv: list[str] | None = None) -> int:
    parser = c.base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--queries", type=int, default=300, help="distinct searches timed")
    args = parser.parse_args(argv)
    report = c.Report("search")
    per_tenant = args.clients // args.tenants
    report.say(
        f"# {per_tenant * args.tenants:,} clients over {args.tenants} tenants, "
        f"{args.queries} typo'd searches, page_size=25"
    )
    with c.scratch_database("search", keep=args.keep) as urls:
        app = c.create_app(urls)
        t = time.perf_counter()
        tenants = seed_tenants(app, args.tenants)
        report.say(
            f"  {args.tenants} tenants with staff and tokens: {time.perf_counter() - t:.1f} s"
        )
        copy_clients(urls["admin"], tenants, per_tenant, keep_names=200, say=report.say)
        run(app, urls, tenants, args, report)
    report.save()
    return 0


def run(app, urls: dict[str, str], tenants: list[BenchTenant], args, report: c.Report) -> None:
    from core.clients.search import search_statement
    from core.extensions import db
    from core.tenancy.context import tenant_context

    rng = random.Random(11)
    queries = make_queries(tenants, args.queries, rng)
    http = app.test_client()
    with app.app_context():
        capture = Capture(db.engine)
    direct = psycopg.connect(psycopg_url(urls["app"]))
    memberships: dict[Any, Any] = {}

    def api(tenant: BenchTenant, q: str):
        response = http.get(
            f"/api/v1/{tenant.slug}/clients",
            query_string={"q": q, "page_size": 25},
            headers=tenant.auth(),
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    def orm(tenant: BenchTenant, q: str) -> Callable[[], Any]:
        """A closure timing count + page through search_statement inside the tenant context."""

        def go() -> None:
            with app.app_context(), tenant_context(tenant.tenant_id):
                from core.accounts.models import Membership

                g.membership = db.session.get(Membership, tenant.membership_id)
                db.session.commit()  # the timed part starts a fresh transaction, as a request does
                start = time.perf_counter()
                stmt = search_statement(q=q)
                db.session.execute(
                    sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
                ).scalar_one()
                db.session.execute(stmt.limit(25).offset(0)).scalars().all()
                db.session.commit()
                memberships["t"] = (time.perf_counter() - start) * 1000

        return go

    def replay(tenant: BenchTenant, statements: list[tuple[str, Any]]) -> Callable[[], None]:
        def go() -> None:
            with direct.transaction(), direct.cursor() as cur:
                cur.execute(SET_SETTINGS, (str(tenant.tenant_id), ""))
                for sql, params in statements:
                    cur.execute(sql, params)
                    cur.fetchall()

        return go

    # Capture each search's SQL from one API call (this also warms the caches).
    prepared = []
    found = 0
    for tenant, q, wanted, kind in queries:
        statements = capture.run(lambda tenant=tenant, q=q: api(tenant, q))
        body = api(tenant, q).get_json()
        found += any(item["id"] == str(wanted) for item in body)
        prepared.append((tenant, q, kind, statements))
    warm = prepared[: min(20, len(prepared))]
    for tenant, q, _kind, statements in warm:
        replay(tenant, statements)()
        orm(tenant, q)()

    samples: dict[str, list[float]] = {"api": [], "orm": [], "direct": []}
    by_kind: dict[str, dict[str, list[float]]] = {}
    matches: list[int] = []
    for i, (tenant, q, kind, statements) in enumerate(prepared):
        steps = {
            "api": lambda tenant=tenant, q=q: api(tenant, q),
            "orm": orm(tenant, q),
            "direct": replay(tenant, statements),
        }
        order = list(steps)
        order = order[i % 3 :] + order[: i % 3]
        for name in order:
            ms = c.timed(steps[name])
            if name == "orm":
                ms = memberships["t"]  # only the search itself, not entering the context
            samples[name].append(ms)
            by_kind.setdefault(kind, {}).setdefault(name, []).append(ms)
    with app.app_context(), tenant_context(tenants[0].tenant_id):
        for tenant, q, _kind, _s in prepared[:50]:
            with tenant_context(tenant.tenant_id):
                from core.accounts.models import Membership

                g.membership = db.session.get(Membership, tenant.membership_id)
                stmt = search_statement(q=q)
                matches.append(
                    db.session.execute(
                        sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())
                    ).scalar_one()
                )

    direct_s = c.summary(samples["direct"])
    rows = []
    for name, label in (
        ("direct", "direct SQL (psycopg, app role, RLS)"),
        ("orm", "search_statement (ORM, count+page)"),
        ("api", "API GET /clients?q= (full stack)"),
    ):
        s = c.summary(samples[name])
        rows.append(
            [
                label,
                s["n"],
                s["p50"],
                s["p95"],
                s["mean"],
                s["p50"] / direct_s["p50"],
                s["p95"] / direct_s["p95"],
            ]
        )
    report.say()
    report.say(c.table(["path", "n", "p50 ms", "p95 ms", "mean ms", "x p50", "x p95"], rows))
    report.say()
    kind_rows = []
    for kind, per in by_kind.items():
        kind_rows.append(
            [kind, len(per["api"])] + [c.percentile(per[n], 95) for n in ("direct", "orm", "api")]
        )
    report.say(c.table(["query kind", "n", "direct p95", "orm p95", "api p95"], kind_rows))
    report.say()
    p95 = c.summary(samples["api"])["p95"]
    report.say(
        f"target: p95 < 50 ms through the API -> {p95:.1f} ms "
        f"({'met' if p95 < 50 else 'MISSED'}); wanted client on page 1 for "
        f"{found}/{len(prepared)} searches; matches per search (first 50): "
        f"median {sorted(matches)[len(matches) // 2]}, max {max(matches)}"
    )
    explain(direct, prepared, report)
    direct.close()


def explain(direct: psycopg.Connection, prepared, report: c.Report) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the page query for one query of each kind."""
    seen: set[str] = set()
    for tenant, q, kind, statements in prepared:
        if kind in seen:
            continue
        seen.add(kind)
        sql, params = statements[-1]  # the page query (the count comes first)
        report.say()
        report.say(f"EXPLAIN (ANALYZE, BUFFERS) page query for {q!r} ({kind}):")
        with direct.transaction(), direct.cursor() as cur:
            cur.execute(SET_SETTINGS, (str(tenant.tenant_id), ""))
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            for (line,) in cur.fetchall():
                keep = (
                    "Scan" in line
                    or "Index Cond" in line
                    or "Recheck" in line
                    or "Rows Removed" in line
                    or "Heap Blocks" in line
                    or "Limit" in line
                    or "Sort" in line
                    or line.lstrip().startswith(("Buffers", "Planning Time", "Execution Time"))
                )
                if keep:
                    report.say("  " + line.rstrip())


if __name__ == "__main__":
    sys.exit(main())
