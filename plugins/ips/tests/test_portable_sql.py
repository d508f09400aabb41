"""IPS SQL must run on SQLite too: ``make run`` serves the demo from an embedded SQLite file, and a
PostgreSQL-only function there is a 500 (``no such function: date_trunc``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[1]
#: Constructs SQLite rejects; PostgreSQL-only spellings in SQLAlchemy or raw SQL.
POSTGRES_ONLY = {
    "date_trunc": re.compile(r"date_trunc", re.I),
    "DISTINCT ON": re.compile(r"DISTINCT\s+ON|(?<!sa)\.distinct\(\s*\w", re.I),
    "percentile_cont": re.compile(r"percentile_(cont|disc)", re.I),
    "::cast": re.compile(r"\w::\w"),
    "array functions": re.compile(r"\barray_(agg|length|position)|func\.unnest", re.I),
    "to_char / age / generate_series": re.compile(r"func\.(to_char|age|generate_series)\b"),
}


def _sources() -> list[Path]:
    return [
        p for p in PLUGIN.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts
    ]


@pytest.mark.parametrize("construct", sorted(POSTGRES_ONLY))
def test_no_postgresql_only_sql_in_the_plugin(construct):
    pattern = POSTGRES_ONLY[construct]
    offenders = [
        f"{path.relative_to(PLUGIN)}:{number}"
        for path in _sources()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == [], f"{construct} does not run on SQLite: {offenders}"
