"""``/api/customers``: age band x gender, loyalty tiers, new versus returning, RFM segments.

Only lines with a (pseudonymised) customer key count; every group with fewer than
``K_ANONYMITY`` customers is left out, so no row describes one person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, exists, false, literal, select, type_coerce
from sqlalchemy.types import NullType

from shared.analytics import customer_frame
from shared.analytics.context import Context
from shared.analytics.customer_frame import CustomerTotals, day_number
from shared.analytics.models import CustomersResponse, DemographicCell, LoyaltyRow, NewReturning, RfmSegment
from shared.analytics.params import EARLIEST
from shared.analytics.planner import query_for
from shared.analytics.sources import SummarySource, stores_in_regions

K_ANONYMITY = 5
QUINTILES = 5
CUSTOMER_DIMS = ("customer_key", "age_band", "gender", "loyalty_tier")
SEGMENT_ORDER = ("Champions", "Loyal", "Recent", "Needs attention", "At risk", "Hibernating")


def quintile_scores(values: Any) -> np.ndarray:
    """1..5 by rank (ties share the lowest rank): score = 1 + floor(5 * (rank - 1) / n)."""
    values = np.asarray(values)
    return 1 + (QUINTILES * np.searchsorted(np.sort(values), values, "left")) // max(len(values), 1)


def segments(r: Any, f: Any) -> np.ndarray:
    """Named RFM segments of recency and frequency scores (first rule that holds)."""
    r, f = np.asarray(r), np.asarray(f)
    rules = [
        ("Champions", (r >= 4) & (f >= 4)),
        ("Loyal", (r >= 3) & (f >= 3)),
        ("Recent", r >= 4),
        ("At risk", (r <= 2) & (f >= 3)),
        ("Hibernating", r <= 2),
    ]
    return np.select([held for _name, held in rules], [name for name, _held in rules], "Needs attention")


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
    days = SummarySource(customer_frame.TABLE, ("customer_key",))
    return exists(
        select(literal(1))
        .select_from(days.from_)
        .where(days.where(before), days.dim("customer_key") == customer_key)
    )


def _customer_totals(ctx: Context) -> CustomerTotals:
    """Per customer and profile in the range: transactions, revenue, last purchase day, and
    whether they bought before it. From the process's copy of the day-level customer summary
    (``customer_frame``) unless the question needs a line's category or brand, which only the
    fact table knows (or the caller asks for the fact table)."""
    scope = ctx.scope
    if not ctx.from_fact and scope.categories is None and scope.brands is None:
        stores = None
        if scope.regions is not None or scope.stores is not None:
            stores = set(scope.stores) if scope.stores is not None else None
            if scope.regions is not None:
                in_regions = set(ctx.conn.execute(stores_in_regions(scope.regions)).scalars())
                stores = in_regions if stores is None else stores & in_regions
        return customer_frame.current(ctx.conn).totals(scope.date_from, scope.date_to, stores)
    measures = ("transactions", "revenue", "last_date")
    grouped = query_for(ctx.question(CUSTOMER_DIMS, measures, identified_only=True)).subquery("in_range")
    query = select(
        *(grouped.c[name] for name in CUSTOMER_DIMS),
        *(type_coerce(grouped.c[name], NullType()) for name in measures),
        _seen_before(ctx, grouped.c.customer_key).label("seen_before"),
    )
    rows = ctx.conn.execute(query).all()
    # a customer and profile may come in several rows (the range's whole months and ragged days):
    # the groupings below count distinct customers and add up, so that is harmless
    key, age_band, gender, tier, transactions, revenue, last, seen = (
        zip(*rows, strict=True) if rows else [()] * 8
    )
    profile, profiles = pd.factorize(pd.Series(list(zip(age_band, gender, tier, strict=True)), dtype=object))
    return CustomerTotals.of(
        pd.factorize(pd.Series(key, dtype=object))[0],
        profile,
        profiles,
        transactions,
        revenue,
        [day_number(d) for d in last],
        [bool(s) for s in seen],
    )


@dataclass(frozen=True)
class Grouped:
    labels: tuple[Any, ...]
    customers: int
    sums: dict[str, float]


Column = tuple[np.ndarray, np.ndarray]  # each row's code, and the values the codes stand for


def _grouped(by: list[Column], customer: np.ndarray, **measures: np.ndarray) -> list[Grouped]:
    """Rows grouped by the ``by`` columns (in the order of their values): distinct customers, sums."""
    group = np.zeros(len(customer), np.int64)
    for codes, values in by:
        group = group * len(values) + codes
    size = int(np.prod([len(values) for _codes, values in by]))
    if not size:
        return []
    sums = {name: np.bincount(group, weights=m, minlength=size) for name, m in measures.items()}
    customers = np.bincount(np.unique(customer * size + group) % size, minlength=size)
    out = []
    for g in np.flatnonzero(customers):
        labels, rest = [], int(g)
        for _codes, values in reversed(by):
            rest, at = divmod(rest, len(values))
            labels.append(values[at])
        figures = {name: float(sums_of[g]) for name, sums_of in sums.items()}
        out.append(Grouped(tuple(reversed(labels)), int(customers[g]), figures))
    return out


def customers(ctx: Context) -> CustomersResponse:
    people = _customer_totals(ctx)
    identified_revenue = float(people.revenue.sum())
    identified_transactions = int(people.transactions.sum())
    suppressed = 0

    def visible(groups: list[Grouped]) -> list[Grouped]:
        nonlocal suppressed
        kept = [g for g in groups if g.customers >= K_ANONYMITY]
        suppressed += len(groups) - len(kept)
        return kept

    def share(revenue: float) -> float:
        return revenue / identified_revenue if identified_revenue else 0.0

    def by(*columns: Column) -> list[Grouped]:
        groups = _grouped(
            list(columns), people.customer, transactions=people.transactions, revenue=people.revenue
        )
        return visible(groups)

    demographics = [
        DemographicCell(
            age_band=g.labels[0],
            gender=g.labels[1],
            customers=g.customers,
            transactions=round(g.sums["transactions"]),
            revenue=g.sums["revenue"],
            share=share(g.sums["revenue"]),
        )
        for g in by(people.attribute("age_band"), people.attribute("gender"))
    ]
    loyalty = [
        LoyaltyRow(
            tier=g.labels[0],
            customers=g.customers,
            transactions=round(g.sums["transactions"]),
            revenue=g.sums["revenue"],
            share=share(g.sums["revenue"]),
        )
        for g in by(people.attribute("loyalty_tier"))
    ]
    new_vs_returning = [
        NewReturning(
            kind=g.labels[0],
            customers=g.customers,
            transactions=round(g.sums["transactions"]),
            revenue=g.sums["revenue"],
        )
        for g in by((people.seen_before.astype(np.int64), np.array(["new", "returning"])))
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
        rfm=_rfm(people, ctx.scope.date_to, visible),
        suppressed_groups=suppressed,
    )


Visible = Callable[[list[Grouped]], list[Grouped]]


def _rfm(people: CustomerTotals, date_to: date, visible: Visible) -> list[RfmSegment]:
    """Segments by recency and frequency quintiles among the range's customers."""
    uniques, customer = np.unique(people.customer, return_inverse=True)
    transactions = np.bincount(customer, weights=people.transactions, minlength=len(uniques))
    revenue = np.bincount(customer, weights=people.revenue, minlength=len(uniques))
    last_day = np.zeros(len(uniques), np.int64)
    np.maximum.at(last_day, customer, people.last_day)
    recency = day_number(date_to) - last_day
    names, segment = np.unique(
        segments(quintile_scores(-recency), quintile_scores(transactions)), return_inverse=True
    )
    groups = _grouped(
        [(segment, names)], uniques, transactions=transactions, revenue=revenue, recency=recency.astype(float)
    )
    rfm = [
        RfmSegment(
            segment=g.labels[0],
            customers=g.customers,
            transactions=round(g.sums["transactions"]),
            revenue=g.sums["revenue"],
            avg_recency_days=g.sums["recency"] / g.customers,
            avg_frequency=g.sums["transactions"] / g.customers,
            avg_monetary=g.sums["revenue"] / g.customers,
        )
        for g in visible(groups)
    ]
    return sorted(rfm, key=lambda s: SEGMENT_ORDER.index(s.segment))
