"""The isolation matrix's cells (SECURITY.md §8): which routes, which foreign ids, which
bodies. ``tests/security/harness.py`` runs them and checks the database; this module only builds
them, so a new kind of id slot or body field is added in one place."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import Flask

from tests.factories import TenantData

SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
NON_UUID = "not-a-uuid"
#: A fixed random UUID (fixed so failures are reproducible); exists in no tenant.
RANDOM_UUID = uuid.UUID("0b8f3c3e-7d0f-4f55-9c1a-6e2f7f0f9d11")

#: Valid values for body/query fields a generic sample would make invalid. Keyed by field name.
FIELD_SAMPLES: dict[str, Any] = {
    "roles": ["practitioner"],
    "days": 7,
    "page": 1,
    "page_size": 25,
    "nhs_number": "9990000026",  # valid modulus 11, held by no test client
    "postcode": "SO16 7AB",
    "phone": "01632 960001",
    "date_of_birth": "1980-01-01",
    "expires_at": "2099-01-01T00:00:00+00:00",
}

#: Form fields sent to every UI write (UI forms are not introspectable like the API's schemas).
UI_ID_FIELDS = ("id", "client_id", "organisation_id", "membership_id", "user_id", "object_id")

_VARIABLE = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>\w+)>")


# --------------------------------------------------------------------------- routes


@dataclass(frozen=True)
class Route:
    rule: str
    endpoint: str
    methods: tuple[str, ...]
    #: URL variables other than ``tenant``, in the order they appear.
    id_slots: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")

    @property
    def openapi_path(self) -> str:
        return _VARIABLE.sub(lambda m: "{" + m.group("name") + "}", self.rule)

    def url(
        self, tenant: str, values: Mapping[str, str] | None = None, *, raw_tenant: bool = False
    ) -> str:
        """The rule with ``tenant`` and each id slot filled in (percent-encoded).

        ``raw_tenant`` inserts the slug as given (for already-encoded hostile slugs).
        """
        values = {"tenant": tenant, **(values or {})}

        def fill(match: re.Match[str]) -> str:
            name = match.group("name")
            if name == "tenant" and raw_tenant:
                return tenant
            if match.group("converter") == "path":
                return quote(str(values[name]), safe="/")
            return quote(str(values[name]), safe="")

        return _VARIABLE.sub(fill, self.rule)


def tenant_routes(app: Flask) -> list[Route]:
    """Every URL rule carrying ``<tenant>``, with the methods worth calling."""
    routes = []
    for rule in app.url_map.iter_rules():
        if "tenant" not in rule.arguments:
            continue
        slots = tuple(m.group("name") for m in _VARIABLE.finditer(rule.rule))
        routes.append(
            Route(
                rule=rule.rule,
                endpoint=rule.endpoint,
                methods=tuple(sorted(set(rule.methods or ()) - SKIPPED_METHODS)),
                id_slots=tuple(s for s in slots if s != "tenant"),
            )
        )
    return sorted(routes, key=lambda r: r.rule)


# --------------------------------------------------------------------------- foreign ids


#: Every id of every kind (``SS_MATRIX_ALL_IDS=1``), or by default the first id of every kind:
#: ids of one kind go through the same code, and the matrix must stay fast as routes grow.
ALL_IDS = os.environ.get("SS_MATRIX_ALL_IDS", "") not in ("", "0")


def foreign_values(other: TenantData, *, every_id: bool | None = None) -> list[tuple[str, str]]:
    """``(label, value)``: ``other``'s ids of every kind, a random UUID, a non-UUID."""
    every_id = ALL_IDS if every_id is None else every_id
    values = [
        (f"{kind}[{i}]", str(value))
        for kind, ids in sorted(other.ids.items())
        for i, value in enumerate(ids if every_id else ids[:1])
    ]
    values.append(("random-uuid", str(RANDOM_UUID)))
    values.append(("non-uuid", NON_UUID))
    return values


def all_ids(tenant: TenantData) -> list[str]:
    return [str(v) for ids in tenant.ids.values() for v in ids]


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def is_id_field(name: str, schema: Mapping[str, Any] | None = None) -> bool:
    """Does a field/parameter carry an object id (by format or by name)?"""
    schema = schema or {}
    items = schema.get("items") or {}
    return (
        schema.get("format") == "uuid"
        or items.get("format") == "uuid"
        or name == "id"
        or name.endswith(("_id", "_ids"))
    )


