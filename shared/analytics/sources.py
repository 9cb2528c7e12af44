"""Where aggregated rows come from: the fact table or a summary table, behind one small interface.

A :class:`Source` gives the SQL expression of each dimension and measure over its FROM clause,
so the same grouping can be asked of the fact table (refresh, reconciliation, the planner's
fallback and the benchmark's baseline) and of any summary table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    FromClause,
    Select,
    and_,
    case,
    distinct,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)

from shared.analytics.calendar import month_end
from shared.analytics.sql_dates import month_start, week_start
from shared.analytics.summary_tables import (
    SIZE_BUCKETS,
    UNKNOWN,
    VALUE_BUCKETS,
)
from shared.db.tables import dim_store, fact_sales_line

fact = fact_sales_line
GRAIN_DIMS = {"day": "local_date", "week": "week", "month": "month"}  # a series grain -> its dimension


@dataclass(frozen=True)
class Scope:
    """What a question is restricted to. ``None`` means no restriction on that field."""

    date_from: date
    date_to: date
    regions: Sequence[str] | None = None
    stores: Sequence[str] | None = None
    categories: Sequence[str] | None = None
    brands: Sequence[str] | None = None
    months: Sequence[date] | None = field(default=None)  # only days in these months (by first day)
    dates: Sequence[date] | None = field(default=None)  # only these days
    batch_id: str | BindParameter[str] | None = None  # only fact lines this batch wrote

    def single(self, dim: str) -> bool:
        values = {"category": self.categories, "brand": self.brands}.get(dim)
        return values is not None and len(set(values)) == 1


def _constant(value: str | float) -> ColumnElement[Any]:
    """A constant rendered inline, so a grouped expression reads the same in SELECT and GROUP BY
    (PostgreSQL tells bound parameters apart). Only ever our own constants, never input."""
    return literal_column(f"'{value}'" if isinstance(value, str) else repr(float(value)))


def _bucket(expr: ColumnElement[Any], buckets: tuple[tuple[str, float], ...]) -> ColumnElement[Any]:
    whens = [(expr >= _constant(lower), _constant(label)) for label, lower in reversed(buckets[1:])]
    return case(*whens, else_=_constant(buckets[0][0]))


def stores_in_regions(regions: Sequence[str]) -> Select[Any]:
    return select(dim_store.c.store_id).where(dim_store.c.region.in_(list(regions)))


class Source:
    from_: FromClause
    time_dim: str

    def dim(self, name: str) -> ColumnElement[Any]:
        raise NotImplementedError

    def measure(self, name: str) -> ColumnElement[Any]:
        raise NotImplementedError

    def where(self, scope: Scope | None) -> ColumnElement[bool]:
        raise NotImplementedError

    def grouped(self, dims: Sequence[str], measures: Sequence[str], scope: Scope | None) -> Select[Any]:
        columns = [self.dim(d).label(d) for d in dims] + [self.measure(m).label(m) for m in measures]
        query = select(*columns).select_from(self.from_).where(self.where(scope))
        return query.group_by(*(self.dim(d) for d in dims)) if dims else query


class FactSource(Source):
    """Fact lines joined to their store (region) and, when asked, to their basket's total value."""

    time_dim = "local_date"

    def __init__(
        self, dims: Sequence[str], scope: Scope | None = None, *, only_identified: bool = False
    ) -> None:
        self.only_identified = only_identified
        from_: FromClause = fact
        if "region" in dims:
            from_ = from_.outerjoin(dim_store, dim_store.c.store_id == fact.c.store_id)
        self._basket: Any = None
        if "value_bucket" in dims:
            baskets = select(
                fact.c.transaction_id.label("transaction_id"),
                func.sum(fact.c.net_amount).label("basket_value"),
            )
            if scope is not None:
                baskets = baskets.where(self._transaction_where(scope))
            self._basket = baskets.group_by(fact.c.transaction_id).subquery("basket")
            from_ = from_.join(self._basket, self._basket.c.transaction_id == fact.c.transaction_id)
        self.from_ = from_

    def dim(self, name: str) -> ColumnElement[Any]:
        if name == "region":
            return func.coalesce(dim_store.c.region, _constant(UNKNOWN))
        if name == "month":
            return month_start(fact.c.local_date)
        if name == "week":
            return week_start(fact.c.local_date)
        if name == "size_bucket":
            return _bucket(fact.c.basket_size, SIZE_BUCKETS)
        if name == "value_bucket":
            return _bucket(self._basket.c.basket_value, VALUE_BUCKETS)
        if name in ("age_band", "gender", "loyalty_tier"):
            return func.coalesce(fact.c[name], _constant(UNKNOWN))
        return fact.c[name]

    def measure(self, name: str) -> ColumnElement[Any]:
        c = fact.c
        expressions: dict[str, ColumnElement[Any]] = {
            "revenue": func.sum(c.net_amount),
            "gross": func.sum(c.gross_amount),
            "discount": func.sum(c.discount),
            "units": func.sum(c.quantity),
            "lines": func.count(),
            "transactions": func.count(distinct(c.transaction_id)),
            "discounted_transactions": func.count(distinct(case((c.discount > 0, c.transaction_id)))),
            "last_date": func.max(c.local_date),
            "first_date": func.min(c.local_date),
        }
        return expressions[name]

    @staticmethod
    def _transaction_where(scope: Scope) -> ColumnElement[bool]:
        conditions = [fact.c.local_date >= scope.date_from, fact.c.local_date <= scope.date_to]
        if scope.dates is not None:
            conditions.append(fact.c.local_date.in_(list(scope.dates)))
        if scope.months is not None:
            conditions.append(month_ranges_condition(fact.c.local_date, scope.months))
        if scope.stores is not None:
            conditions.append(fact.c.store_id.in_(list(scope.stores)))
        if scope.regions is not None:
            conditions.append(fact.c.store_id.in_(stores_in_regions(scope.regions)))
        if scope.batch_id is not None:
            conditions.append(fact.c.batch_id == scope.batch_id)
        return and_(*conditions)

    def where(self, scope: Scope | None) -> ColumnElement[bool]:
        conditions: list[ColumnElement[bool]] = (
            [fact.c.customer_key.is_not(None)] if self.only_identified else []
        )
        if scope is None:
            return and_(true(), *conditions)
        conditions.append(self._transaction_where(scope))
        if scope.categories is not None:
            conditions.append(fact.c.category.in_(list(scope.categories)))
        if scope.brands is not None:
            conditions.append(fact.c.brand.in_(list(scope.brands)))
        return and_(*conditions)


