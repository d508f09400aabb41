"""Every writable date of an API area, read from the OpenAPI document, and a request that puts an
implausible date in one of them (core.dates: 1 January 1900 or later; planned dates at most 10
years ahead). The plugins' tests list their dates and check the list against the document, so a
new date field cannot join without its range."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.factories import TenantData
from tests.security.matrix_cells import (
    BODY_METHODS,
    OpenApi,
    Route,
    body_from_schema,
    slot_value,
    tenant_routes,
)

#: The year 111 a fuzzer sent (and PostgreSQL stored).
YEAR_111 = "0111-10-04"
#: A planned date more than 10 years ahead (2206 typed for 2026).
FAR_AHEAD = "2206-01-01"
PLANNED = "at most 10 years ahead"


def _dates(schema: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, bool]]:
    for name, prop in (schema.get("properties") or {}).items():
        if prop.get("readOnly"):
            continue
        if prop.get("format") == "date":
            yield prefix + name, PLANNED in prop.get("description", "")
        items = prop.get("items") or {}
        if prop.get("type") == "array" and items.get("properties"):
            yield from _dates(items, f"{prefix}{name}.0.")


def _routes(app: Flask, area: str) -> dict[str, Route]:
    return {
        r.rule.removeprefix("/api/v1/<tenant>"): r
        for r in tenant_routes(app)
        if r.is_api and r.rule.startswith(f"/api/v1/<tenant>{area}")
    }


def writable_dates(app: Flask, area: str) -> dict[tuple[str, str, str], bool]:
    """``{(method, path under the tenant, field): planned}`` for every date a request body of
    ``area`` (``"/ips/"``) can set; nested fields as ``actions.0.due_on``."""
    api = OpenApi(app)
    found = {}
    for path, route in _routes(app, area).items():
        for method in route.methods:
            schema = api.body_schema(route, method) if method in BODY_METHODS else None
            for field, planned in _dates(schema or {}):
                found[(method, path, field)] = planned
    return found


def send_date(
    app: Flask, client: Any, tenant: TenantData, method: str, path: str, field: str, value: str
) -> Any:
    """``method`` on ``path`` (own ids in the URL) with a body valid but for ``field``."""
    route = _routes(app, "/")[path]
    url = route.rule.replace("<tenant>", tenant.slug)
    for slot in route.id_slots:
        url = url.replace(f"<{slot}>", slot_value(slot, tenant, "missing"))
    body = body_from_schema(
        OpenApi(app).body_schema(route, method) or {}, str(tenant.ids["client"][0])
    )
    node: Any = body
    *parents, leaf = field.split(".")
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[leaf] = value
    headers = {**tenant.auth(), "If-Match": "*"}
    return client.open(url, method=method, json=body, headers=headers)


def row_counts(admin_engine: Any, prefix: str) -> dict[str, int]:
    """Rows in every table whose name starts with ``prefix`` (all tenants)."""
    with admin_engine.connect() as conn:
        tables = conn.execute(
            sa.text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_name LIKE :p "
                "AND table_type = 'BASE TABLE'"
            ),
            {"p": prefix + "%"},
        ).scalars()
        return {
            t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables
        }


def problem_details(response: Any) -> dict[str, str]:
    """``{pointer: detail}`` of a 422 problem (asserts it is one)."""
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json"
    return {e["pointer"]: e["detail"] for e in response.get_json()["errors"]}