# --------------------------------------------------------------------------- OpenAPI


class OpenApi:
    """The app's OpenAPI document, with ``$ref`` resolved, for bodies and query parameters."""

    def __init__(self, app: Flask) -> None:
        api = app.extensions.get("stepping_stones.api")
        if api is None:  # older layout: one module-level Api
            from core import extensions

            api = extensions.api
        with app.app_context():
            self.spec = api.spec.to_dict()

    def _resolve(self, schema: Any) -> Any:
        if isinstance(schema, dict):
            if "$ref" in schema:
                name = schema["$ref"].rsplit("/", 1)[-1]
                return self._resolve(self.spec["components"]["schemas"][name])
            if "allOf" in schema and len(schema["allOf"]) == 1:
                merged = {k: v for k, v in schema.items() if k != "allOf"}
                return self._resolve({**schema["allOf"][0], **merged})
            return {k: self._resolve(v) for k, v in schema.items()}
        if isinstance(schema, list):
            return [self._resolve(v) for v in schema]
        return schema

    def operation(self, route: Route, method: str) -> dict[str, Any] | None:
        return self.spec.get("paths", {}).get(route.openapi_path, {}).get(method.lower())

    def body_schema(self, route: Route, method: str) -> dict[str, Any] | None:
        op = self.operation(route, method)
        if not op or "requestBody" not in op:
            return None
        content = op["requestBody"].get("content", {})
        media = content.get("application/json") or next(iter(content.values()), {})
        return self._resolve(media.get("schema") or {})

    def query_parameters(self, route: Route, method: str) -> list[dict[str, Any]]:
        op = self.operation(route, method)
        if not op:
            return []
        return [self._resolve(p) for p in op.get("parameters", []) if p.get("in") == "query"]


def sample(name: str, schema: Mapping[str, Any], id_value: str) -> Any:
    """A valid value for a field, with ``id_value`` in every id-shaped field."""
    if is_id_field(name, schema):
        return [id_value] if schema.get("type") == "array" else id_value
    if name in FIELD_SAMPLES:
        return FIELD_SAMPLES[name]
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if fmt == "email":
        return f"isolation-probe-{uuid.uuid4().hex[:10]}@example.org"
    if fmt == "date-time":
        return "2026-01-01T00:00:00+00:00"
    if fmt == "date":
        return "2026-01-01"
    if fmt == "decimal":  # a decimal documented as the string it is sent as
        return "1.00"
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return max(schema.get("minimum", 1), 1)
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(name, schema.get("items") or {"type": "string"}, id_value)]
    if kind == "object" and "properties" in schema:
        return body_from_schema(schema, id_value)
    if kind == "object":
        return {}
    text = "isolation probe"
    return text[: schema.get("maxLength", len(text))].ljust(schema.get("minLength", 0), "x")


def body_from_schema(schema: Mapping[str, Any], id_value: str) -> dict[str, Any]:
    """Every writable property of a JSON object schema, id-shaped ones set to ``id_value``."""
    return {
        name: sample(name, prop, id_value)
        for name, prop in (schema.get("properties") or {}).items()
        if not prop.get("readOnly")
    }


#: URL variables the world (tests/factories.py) has no object for yet, with the reason. The
#: matrix still sends every foreign value into them (and expects 404), but the positive control
#: cannot show that an own id reaches the view. Remove an entry once the factories seed one.
CONTROL_GAPS: dict[str, str] = {
    "key": "report keys are names, not ids (e.g. 'canary-notes')",
}

#: URL variable → kind in ``TenantData.ids``, where the name alone does not tell (see guess).
SLOT_KINDS: dict[str, str] = {"job_id": "job_run"}


def slot_kind(slot: str, tenant: TenantData) -> str | None:
    """The kind of object a URL variable names: ``SLOT_KINDS``, else ``client_id`` → ``client``,
    else the one kind ending in ``_<name>`` (``consent_id`` → ``client_consent``)."""
    if slot in SLOT_KINDS:
        return SLOT_KINDS[slot]
    name = slot.removesuffix("_id")
    if tenant.ids.get(name):
        return name
    candidates = sorted(k for k, v in tenant.ids.items() if v and k.endswith("_" + name))
    return candidates[0] if len(candidates) == 1 else None


def slot_value(slot: str, tenant: TenantData, fallback: str) -> str:
    kind = slot_kind(slot, tenant)
    return str(tenant.ids[kind][0]) if kind else fallback


