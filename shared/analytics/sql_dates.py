"""Calendar helpers compiled per dialect: the first day of a value's month and of its ISO week."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class month_start(FunctionElement[Any]):  # noqa: N801 - reads like a SQL function
    type = Date()
    inherit_cache = True
    name = "month_start"


class week_start(FunctionElement[Any]):  # noqa: N801
    """Monday of the value's week."""

    type = Date()
    inherit_cache = True
    name = "week_start"


@compiles(month_start, "sqlite")
def _month_sqlite(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


@compiles(week_start, "sqlite")
def _week_sqlite(element: week_start, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    # strftime('%w') is 0 for Sunday; days since Monday = (w + 6) % 7
    return f"date({arg}, '-' || ((CAST(strftime('%w', {arg}) AS INTEGER) + 6) % 7) || ' days')"


@compiles(month_start, "postgresql")
def _month_pg(element: month_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(week_start, "postgresql")
def _week_pg(element: week_start, compiler: Any, **kw: Any) -> str:
    return f"CAST(date_trunc('week', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(month_start, "mssql")
def _month_mssql(element: month_start, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"DATEFROMPARTS(YEAR({arg}), MONTH({arg}), 1)"


@compiles(week_start, "mssql")
def _week_mssql(element: week_start, compiler: Any, **kw: Any) -> str:
    arg = compiler.process(element.clauses, **kw)
    return f"CAST(DATEADD(day, -((DATEPART(weekday, {arg}) + @@DATEFIRST + 5) % 7), {arg}) AS DATE)"
