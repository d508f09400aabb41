"""Row-level security overhead: the same SQL with RLS enforced and with RLS bypassed.

The app's own SQL for four reads is captured from real API requests (so it carries the ORM's
``tenant_id = …`` criteria exactly as in production): client detail by id, a list page of 25,
the list's count, and a typo'd name search (page of 25). Each is then run with psycopg in a
transaction ``BEGIN; set_config(tenant, user); <query>; COMMIT`` on two connections:

* ``rls on``  - the app role (NOSUPERUSER NOBYPASSRLS): the ``tenant_isolation`` policies apply;
* ``rls off`` - a superuser on the same database, which bypasses RLS: same tables, same
                indexes, same statistics, same transaction shape.

Calls alternate on/off (order swapped each round). Overhead = on / off - 1.

Run: ``.venv/bin/python -m bench.rls_overhead`` (defaults: 100,000 clients over 20 tenants, the
same 5,000 clients per tenant as the 1,000,000/200 search benchmark).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/rls_overhead.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench import _common as c
from bench._data import copy_clients, psycopg_url, seed_tenants, typo
from bench.api_overhead import Capture

SET_SETTINGS = (
    "SELECT set_config('app.current_tenant', %s, true), set_config('app.current_user', %s, true)"
)


def main(argv: list[str] | None = None) -> int:
    parser = c.base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--tenants", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=300, help="timed runs of each query")
    args = parser.parse_args(argv)
    report = c.Report("rls_overhead")
    report.say(
        f"# {args.clients:,} clients over {args.tenants} tenants; {args.rounds} runs per query "
        "per side, interleaved"
    )
    with c.scratch_database("rls_overhead", keep=args.keep) as urls:
        app = c.create_app(urls)
        tenants = seed_tenants(app, args.tenants)
        copy_clients(
            urls["admin"], tenants, args.clients // args.tenants, keep_names=500, say=report.say
        )
        run(app, urls, tenants, args, report)
    report.save()
    return 0


def capture_queries(app, tenants, rng: random.Random, rounds: int) -> list[tuple[str, Any, Any]]:
    """(kind, tenant, [(sql, params)]) for ``rounds`` requests of each kind, from the real API."""
    from core.extensions import db

    with app.app_context():
        capture = Capture(db.engine)
    http = app.test_client()
    out = []
    for _ in range(rounds):
        t = rng.choice(tenants)
        k = rng.randrange(len(t.client_ids))
        given, family = (w.lower() for w in t.names[k])
        requests = {
            "detail": f"/api/v1/{t.slug}/clients/{t.client_ids[k]}",
            "list": f"/api/v1/{t.slug}/clients?page_size=25&page={rng.randrange(1, 20)}",
            "search": f"/api/v1/{t.slug}/clients?page_size=25&q={given}+{typo(family, rng)}",
        }
        for kind, path in requests.items():

            def get(path: str = path, t=t) -> None:
                response = http.get(path, headers=t.auth())
                assert response.status_code == 200, response.get_data(as_text=True)

            data = Capture.data(capture.run(get))
            if kind == "detail":
                out.append(("detail by id", t, data))
            elif kind == "list":
                count, page = data
                out.append(("list count", t, [count]))
                out.append(("list page of 25", t, [page]))
            else:
                out.append(("name search page", t, [data[-1]]))
    return out


def run(app, urls, tenants, args, report: c.Report) -> None:
    rng = random.Random(3)
    work = capture_queries(app, tenants, rng, args.rounds)
    with app.app_context():
        from core.accounts.models import Membership
        from core.extensions import db
        from core.tenancy.context import tenant_context

        users = {}
        for t in tenants:
            with tenant_context(t.tenant_id):
                users[t.slug] = str(db.session.get(Membership, t.membership_id).user_id)
    on = psycopg.connect(psycopg_url(urls["app"]))
    off = psycopg.connect(psycopg_url(urls["admin"]))
    role = off.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
    assert any(role.fetchone()), "the 'off' connection must bypass RLS"

    def runner(conn: psycopg.Connection, t, statements) -> Any:
        def go() -> int:
            rows = 0
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(SET_SETTINGS, (str(t.tenant_id), users[t.slug]))
                for sql, params in statements:
                    cur.execute(sql, params)
                    rows += len(cur.fetchall())
            return rows

        return go

    # Same answers both ways (the SQL filters by tenant itself; RLS is the second guard).
    for _kind, t, statements in work[:40]:
        assert runner(on, t, statements)() == runner(off, t, statements)()
    for _kind, t, statements in work[:80]:  # warm-up
        runner(on, t, statements)()
        runner(off, t, statements)()

    samples: dict[tuple[str, str], list[float]] = {}
    for i, (kind, t, statements) in enumerate(work):
        pair = [("on", runner(on, t, statements)), ("off", runner(off, t, statements))]
        if i % 2:
            pair.reverse()
        for side, fn in pair:
            samples.setdefault((kind, side), []).append(c.timed(fn))

    rows = []
    kinds = list(dict.fromkeys(k for k, _t, _s in work))
    for kind in kinds:
        s_on, s_off = c.summary(samples[(kind, "on")]), c.summary(samples[(kind, "off")])
        rows.append(
            [
                kind,
                s_on["n"],
                s_off["p50"],
                s_on["p50"],
                (s_on["p50"] / s_off["p50"] - 1) * 100,
                s_off["p95"],
                s_on["p95"],
                (s_on["p95"] / s_off["p95"] - 1) * 100,
            ]
        )
    report.say()
    report.say(
        c.table(["query", "n", "off p50", "on p50", "p50 +%", "off p95", "on p95", "p95 +%"], rows)
    )
    worst = max(r[4] for r in rows)
    report.say()
    report.say(
        "times in ms per transaction (BEGIN; set_config; query; COMMIT), psycopg on loopback."
    )
    report.say(
        f"target: <= 10% overhead -> worst p50 overhead {worst:+.1f}% "
        f"({'met' if worst <= 10 else 'MISSED'})"
    )
    plans(on, off, work, users, report)
    on.close()
    off.close()


def plans(on, off, work, users, report: c.Report) -> None:
    """The plan of each query both ways: the node types and indexes used."""
    seen = set()
    for kind, t, statements in work:
        if kind in seen:
            continue
        seen.add(kind)
        sql, params = statements[-1]
        report.say()
        report.say(f"{kind}: plan nodes (rls off | rls on)")
        shapes = []
        for conn in (off, on):
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(SET_SETTINGS, (str(t.tenant_id), users[t.slug]))
                cur.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
                lines = [r[0] for r in cur.fetchall()]
            shapes.append(
                [
                    ln.strip().split("  (")[0].lstrip("-> ")
                    for ln in lines
                    if "Scan" in ln or "Execution Time" in ln
                ]
            )
        for a, b in zip(shapes[0], shapes[1], strict=False):
            report.say(f"  {a:<60} | {b}")


if __name__ == "__main__":
    sys.exit(main())
