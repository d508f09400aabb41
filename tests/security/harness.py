"""Reusable parts of the tenant-isolation matrix (SECURITY.md §8), for core and plugin tests.

The cells are built in ``matrix_cells`` and re-exported here:

* :func:`tenant_routes` walks ``app.url_map``: every rule with ``<tenant>``, every method but
  HEAD/OPTIONS. New routes (core or plugin) are covered without touching the tests.
* :func:`foreign_values` is axis 3: every id of the other tenant, of *every* type, plus a random
  UUID and a string that is not a UUID.
* :func:`build_cells` crosses them: one :class:`Cell` per route x method x foreign value in each
  id slot (path variables, id-shaped query parameters and JSON/form body fields).
* :func:`snapshot` hashes every table in one query (superuser connection, so RLS hides nothing),
  with a second hash of just the rows that mention the other tenant's ids.
* :func:`run_cell` sends one cell and returns the problems found (empty list = isolation held).

Bodies and query parameters of API routes come from the OpenAPI document flask-smorest builds
from the marshmallow schemas, so a new field is filled in (and, if it is id-shaped, attacked)
automatically. :data:`FIELD_SAMPLES` holds valid values for fields a generic value would fail
(so that the only thing wrong with a request is the foreign id); plugins may add to it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, TenantData

# The cells are built in matrix_cells; core's and the plugins' matrix tests import them from
# here, with the runner, as one harness.
from tests.security.matrix_cells import (  # noqa: F401 - re-exported
    ALL_IDS,
    CONTROL_GAPS,
    FIELD_SAMPLES,
    SLOT_KINDS,
    WRITE_METHODS,
    Cell,
    OpenApi,
    Route,
    all_ids,
    build_cells,
    foreign_values,
    is_uuid,
    slot_kind,
    tenant_routes,
)

# --------------------------------------------------------------------------- database


def table_names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version' ORDER BY tablename"
                )
            ).scalars()
        )


@dataclass
class Snapshot:
    #: table → md5 of all its rows.
    full: dict[str, str]
    #: table → md5 of the rows mentioning any of the foreign tenant's ids (its own rows included).
    #: The audit log is left out here and checked by the two counts below instead.
    foreign: dict[str, str]
    #: audit events outside the foreign tenant whose object is one of its ids.
    audit_objects: int
    #: audit events outside the foreign tenant that mention one of its ids anywhere (a search
    #: audited with the filter the user typed does; a refused request must not add any).
    audit_mentions: int

    def diff(self, other: Snapshot, which: str = "full") -> list[str]:
        mine, theirs = getattr(self, which), getattr(other, which)
        return sorted(t for t in mine.keys() | theirs.keys() if mine.get(t) != theirs.get(t))


AUDIT_TABLE = "audit_event"


@dataclass
class Snapshotter:
    """One query per snapshot over every table (hash of all rows and of rows mentioning B)."""

    engine: sa.Engine
    foreign_tenant_id: uuid.UUID
    foreign_ids: Iterable[str]
    tables: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tables = self.tables or table_names(self.engine)
        self.id_list = sorted(set(self.foreign_ids))
        #: LIKE patterns (much cheaper than one regular expression with many alternatives).
        self.likes = ["%" + i + "%" for i in self.id_list]
        parts = []
        for t in self.tables:
            foreign = (
                "''"
                if t == AUDIT_TABLE
                else "md5(coalesce(string_agg(r, ',' ORDER BY r) "
                "FILTER (WHERE r LIKE ANY (:likes)), ''))"
            )
            parts.append(
                f"SELECT '{t}' AS t, md5(coalesce(string_agg(r, ',' ORDER BY r), '')), {foreign}"
                f' FROM (SELECT x::text AS r FROM "{t}" x) s'
            )
        self.query = sa.text(" UNION ALL ".join(parts))
        self.audit_query = sa.text(
            "SELECT count(*) FILTER (WHERE e.object_id = ANY (:ids)), "
            "count(*) FILTER (WHERE e::text LIKE ANY (:likes)) "
            "FROM audit_event e WHERE e.tenant_id IS DISTINCT FROM :tenant"
        )

    def take(self) -> Snapshot:
        with self.engine.connect() as conn:
            rows = conn.execute(self.query, {"likes": self.likes}).all()
            objects = mentions = 0
            if AUDIT_TABLE in self.tables:
                objects, mentions = conn.execute(
                    self.audit_query,
                    {"tenant": self.foreign_tenant_id, "likes": self.likes, "ids": self.id_list},
                ).one()
        return Snapshot(
            full={r[0]: r[1] for r in rows},
            foreign={r[0]: r[2] for r in rows},
            audit_objects=objects,
            audit_mentions=mentions,
        )


# --------------------------------------------------------------------------- running


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 302, f"sign-in of {email} failed: {response.status_code}"


def send(
    client: FlaskClient,
    method: str,
    url: str,
    *,
    api_headers: Mapping[str, str] | None = None,
    json: Any = None,
    form: Mapping[str, Any] | None = None,
) -> Any:
    headers = dict(api_headers or {}) if url.startswith("/api/") else {}
    if method in WRITE_METHODS:
        headers["If-Match"] = "*"
    kwargs: dict[str, Any] = {"headers": headers}
    if json is not None:
        kwargs["json"] = json
    elif form is not None:
        kwargs["data"] = dict(form)
    return client.open(url, method=method, **kwargs)


def normalised_body(text: str, response: Any, value: str) -> str:
    """The body with the request id and the probed value blanked, to compare shapes."""
    request_id = response.headers.get("X-Request-ID")
    if request_id:
        text = text.replace(request_id, "<request-id>")
    if value:
        text = text.replace(value, "<id>").replace(quote(value, safe=""), "<id>")
    return _PER_RESPONSE.sub(r"\1<per-response>", text)


#: Values that differ on every response by design (CSP nonces, CSRF tokens).
_PER_RESPONSE = re.compile(r'(nonce="|csrf[-_]token"[^>]*?(?:content|value)=")[^"]*')


@dataclass
class Outcome:
    cell: Cell
    status: int
    body: str
    problems: list[str]
    #: The database after the cell: the next cell's "before" (halves the hashing).
    after: Snapshot


def run_cell(
    client: FlaskClient,
    cell: Cell,
    snapshotter: Snapshotter,
    *,
    api_headers: Mapping[str, str],
    foreign_ids: Iterable[str],
    before: Snapshot | None = None,
) -> Outcome:
    """Send one cell and check it. Problems are strings naming what broke; none = isolation held.

    * path id slots: 404, and the database is byte-for-byte unchanged;
    * every cell: no 5xx, rows mentioning the foreign tenant unchanged, no audit event outside
      the foreign tenant names one of its ids, the response names none of its ids (except the
      value we sent ourselves);
    * writes whose body carries a foreign id: refused with a 4xx and the database unchanged.
    """
    before = before or snapshotter.take()
    problems: list[str] = []
    try:
        response = send(
            client, cell.method, cell.url, api_headers=api_headers, json=cell.json, form=cell.form
        )
    except Exception as error:  # TESTING propagates view exceptions: a 500 in production
        after = snapshotter.take()
        problem = f"server error (exception) {type(error).__name__}: {error}"
        return Outcome(cell, 500, "", [problem], after)
    status = response.status_code
    try:
        body = response.get_data(as_text=True)  # streamed bodies run their queries here
    except Exception as error:  # reported as a finding, not raised
        body = ""
        problems.append(f"error while streaming the body: {type(error).__name__}: {error}")
    after = snapshotter.take()
    if status >= 500:
        problems.append(f"server error {status}")
    if cell.expects_404 and status != 404:
        problems.append(f"expected 404, got {status}")
    if not cell.expects_404 and status in (401, 403):
        # The actor is the tenant admin: a 401/403 means the cell never reached the view.
        problems.append(f"not exercised: {status} (give the matrix actor the needed role)")
    if cell.slot == "plain" and cell.method == "GET" and status != 200:
        # API lists answer 200; a UI page may also redirect (never to sign-in: we are signed in).
        location = response.headers.get("Location", "")
        if cell.route.is_api or not 300 <= status < 400 or "sign-in" in location.split("?")[0]:
            problems.append(f"list/read without ids: expected 200, got {status} {location}")
    # API bodies: the field is an id per the schema, so the write must be refused. UI forms
    # cannot be introspected (the probe fields may simply be ignored): there the checks below
    # (nothing of B's changed, no row anywhere newly mentions B's ids) carry the proof.
    body_carries_foreign = cell.slot == "body" and cell.is_write and cell.route.is_api
    if body_carries_foreign and not 400 <= status < 500:
        problems.append(f"write with a foreign id in its body: expected 4xx, got {status}")
    if cell.expects_404 or body_carries_foreign or status >= 400:
        changed = before.diff(after, "full")
        if changed:
            problems.append(f"database changed by a refused request: {changed}")
    changed_foreign = before.diff(after, "foreign")
    if changed_foreign:
        problems.append(f"rows of/mentioning the other tenant changed: {changed_foreign}")
    if after.audit_objects != before.audit_objects:
        problems.append("an audit event outside the other tenant is about one of its objects")
    refused = cell.expects_404 or body_carries_foreign or status >= 400
    if refused and after.audit_mentions != before.audit_mentions:
        problems.append("a refused request left an audit event naming the other tenant's ids")
    leaked = sorted(i for i in foreign_ids if i != cell.value and i in body)
    if leaked:
        problems.append(f"response contains the other tenant's ids: {leaked}")
    return Outcome(cell, status, normalised_body(body, response, cell.value), problems, after)


def oracle_problems(outcomes: Iterable[Outcome]) -> list[str]:
    """For each route/method/slot, a foreign id must answer exactly like a random UUID."""
    baseline: dict[tuple[str, str, str], Outcome] = {}
    grouped: dict[tuple[str, str, str], list[Outcome]] = {}
    for outcome in outcomes:
        c = outcome.cell
        if not c.expects_404:
            continue
        key = (c.route.rule, c.method, c.slot)
        if c.label == "random-uuid":
            baseline[key] = outcome
        elif is_uuid(c.value):
            grouped.setdefault(key, []).append(outcome)
    problems = []
    for key, items in grouped.items():
        base = baseline.get(key)
        if base is None:
            problems.append(f"{key}: no random-UUID baseline cell")
            continue
        for outcome in items:
            if (outcome.status, outcome.body) != (base.status, base.body):
                problems.append(
                    f"{outcome.cell.name}: answers differently from a random UUID "
                    f"({outcome.status} vs {base.status}) - existence oracle"
                )
    return problems


def iter_problems(outcomes: Iterable[Outcome]) -> Iterator[str]:
    for outcome in outcomes:
        for problem in outcome.problems:
            yield f"{outcome.cell.name}: {problem}"


def run_matrix(
    app: Flask,
    own: TenantData,
    other: TenantData,
    engine: sa.Engine,
    *,
    role: str = "admin",
    cells: list[Cell] | None = None,
) -> tuple[list[Outcome], list[str]]:
    """Run every cell as ``own``'s ``role`` (API token; UI session) with ``other``'s ids.

    Returns the outcomes and the problems found (per-cell checks plus the existence oracle).
    Plugin tests call this with their own ``cells`` (e.g. filtered to their routes).
    """
    cells = build_cells(app, own, other) if cells is None else cells
    api_client = app.test_client()
    ui_client = app.test_client()
    sign_in(ui_client, own.emails[role])
    foreign = all_ids(other)
    snapshotter = Snapshotter(engine, other.tenant_id, foreign)
    outcomes: list[Outcome] = []
    before = snapshotter.take()
    for cell in cells:
        outcome = run_cell(
            api_client if cell.route.is_api else ui_client,
            cell,
            snapshotter,
            api_headers=own.auth(role),
            foreign_ids=foreign,
            before=before,
        )
        outcomes.append(outcome)
        before = outcome.after
    return outcomes, list(iter_problems(outcomes)) + oracle_problems(outcomes)


def one_per_route(cells: Iterable[Cell]) -> list[Cell]:
    """The first cell of each route x method: for checks that fail before any id is looked at
    (authentication, tenant resolution), where varying the id adds only time."""
    seen: dict[tuple[str, str], Cell] = {}
    for cell in cells:
        seen.setdefault((cell.route.rule, cell.method), cell)
    return list(seen.values())
