"""Date arithmetic the report needs, written once per database.

PostgreSQL runs the platform; SQLite is the embedded database of ``make run``. The two disagree on
date arithmetic, so these two expressions compile to each dialect's own SQL with the *same*
results (both tested in ``tests/test_report*.py``):

* ``add_months(day, n)`` — calendar months clamped to the month's end, like PostgreSQL's
  ``date + interval 'n months'`` (31 Aug + 6 months = 28/29 Feb). SQLite's ``date(d, '+n
  months')`` overflows instead (31 Aug + 6 months = 3 Mar), so the overflow is folded back to
  the last day of the intended month;
* ``days_between(later, earlier)`` — whole days, like PostgreSQL's ``date - date``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class add_months(FunctionElement):
    """``day`` + ``months`` calendar months (negative goes back), clamped to the month's end."""

    type = sa.Date()
    inherit_cache = True
    name = "step_out_add_months"

    def __init__(self, day: Any, months: int) -> None:
        super().__init__(day, sa.literal_column(str(int(months))))


class days_between(FunctionElement):
    """Whole days from ``earlier`` to ``later`` (NULL when either is NULL)."""

    type = sa.Integer()
    inherit_cache = True
    name = "step_out_days_between"


def _parts(element: FunctionElement, compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(add_months, "postgresql")
def _add_months_postgresql(element: add_months, compiler: Any, **kw: Any) -> str:
    day, months = _parts(element, compiler, **kw)
    return f"CAST({day} + make_interval(months => {months}) AS DATE)"


@compiles(add_months)
def _add_months_sqlite(element: add_months, compiler: Any, **kw: Any) -> str:
    day, months = _parts(element, compiler, **kw)
    shifted = f"date({day}, '{int(months):+d} months')"
    return (
        f"(CASE WHEN strftime('%d', {shifted}) = strftime('%d', {day}) THEN {shifted} "
        f"ELSE date({shifted}, 'start of month', '-1 day') END)"
    )


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = _parts(element, compiler, **kw)
    return f"({later} - {earlier})"


@compiles(days_between)
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    later, earlier = _parts(element, compiler, **kw)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
