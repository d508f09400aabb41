"""API overhead: the full stack versus a bare Flask route running the same SQL.

* ``full`` - ``GET /api/v1/<tenant>/clients/<id>`` and ``GET /api/v1/<tenant>/clients?page_size=25``
  through the Flask test client (in process, no network): request id, bearer-token
  authentication, tenant and membership lookup, permission check, ORM with the tenant criteria,
  RLS settings, marshmallow schema, audit event, commit, security headers.
* ``bare`` - a plain ``Flask()`` app in the same process, also driven through its test client,
  whose routes run the *same data SQL* the full stack sent for that request (captured from the
  engine: the client row, or the count and the page), with psycopg on one kept-open connection
  as the same app role, inside a transaction with the same ``set_config`` for RLS, and
  ``jsonify`` the rows. No auth, no audit, no ORM.
* ``bare, every statement`` - the same bare app running *every* statement the full stack sent
  (tenant lookup, token and membership, the data SQL, the audit insert with a fresh id) in one
  transaction. Its ratio is the cost of the framework itself (Flask-Login, flask-smorest,
  marshmallow, the ORM), with the database work the product needs held equal.

Requests alternate full/bare (order swapped each round) over the same client ids, so load on
the machine hits both alike. Ratio = full / bare.

Run: ``.venv/bin/python -m bench.api_overhead`` (``--requests 200`` for a quick run).
"""

from __future__ import annotations

import random
import re
import sys
import uuid
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # `python bench/api_overhead.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from flask import Flask, jsonify
from sqlalchemy import event

from bench import _common as c
from bench._data import copy_clients, psycopg_url, seed_tenants

SET_SETTINGS = (
    "SELECT set_config('app.current_tenant', %s, true), set_config('app.current_user', %s, true)"
)
CLIENT_SQL = re.compile(r"\bFROM client\b")