class SummarySource(Source):
    """A summary table, joined to ``dim_store`` when a region is asked of a store-level table."""

    def __init__(self, table: Any, dims: Sequence[str]) -> None:
        self.table = table
        self.columns = set(table.c.keys())
        self.time_dim = "local_date" if "local_date" in self.columns else "month"
        self._join_store = "region" in dims and "region" not in self.columns
        self.from_ = (
            table.outerjoin(dim_store, dim_store.c.store_id == table.c.store_id)
            if self._join_store
            else table
        )

    def dim(self, name: str) -> ColumnElement[Any]:
        if name == "region" and self._join_store:
            return func.coalesce(dim_store.c.region, _constant(UNKNOWN))
        if name in ("month", "week") and name not in self.columns:
            return (month_start if name == "month" else week_start)(self.table.c.local_date)
        return self.table.c[name]

    def measure(self, name: str) -> ColumnElement[Any]:
        if name in ("first_date", "last_date"):
            column = self.table.c[name] if name in self.columns else self.table.c.local_date
            return func.min(column) if name == "first_date" else func.max(column)
        return func.sum(self.table.c[name])

    def where(self, scope: Scope | None) -> ColumnElement[bool]:
        c = self.table.c
        if scope is None:
            return true()
        if self.time_dim == "month":
            conditions = [c.month >= scope.date_from, c.month <= scope.date_to]
            if scope.months is not None:
                conditions.append(c.month.in_(list(scope.months)))
        else:
            conditions = [c.local_date >= scope.date_from, c.local_date <= scope.date_to]
            if scope.months is not None:
                conditions.append(month_ranges_condition(c.local_date, scope.months))
        if scope.dates is not None:
            conditions.append(c[self.time_dim].in_(list(scope.dates)))
        if scope.stores is not None:
            conditions.append(c.store_id.in_(list(scope.stores)) if "store_id" in self.columns else false())
        if scope.regions is not None:
            if "region" in self.columns:
                conditions.append(c.region.in_(list(scope.regions)))
            else:
                conditions.append(c.store_id.in_(stores_in_regions(scope.regions)))
        for dim, values in (("category", scope.categories), ("brand", scope.brands)):
            if values is not None:
                conditions.append(c[dim].in_(list(values)) if dim in self.columns else false())
        return and_(*conditions)


