"""Inputs found by fuzzing the API with schemathesis: each once gave a 500 or broke the spec.

Every bad input gets a 422 problem naming its field, and what the API sends matches what the
OpenAPI document says it sends (null only where documented, numbers as documented).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.api.input_guard import NUL_MESSAGE
from tests.integration.test_problem_json import assert_problem


def spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node: dict = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def allowed_types(document: dict, schema: dict) -> set[str]:
    """JSON types a (possibly ``anyOf``/``oneOf``) property schema admits; empty for 'any'."""
    schema = resolve(document, schema)
    types: set[str] = set()
    for option in schema.get("anyOf", []) + schema.get("oneOf", []) + schema.get("allOf", []):
        found = allowed_types(document, option)
        if not found:
            return set()
        types |= found
    kind = schema.get("type")
    if isinstance(kind, list):
        types |= set(kind)
    elif kind:
        types.add(kind)
    if schema.get("nullable"):
        types.add("null")
    if "integer" in types:
        types.add("number")
    return types


def json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def mismatches(document: dict, schema: dict, body: object, where: str = "#") -> list[str]:
    """Top-level properties of ``body`` (or of each item) whose JSON type the schema excludes."""
    schema = resolve(document, schema)
    if isinstance(body, list):
        items = schema.get("items", {})
        return [m for i, row in enumerate(body) for m in mismatches(document, items, row, where)]
    found = []
    for name, prop in resolve(document, schema).get("properties", {}).items():
        if not isinstance(body, dict) or name not in body:
            continue
        types = allowed_types(document, prop)
        actual = json_type(body[name])
        if types and actual not in types and not (actual == "integer" and "number" in types):
            found.append(
                f"{where}/{name}: sent {actual} {body[name]!r}, documented {sorted(types)}"
            )
    return found


def response_schema(document: dict, path: str, method: str, status: str) -> dict:
    operation = document["paths"][path][method]
    return operation["responses"][status]["content"]["application/json"]["schema"]


# (OpenAPI path, URL template filled from world.a.ids)
READS = [
    ("/api/v1/{tenant}/ips/referrals", "/ips/referrals"),
    ("/api/v1/{tenant}/ips/referrals/{referral_id}", "/ips/referrals/{ips_referral}"),
    (
        "/api/v1/{tenant}/ips/referrals/{referral_id}/benefits-advice",
        "/ips/referrals/{ips_referral}/benefits-advice",
    ),
    ("/api/v1/{tenant}/step-out/referrals", "/step-out/referrals"),
    (
        "/api/v1/{tenant}/step-out/referrals/{referral_id}",
        "/step-out/referrals/{step_out_referral}",
    ),
    (
        "/api/v1/{tenant}/step-out/referrals/{referral_id}/reviews",
        "/step-out/referrals/{step_out_referral}/reviews",
    ),
]


@pytest.mark.parametrize(("path", "url"), READS, ids=[u for _p, u in READS])
def test_responses_match_the_documented_types(client, world, path, url):
    document = spec(client)
    ids = {kind: values[0] for kind, values in world.a.ids.items()}
    response = client.get(f"/api/v1/{world.a.slug}" + url.format(**ids), headers=world.a.auth())
    assert response.status_code == 200, response.get_data(as_text=True)
    schema = response_schema(document, path, "get", "200")
    assert mismatches(document, schema, response.get_json()) == []


def test_errors_are_documented_as_problem_json(client):
    document = spec(client)
    for name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY", "NOT_FOUND"):
        response = document["components"]["responses"].get(name)
        if response is None:
            continue
        assert list(response["content"]) == ["application/problem+json"], name
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    assert problem.get("additionalProperties") is not False


def test_decimals_are_documented_as_the_strings_they_are_sent_as(client):
    advice = resolve(spec(client), {"$ref": "#/components/schemas/BenefitsAdvice"})
    for name in ("better_off_weekly", "hours_per_week"):
        assert allowed_types(spec(client), advice["properties"][name]) == {"string", "null"}


def count_rows(admin_engine, table: str) -> int:
    with admin_engine.connect() as conn:
        return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.mark.parametrize(
    ("url", "body", "table", "pointer"),
    [
        ("/tokens", {"name": "laptop\u0000", "days": 7}, "api_token", "#/name"),
        ("/ips/employers", {"name": "Acme", "town": "Leeds\u0000"}, "ips_employer", "#/town"),
    ],
)
def test_nul_character_in_body_is_422_and_saves_nothing(
    client, world, admin_engine, url, body, table, pointer
):
    before = count_rows(admin_engine, table)
    response = client.post(f"/api/v1/{world.a.slug}{url}", json=body, headers=world.a.auth())
    problem = assert_problem(response, 422)
    assert {"pointer": pointer, "detail": NUL_MESSAGE} in (problem["errors"])
    assert count_rows(admin_engine, table) == before


@pytest.mark.parametrize(
    ("url", "query"),
    [("/audit-events", {"action": "x\u0000"}), ("/ips/employers", {"q": "a\u0000"})],
)
def test_nul_character_in_query_is_422(client, world, url, query):
    response = client.get(
        f"/api/v1/{world.a.slug}{url}", query_string=query, headers=world.a.auth()
    )
    problem = assert_problem(response, 422)
    assert [e["pointer"] for e in problem["errors"]] == [f"#/{next(iter(query))}"]


def test_nul_character_still_needs_a_token_first(client, world):
    response = client.post(f"/api/v1/{world.a.slug}/tokens", json={"name": "\u0000", "days": 7})
    assert_problem(response, 401)


@pytest.mark.parametrize(
    "url",
    [
        "/ips/employers",
        "/ips/surveys",
        "/ips/meetings",
        "/ips/fidelity-reviews",
        "/clients",
        "/memberships",
        "/audit-events",
        "/jobs",
        "/subject-access-requests",
    ],
)
def test_page_past_the_last_possible_is_422_not_a_database_error(client, world, url):
    response = client.get(
        f"/api/v1/{world.a.slug}{url}",
        query_string={"page": "4840937250812019712", "page_size": 100},
        headers=world.a.auth(),
    )
    problem = assert_problem(response, 422)
    assert [e["pointer"] for e in problem["errors"]] == ["#/page"]