class Capture:
    """Every statement the app sends while ``on``; ``data()`` keeps those reading the client
    table (the SQL a bare route must also run)."""

    def __init__(self, engine) -> None:
        self.on = False
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.on:
            self.statements.append((statement, parameters))

    def run(self, fn) -> list[tuple[str, Any]]:
        self.statements, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.statements

    @staticmethod
    def every(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """Every statement that reads or writes (the bare transaction adds BEGIN/COMMIT)."""
        return [
            (s, p)
            for s, p in statements
            if s.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "WITH"))
        ]

    @staticmethod
    def data(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
        return [
            (s, p)
            for s, p in statements
            if CLIENT_SQL.search(s) and not s.lstrip().upper().startswith(("INSERT", "UPDATE"))
        ]


def bare_app(conn: psycopg.Connection, sql: dict, every: dict, tenants) -> Flask:
    """A bare Flask app: one route per endpoint, running the captured SQL and returning JSON."""
    bare = Flask("bare")
    tenant_ids = {t.slug: str(t.tenant_id) for t in tenants}
    user_ids = {t.slug: t.user_id for t in tenants}

    def run(slug: str, statements: list[tuple[str, Any]], settings: bool = True) -> list[dict]:
        with conn.transaction(), conn.cursor() as cur:
            if settings:
                cur.execute(SET_SETTINGS, (tenant_ids[slug], user_ids[slug]))
            rows: list[dict[str, Any]] = []
            for statement, params in statements:
                if statement.lstrip().upper().startswith("INSERT"):
                    params = {**params, "id": uuid.uuid4()}  # a fresh audit event each time
                    cur.execute(statement, params)
                    continue
                cur.execute(statement, params)
                if cur.description and "client" in statement:
                    names = [d.name for d in cur.description]
                    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        return rows

    @bare.get("/bare-all/<slug>/clients/<client_id>")
    def detail_every(slug: str, client_id: str):
        rows = run(slug, every[("detail", slug, client_id)], settings=False)
        return jsonify(rows[0]) if rows else (jsonify({"title": "Not Found"}), 404)

    @bare.get("/bare-all/<slug>/clients")
    def listing_every(slug: str):
        return jsonify(run(slug, every[("list", slug)], settings=False))

    @bare.get("/bare/<slug>/clients/<client_id>")
    def detail(slug: str, client_id: str):
        rows = run(slug, sql[("detail", slug, client_id)])
        if not rows:
            return jsonify({"title": "Not Found"}), 404
        return jsonify(rows[0])

    @bare.get("/bare/<slug>/clients")
    def listing(slug: str):
        rows = run(slug, sql[("list", slug)])
        return jsonify(rows)

    return bare


def main(argv: list[str] | None = None) -> int:
    parser = c.base_arguments(__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4000)
    parser.add_argument("--tenants", type=int, default=5)
    parser.add_argument("--requests", type=int, default=500, help="timed requests per path")
    args = parser.parse_args(argv)
    report = c.Report("api_overhead")
    report.say(
        f"# {args.clients:,} clients over {args.tenants} tenants; {args.requests} timed requests "
        "per path after a warm-up; Flask test client (in process, no sockets) for both apps"
    )
    with c.scratch_database("api_overhead", keep=args.keep) as urls:
        app = c.create_app(urls)
        tenants = seed_tenants(app, args.tenants)
        copy_clients(
            urls["admin"], tenants, args.clients // args.tenants, keep_names=10**9, say=report.say
        )
        run(app, urls, tenants, args, report)
    report.save()
    return 0


def run(app, urls, tenants, args, report: c.Report) -> None:
    from core.accounts.models import Membership
    from core.extensions import db
    from core.tenancy.context import tenant_context

    rng = random.Random(7)
    with app.app_context():
        capture = Capture(db.engine)
        for t in tenants:
            with tenant_context(t.tenant_id):
                t.user_id = str(db.session.get(Membership, t.membership_id).user_id)
    full = app.test_client()
    picks = [
        (t, str(rng.choice(t.client_ids)))
        for t in (rng.choice(tenants) for _ in range(args.requests))
    ]

    def get_full(path: str, tenant) -> Any:
        response = full.get(path, headers=tenant.auth())
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    # One request per tenant first: it records the token's last use (an UPDATE made once every
    # few minutes), which must not be captured as part of every request.
    for t in tenants:
        get_full(f"/api/v1/{t.slug}/clients?page_size=1", t)
    # Warm-up and capture: one full-stack request per (tenant, client) and per tenant list.
    sql: dict[Any, list[tuple[str, Any]]] = {}
    every: dict[Any, list[tuple[str, Any]]] = {}
    statements_per_request: dict[str, int] = {}
    for t, client_id in picks:
        path = f"/api/v1/{t.slug}/clients/{client_id}"
        statements = capture.run(lambda path=path, t=t: get_full(path, t))
        statements_per_request["detail"] = len(statements)
        sql[("detail", t.slug, client_id)] = Capture.data(statements)
        every[("detail", t.slug, client_id)] = Capture.every(statements)
    for t in tenants:
        path = f"/api/v1/{t.slug}/clients?page_size=25"
        statements = capture.run(lambda path=path, t=t: get_full(path, t))
        statements_per_request["list"] = len(statements)
        sql[("list", t.slug)] = Capture.data(statements)
        every[("list", t.slug)] = Capture.every(statements)

    conn = psycopg.connect(psycopg_url(urls["app"]))
    bare = bare_app(conn, sql, every, tenants).test_client()

    def get_bare(path: str) -> Any:
        response = bare.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    # Same bodies? (the bare route returns raw columns; compare the ids and their order)
    t, client_id = picks[0]
    first = (t.slug, client_id)
    full_ids = [r["id"] for r in get_full(f"/api/v1/{t.slug}/clients?page_size=25", t).get_json()]
    bare_ids = [r["id"] for r in get_bare(f"/bare/{t.slug}/clients").get_json()]
    assert full_ids == bare_ids, "the bare route must return the same page"

    for _ in range(2):  # warm both apps' code paths
        for t, client_id in picks[:50]:
            get_bare(f"/bare/{t.slug}/clients/{client_id}")
            get_bare(f"/bare/{t.slug}/clients")
            get_full(f"/api/v1/{t.slug}/clients", t)

    names = ("full", "bare", "every")
    samples: dict[str, list[float]] = {f"{n} {e}": [] for n in names for e in ("detail", "list")}
    for i, (t, client_id) in enumerate(picks):
        detail, listing = f"{t.slug}/clients/{client_id}", f"{t.slug}/clients"
        steps = [
            ("full detail", lambda p=detail, t=t: get_full(f"/api/v1/{p}", t)),
            ("bare detail", lambda p=detail: get_bare(f"/bare/{p}")),
            ("every detail", lambda p=detail: get_bare(f"/bare-all/{p}")),
            ("full list", lambda p=listing, t=t: get_full(f"/api/v1/{p}?page_size=25", t)),
            ("bare list", lambda p=listing: get_bare(f"/bare/{p}")),
            ("every list", lambda p=listing: get_bare(f"/bare-all/{p}")),
        ]
        if i % 2:
            steps.reverse()
        for name, fn in steps:
            samples[name].append(c.timed(fn))
    conn.close()

    rows = []
    for endpoint in ("detail", "list"):
        f = c.summary(samples[f"full {endpoint}"])
        key = ("list", tenants[0].slug) if endpoint == "list" else ("detail", *first)
        for baseline, label, count in (
            ("bare", "bare Flask + the data SQL", len(sql[key]) + 1),
            ("every", "bare Flask + every statement", len(every[key])),
        ):
            b = c.summary(samples[f"{baseline} {endpoint}"])
            rows.append(
                [f"{endpoint}: {label}", b["n"], b["p50"], b["p95"], b["mean"], 1.0, 1.0, count]
            )
            rows.append(
                [
                    f"{endpoint}: full stack / {baseline}",
                    f["n"],
                    f["p50"],
                    f["p95"],
                    f["mean"],
                    f["p50"] / b["p50"],
                    f["p95"] / b["p95"],
                    statements_per_request[endpoint],
                ]
            )
    report.say()
    report.say(
        c.table(["path", "n", "p50 ms", "p95 ms", "mean ms", "x p50", "x p95", "SQL stmts"], rows)
    )
    report.say()
    report.say(
        "SQL stmts: statements sent per request, COMMIT not counted (bare: set_config + the "
        "data SQL; every: the tenant lookup that also sets RLS, token+membership, the data SQL, "
        "the audit insert; full: the same as every)."
    )
    for endpoint in ("detail", "list"):
        bare_p50 = c.summary(samples[f"bare {endpoint}"])["p50"]
        every_p50 = c.summary(samples[f"every {endpoint}"])["p50"]
        report.say(
            f"floor, {endpoint}: a bare route running only the statements the rules require "
            f"(token check, audit write) is already {every_p50 / bare_p50:.2f}x the data SQL alone "
            "at p50, before any framework"
        )
    for baseline in ("bare", "every"):
        worst = max(r[6] for r in rows if r[0].endswith(f"/ {baseline}"))
        report.say(
            f"target: full/{baseline} <= 1.5x -> worst p95 ratio {worst:.2f}x "
            f"({'met' if worst <= 1.5 else 'MISSED'})"
        )


if __name__ == "__main__":
    sys.exit(main())