def body_id_fields(schema: Mapping[str, Any] | None) -> list[str]:
    if not schema:
        return []
    return [
        name
        for name, prop in (schema.get("properties") or {}).items()
        if not prop.get("readOnly") and is_id_field(name, prop)
    ]


# --------------------------------------------------------------------------- cells


@dataclass(frozen=True)
class Cell:
    route: Route
    method: str
    #: "path:<slot>", "query:<param>", "body" or "plain" (no id anywhere).
    slot: str
    label: str
    value: str
    url: str
    json: Any = None
    form: Mapping[str, Any] | None = None

    @property
    def expects_404(self) -> bool:
        return self.slot.startswith("path:")

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def name(self) -> str:
        return f"{self.method} {self.route.rule} [{self.slot}={self.label}]"


def _body(
    api: OpenApi, route: Route, method: str, id_value: str, fallback_id: str
) -> tuple[Any, Any]:
    """(json, form) for a request; id fields carry ``id_value`` (or a UUID-typed fallback)."""
    if method not in BODY_METHODS:
        return None, None
    if route.is_api:
        schema = api.body_schema(route, method)
        if schema is None:
            return {}, None
        return body_from_schema(schema, id_value), None
    form = {name: id_value for name in UI_ID_FIELDS}
    form.update({slot: id_value for slot in route.id_slots})
    form.setdefault("text", "isolation probe")
    return None, form


def build_cells(app: Flask, own: TenantData, other: TenantData) -> list[Cell]:
    """Every cell of the matrix for ``own``'s slug with ``other``'s ids in every id slot."""
    api = OpenApi(app)
    values = foreign_values(other)
    uuid_values = [(label, v) for label, v in values if is_uuid(v)]
    first_foreign = uuid_values[0][1]
    cells: list[Cell] = []
    for route in tenant_routes(app):
        for method in route.methods:
            query = api.query_parameters(route, method) if route.is_api else []
            query_ids = [p["name"] for p in query if is_id_field(p["name"], p.get("schema"))]
            body_ids = body_id_fields(api.body_schema(route, method)) if route.is_api else []
            # 1. Path id slots: each foreign value in one slot. With several slots the others
            #    hold a real id of their kind: A's own (parent A, child B: the redash bug), and
            #    with SS_MATRIX_ALL_IDS also B's (a whole foreign path).
            for slot in route.id_slots:
                others = tuple(s for s in route.id_slots if s != slot)
                variants = {"": {}} if not others else {}
                whose = (("own", own), ("foreign", other)) if ALL_IDS else (("own", own),)
                for who, tenant in whose:
                    if others:
                        filled = {s: slot_value(s, tenant, first_foreign) for s in others}
                        variants.setdefault(f"({who} {','.join(others)})", filled)
                for suffix, filled in variants.items():
                    for label, value in values:
                        path = {**filled, slot: value}
                        body_id = value if is_uuid(value) else first_foreign
                        json_body, form = _body(api, route, method, body_id, first_foreign)
                        cells.append(
                            Cell(
                                route,
                                method,
                                f"path:{slot}{suffix}",
                                label,
                                value,
                                route.url(own.slug, path),
                                json_body,
                                form,
                            )
                        )
            if route.id_slots:
                continue
            # 2. No path id: id-shaped query parameters and body fields carry foreign ids.
            for param in query_ids:
                for label, value in values:
                    url = f"{route.url(own.slug)}?{param}={quote(value, safe='')}"
                    json_body, form = _body(api, route, method, first_foreign, first_foreign)
                    cells.append(
                        Cell(route, method, f"query:{param}", label, value, url, json_body, form)
                    )
            if method in BODY_METHODS and (body_ids or not route.is_api):
                for label, value in values:
                    json_body, form = _body(api, route, method, value, first_foreign)
                    cells.append(
                        Cell(
                            route,
                            method,
                            "body",
                            label,
                            value,
                            route.url(own.slug),
                            json_body,
                            form,
                        )
                    )
            # 3. The plain call (lists, creates without id fields).
            if not query_ids and not (method in BODY_METHODS and (body_ids or not route.is_api)):
                json_body, form = _body(api, route, method, first_foreign, first_foreign)
                cells.append(
                    Cell(route, method, "plain", "-", "", route.url(own.slug), json_body, form)
                )
    return cells