def month_ranges_condition(column: Any, months: Sequence[date]) -> ColumnElement[bool]:
    """``column`` (a date) falls in one of ``months`` (first days), as sargable ranges: one per run
    of consecutive months."""
    ranges: list[list[date]] = []
    for month in sorted(set(months)):
        if ranges and month == ranges[-1][1] + timedelta(days=1):
            ranges[-1][1] = month_end(month)
        else:
            ranges.append([month, month_end(month)])
    return or_(*(and_(column >= first, column <= last) for first, last in ranges))


class PairSource(Source):
    """Pairs of distinct SKUs in one transaction (``sku_a < sku_b``), both lines matching the filters."""

    time_dim = "local_date"

    def __init__(self, dims: Sequence[str]) -> None:
        self.a, self.b = fact.alias("line_a"), fact.alias("line_b")
        from_: FromClause = self.a.join(
            self.b, and_(self.b.c.transaction_id == self.a.c.transaction_id, self.b.c.sku > self.a.c.sku)
        )
        if "region" in dims:
            from_ = from_.outerjoin(dim_store, dim_store.c.store_id == self.a.c.store_id)
        self.from_ = from_

    def dim(self, name: str) -> ColumnElement[Any]:
        if name == "region":
            return func.coalesce(dim_store.c.region, _constant(UNKNOWN))
        if name == "month":
            return month_start(self.a.c.local_date)
        if name in ("sku_a", "sku_b"):
            return (self.a if name == "sku_a" else self.b).c.sku
        return self.a.c[name]

    def measure(self, name: str) -> ColumnElement[Any]:
        assert name == "transactions", name
        return func.count(distinct(self.a.c.transaction_id))

    def where(self, scope: Scope | None) -> ColumnElement[bool]:
        if scope is None:
            return true()
        a = self.a.c
        conditions = [a.local_date >= scope.date_from, a.local_date <= scope.date_to]
        if scope.dates is not None:
            conditions.append(a.local_date.in_(list(scope.dates)))
        if scope.months is not None:
            conditions.append(month_ranges_condition(a.local_date, scope.months))
        if scope.stores is not None:
            conditions.append(a.store_id.in_(list(scope.stores)))
        if scope.regions is not None:
            conditions.append(a.store_id.in_(stores_in_regions(scope.regions)))
        if scope.batch_id is not None:
            conditions.append(a.batch_id == scope.batch_id)
        for line in (self.a, self.b):
            if scope.categories is not None:
                conditions.append(line.c.category.in_(list(scope.categories)))
            if scope.brands is not None:
                conditions.append(line.c.brand.in_(list(scope.brands)))
        return and_(*conditions)


def fact_source(dims: Sequence[str], scope: Scope | None, *, only_identified: bool = False) -> Source:
    """The fact table as a source for ``dims`` (product pairs when asked for ``sku_a``/``sku_b``)."""
    if "sku_a" in dims:
        return PairSource(dims)
    return FactSource(dims, scope, only_identified=only_identified)
