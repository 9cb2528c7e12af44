"""``/api/customers``: age band x gender, loyalty tiers, new versus returning, RFM segments.

Only lines with a (pseudonymised) customer key count; every group with fewer than
``K_ANONYMITY`` customers is left out, so no row describes one person.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, literal, select, type_coerce
from sqlalchemy.types import NullType

from shared.analytics.context import Context
from shared.analytics.models import CustomersResponse, DemographicCell, LoyaltyRow, NewReturning, RfmSegment
from shared.analytics.params import EARLIEST
from shared.analytics.planner import query_for
from shared.analytics.sources import SummarySource
from shared.analytics.summary_tables import TABLES

K_ANONYMITY = 5
QUINTILES = 5
CUSTOMER_DIMS = ("customer_key", "age_band", "gender", "loyalty_tier")
CUSTOMER_DAYS = "sum_customer_store_day"  # one row per customer, store and day
SEGMENT_ORDER = ("Champions", "Loyal", "Recent", "Needs attention", "At risk", "Hibernating")


@dataclass
class Group:
    customers: set[str] = field(default_factory=set)
    transactions: int = 0
    revenue: float = 0.0

    def add(self, key: str, transactions: int, revenue: float) -> None:
        self.customers.add(key)
        self.transactions += transactions
        self.revenue += revenue


@dataclass
class Customer:
    transactions: int
    revenue: float
    last_date: date


def quintile_scores(values: Sequence[float]) -> list[int]:
    """1..5 by rank (ties share the lowest rank): score = 1 + floor(5 * (rank - 1) / n)."""
    order = sorted(values)
    n = len(values)
    return [1 + (QUINTILES * bisect_left(order, v)) // n for v in values]


def segment(r: int, f: int) -> str:
    if r >= 4 and f >= 4:
        return "Champions"
    if r >= 3 and f >= 3:
        return "Loyal"
    if r >= 4:
        return "Recent"
    if r <= 2 and f >= 3:
        return "At risk"
    if r <= 2:
        return "Hibernating"
    return "Needs attention"


def _seen_before(ctx: Context, customer_key: Any) -> ColumnElement[bool]:
    """Whether the customer bought anything in the caller's stores/regions before the range: one
    probe of the day-level customer summary's (customer_key, local_date) index per customer of the
    range, so the history is never scanned (from the fact table, the baseline: one pass over it)."""
    before = replace(
        ctx.scope,
        date_from=EARLIEST,
        date_to=ctx.scope.date_from - timedelta(days=1),
        categories=None,
        brands=None,
    )
    if before.date_from > before.date_to:
        return false()
    if ctx.from_fact:
        question = ctx.question(("customer_key",), ("first_date",), scope=before, identified_only=True)
        return customer_key.in_(select(query_for(question).subquery().c.customer_key))
    days = SummarySource(TABLES[CUSTOMER_DAYS], ("customer_key",))
    return exists(
        select(literal(1))
        .select_from(days.from_)
        .where(days.where(before), days.dim("customer_key") == customer_key)
    )


def _customer_rows(ctx: Context) -> Select[Any]:
    """Per customer (and their attributes) in the range: transactions, revenue, last purchase, and
    whether they bought before it. Values come back raw (no per-value type processing of ~20k
    rows): the caller converts them."""
    measures = ("transactions", "revenue", "last_date")
    grouped = query_for(ctx.question(CUSTOMER_DIMS, measures, identified_only=True)).subquery("in_range")
    return select(
        *(grouped.c[name] for name in CUSTOMER_DIMS),
        *(type_coerce(grouped.c[name], NullType()) for name in measures),
        _seen_before(ctx, grouped.c.customer_key).label("seen_before"),
    )


def customers(ctx: Context) -> CustomersResponse:
    demographic_groups: dict[tuple[str, str], Group] = defaultdict(Group)
    tier_groups: dict[str, Group] = defaultdict(Group)
    kind_groups: dict[str, Group] = defaultdict(Group)
    merged: dict[str, Customer] = {}
    identified_revenue = 0.0
    identified_transactions = 0
    rows = ctx.conn.execute(_customer_rows(ctx)).all() if ctx.scope.date_from <= ctx.scope.date_to else []
    for key, age_band, gender, tier, transactions, revenue, last, seen_before in rows:
        revenue = float(revenue or 0.0)
        last_date = date.fromisoformat(last) if isinstance(last, str) else last
        identified_revenue += revenue
        identified_transactions += transactions
        demographic_groups[(age_band, gender)].add(key, transactions, revenue)
        tier_groups[tier].add(key, transactions, revenue)
        kind_groups["returning" if seen_before else "new"].add(key, transactions, revenue)
        customer = merged.get(key)
        if customer is None:
            merged[key] = Customer(transactions, revenue, last_date)
        else:
            customer.transactions += transactions
            customer.revenue += revenue
            customer.last_date = max(customer.last_date, last_date)
    suppressed = 0

    def visible(groups: Mapping[Any, Group]) -> list[tuple[Any, Group]]:
        nonlocal suppressed
        kept = [(k, g) for k, g in groups.items() if len(g.customers) >= K_ANONYMITY]
        suppressed += len(groups) - len(kept)
        return sorted(kept, key=lambda item: item[0])

    def share(revenue: float) -> float:
        return revenue / identified_revenue if identified_revenue else 0.0

    demographics = [
        DemographicCell(
            age_band=k[0],
            gender=k[1],
            customers=len(g.customers),
            transactions=g.transactions,
            revenue=g.revenue,
            share=share(g.revenue),
        )
        for k, g in visible(demographic_groups)
    ]
    loyalty = [
        LoyaltyRow(
            tier=k,
            customers=len(g.customers),
            transactions=g.transactions,
            revenue=g.revenue,
            share=share(g.revenue),
        )
        for k, g in visible(tier_groups)
    ]
    new_vs_returning = [
        NewReturning(kind=k, customers=len(g.customers), transactions=g.transactions, revenue=g.revenue)
        for k, g in visible(kind_groups)
    ]
    all_transactions = ctx.total(("transactions",))["transactions"]
    return CustomersResponse(
        filters=ctx.filters,
        generated_at=ctx.options["generated_at"],
        k_anonymity=K_ANONYMITY,
        identified_transactions=identified_transactions,
        anonymous_transactions=all_transactions - identified_transactions,
        demographics=demographics,
        loyalty=loyalty,
        new_vs_returning=new_vs_returning,
        rfm=_rfm(merged, ctx, visible),
        suppressed_groups=suppressed,
    )


Visible = Callable[[Mapping[str, Group]], list[tuple[str, Group]]]


def _rfm(merged: dict[str, Customer], ctx: Context, visible: Visible) -> list[RfmSegment]:
    """Segments by recency and frequency quintiles among the range's customers."""
    keys = sorted(merged)
    found = [merged[k] for k in keys]
    recency = [(ctx.scope.date_to - c.last_date).days for c in found]
    r_scores = quintile_scores([-days for days in recency])
    f_scores = quintile_scores([c.transactions for c in found])
    segments: dict[str, Group] = defaultdict(Group)
    recency_days: dict[str, int] = defaultdict(int)
    for key, c, days, r, f in zip(keys, found, recency, r_scores, f_scores, strict=True):
        name = segment(r, f)
        segments[name].add(key, c.transactions, c.revenue)
        recency_days[name] += days
    rfm = [
        RfmSegment(
            segment=name,
            customers=len(g.customers),
            transactions=g.transactions,
            revenue=g.revenue,
            avg_recency_days=recency_days[name] / len(g.customers),
            avg_frequency=g.transactions / len(g.customers),
            avg_monetary=g.revenue / len(g.customers),
        )
        for name, g in visible(segments)
    ]
    return sorted(rfm, key=lambda s: SEGMENT_ORDER.index(s.segment))
