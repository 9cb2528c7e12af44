"""Answer a grouped question from the smallest summary table that can, else from the fact table.

A date range is cut into whole months (month tables) and ragged edges (day tables) unless the
question groups by day or week. For each piece the planner picks the table with the fewest
estimated rows that has every dimension the question groups or filters by, and on which its
measures stay exact: distinct transactions are only summed over a line-level dimension
(category, brand, SKU) when the filters pin it to one value. The pieces' answers are added up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select, union_all

from shared.analytics.calendar import month_end, split_by_months
from shared.analytics.sources import Scope, Source, SummarySource, fact_source
from shared.analytics.summary_tables import (
    DATE_MEASURES,
    DETERMINED_BY,
    INTEGER_MEASURES,
    LINE_DIMENSIONS,
    SPECS,
    SummarySpec,
)

PERIOD_DIMS = frozenset({"local_date", "week", "month"})
DISTINCT_MEASURES = frozenset({"transactions", "discounted_transactions"})
# Rough rows per (month, region) for each dimension, to rank candidate tables by size.
_DIM_WEIGHT = {
    "local_date": 30,
    "store_id": 30,
    "region": 17,
    "category": 10,
    "brand": 50,
    "sku": 200,
    "weekday": 1,
    "local_hour": 14,
    "payment_method": 6,
    "size_bucket": 6,
    "value_bucket": 7,
    "customer_key": 500,
    "age_band": 1,
    "gender": 1,
    "loyalty_tier": 1,
}


@dataclass(frozen=True)
class Question:
    dims: tuple[str, ...]
    measures: tuple[str, ...]
    scope: Scope
    identified_only: bool = False  # lines with a customer key only
    from_fact: bool = False  # skip the summaries (the benchmark's baseline)


@dataclass(frozen=True)
class Piece:
    scope: Scope
    source: Source
    table: str  # summary table name or "fact_sales_line"


def _size(spec: SummarySpec) -> int:
    size = 1
    for dim in spec.dims:
        size *= _DIM_WEIGHT.get(dim, 1)
    return size


@dataclass(frozen=True)
class _Shape:
    """What decides which tables can answer a question: never dates or filter values, so the
    choice is made once per shape and remembered."""

    dims: tuple[str, ...]
    measures: tuple[str, ...]
    identified_only: bool
    filtered: frozenset[str]  # dimensions the scope restricts: region, store_id, category, brand
    single: frozenset[str]  # line dimensions the scope pins to one value

    @classmethod
    def of(cls, question: Question) -> _Shape:
        scope = question.scope
        restricted = {
            "region": scope.regions,
            "store_id": scope.stores,
            "category": scope.categories,
            "brand": scope.brands,
        }
        return cls(
            question.dims,
            question.measures,
            question.identified_only,
            frozenset(dim for dim, values in restricted.items() if values is not None),
            frozenset(dim for dim in ("category", "brand") if scope.single(dim)),
        )


def _can_answer(spec: SummarySpec, shape: _Shape, day_level: bool) -> bool:
    columns = set(spec.dims)
    if (spec.time_dim == "local_date") != day_level or spec.only_identified != shape.identified_only:
        return False
    if not set(shape.measures) <= set(spec.measures):
        return False
    if ("region" in shape.filtered or "region" in shape.dims) and not columns & {"region", "store_id"}:
        return False
    needed = {d for d in shape.dims if d not in PERIOD_DIMS} | shape.filtered
    if not needed - {"region"} <= columns:
        return False
    if set(shape.measures) & DISTINCT_MEASURES:
        kept = set(shape.dims)
        for determinant in kept & DETERMINED_BY.keys():
            kept |= DETERMINED_BY[determinant]
        if (columns & LINE_DIMENSIONS) - kept - shape.single:
            return False
    return True


@lru_cache(maxsize=1024)
def _smallest_table(shape: _Shape, day_level: bool) -> SummarySpec | None:
    # whole months that no month table can answer are read from a day table, else the fact table
    for day_table in (True,) if day_level else (False, True):
        candidates = [s for s in SPECS if _can_answer(s, shape, day_table)]
        if candidates:
            return min(candidates, key=_size)
    return None


def _source_for(question: Question, scope: Scope, day_level: bool) -> Piece:
    spec = None if question.from_fact else _smallest_table(_Shape.of(question), day_level)
    if spec is not None:
        return Piece(scope, SummarySource(spec.table, question.dims), spec.name)
    source = fact_source(question.dims, scope, only_identified=question.identified_only)
    return Piece(scope, source, "fact_sales_line")


def plan(question: Question) -> list[Piece]:
    scope = question.scope
    if question.from_fact or {"local_date", "week"} & set(question.dims):
        return [_source_for(question, scope, True)]
    day_ranges, months = split_by_months(scope.date_from, scope.date_to)
    pieces = [_source_for(question, replace(scope, date_from=a, date_to=b), True) for a, b in day_ranges]
    if months:
        month_scope = replace(scope, date_from=months[0], date_to=month_end(months[-1]), months=months)
        pieces.append(_source_for(question, month_scope, False))
    return pieces


def _rollup(name: str, column: Any) -> Any:
    if name == "last_date":
        return func.max(column)
    if name == "first_date":
        return func.min(column)
    return func.sum(column)


def _value(name: str, raw: Any) -> Any:
    if name in DATE_MEASURES:
        return date.fromisoformat(raw) if isinstance(raw, str) else raw
    if raw is None:
        return 0 if name in INTEGER_MEASURES else 0.0
    return int(raw) if name in INTEGER_MEASURES else float(raw)


def query_for(question: Question) -> Any:
    """One SELECT: each piece grouped on its own table, the pieces added up in SQL."""
    pieces = [p.source.grouped(question.dims, question.measures, p.scope) for p in plan(question)]
    if len(pieces) == 1:
        return pieces[0]
    union = union_all(*pieces).subquery("pieces")
    columns = [union.c[d] for d in question.dims]
    measures = [_rollup(m, union.c[m]).label(m) for m in question.measures]
    return select(*columns, *measures).group_by(*columns) if columns else select(*measures)


def ask(conn: Connection, question: Question) -> list[dict[str, Any]]:
    """Rows of ``question.dims`` + ``question.measures``; groups with no lines are absent."""
    if question.scope.date_from > question.scope.date_to:
        return []  # an empty range
    rows = []
    for row in conn.execute(query_for(question)):
        values = row._mapping
        if not any(values[m] for m in question.measures):
            continue  # a total over no lines
        rows.append(
            {**{d: values[d] for d in question.dims}, **{m: _value(m, values[m]) for m in question.measures}}
        )
    return rows


def total(conn: Connection, question: Question) -> dict[str, Any]:
    """The measures of an ungrouped question; zeros when no line matches."""
    rows = ask(conn, replace(question, dims=()))
    return rows[0] if rows else {m: _value(m, None) for m in question.measures}


def tables_used(question: Question) -> list[str]:
    return [piece.table for piece in plan(question)]
