"""``/api/customers``: age band x gender, loyalty tiers, new versus returning, RFM segments.

Only lines with a (pseudonymised) customer key count; every group with fewer than
``K_ANONYMITY`` customers is left out, so no row describes one person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from shared.analytics.context import Context
from shared.analytics.models import CustomersResponse, DemographicCell, LoyaltyRow, NewReturning, RfmSegment
from shared.analytics.params import EARLIEST

K_ANONYMITY = 5
QUINTILES = 5
CUSTOMER_DIMS = ("customer_key", "age_band", "gender", "loyalty_tier")
SEGMENT_ORDER = ("Champions", "Loyal", "Recent", "Needs attention", "At risk", "Hibernating")


@dataclass
class Customer:
    key: str
    transactions: int
    revenue: float
    last_date: Any
    recency_days: int = 0
    r: int = 0
    f: int = 0
    m: int = 0


def quintile_scores(values: Sequence[float]) -> list[int]:
    """1..5 by rank (ties share the lowest rank): score = 1 + floor(5 * (rank - 1) / n)."""
    order = sorted(values)
    first_rank: dict[float, int] = {}
    for index, value in enumerate(order):
        first_rank.setdefault(value, index + 1)
    n = len(values)
    return [1 + (QUINTILES * (first_rank[v] - 1)) // n for v in values]


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


def _groups(
    rows: Iterable[dict[str, Any]], key: Callable[[dict[str, Any]], Any]
) -> dict[Any, dict[str, Any]]:
    groups: dict[Any, dict[str, Any]] = defaultdict(
        lambda: {"customers": set(), "transactions": 0, "revenue": 0.0}
    )
    for row in rows:
        group = groups[key(row)]
        group["customers"].add(row["customer_key"])
        group["transactions"] += row["transactions"]
        group["revenue"] += row["revenue"]
    return groups


def customers(ctx: Context) -> CustomersResponse:
    rows = ctx.rows(CUSTOMER_DIMS, ("transactions", "revenue", "last_date"), identified_only=True)
    identified_revenue = sum(r["revenue"] for r in rows)
    suppressed = 0

    def visible(groups: dict[Any, dict[str, Any]]) -> list[tuple[Any, dict[str, Any]]]:
        nonlocal suppressed
        kept = [(k, g) for k, g in groups.items() if len(g["customers"]) >= K_ANONYMITY]
        suppressed += len(groups) - len(kept)
        return sorted(kept, key=lambda item: item[0])

    def share(revenue: float) -> float:
        return revenue / identified_revenue if identified_revenue else 0.0

    demographics = [
        DemographicCell(
            age_band=k[0],
            gender=k[1],
            customers=len(g["customers"]),
            transactions=g["transactions"],
            revenue=g["revenue"],
            share=share(g["revenue"]),
        )
        for k, g in visible(_groups(rows, lambda r: (r["age_band"], r["gender"])))
    ]
    loyalty = [
        LoyaltyRow(
            tier=k,
            customers=len(g["customers"]),
            transactions=g["transactions"],
            revenue=g["revenue"],
            share=share(g["revenue"]),
        )
        for k, g in visible(_groups(rows, lambda r: r["loyalty_tier"]))
    ]

    # "new": no purchase in the caller's stores/regions, of any product, before the range
    before = replace(
        ctx.scope,
        date_from=EARLIEST,
        date_to=ctx.scope.date_from - timedelta(days=1),
        categories=None,
        brands=None,
    )
    seen_before = {
        r["customer_key"]
        for r in ctx.rows(("customer_key",), ("first_date",), scope=before, identified_only=True)
    }
    kinds = _groups(rows, lambda r: "returning" if r["customer_key"] in seen_before else "new")
    new_vs_returning = [
        NewReturning(
            kind=k, customers=len(g["customers"]), transactions=g["transactions"], revenue=g["revenue"]
        )
        for k, g in visible(kinds)
    ]

    scores = {c.key: c for c in _per_customer(rows, ctx)}
    by_segment = _groups(
        (
            {"customer_key": c.key, "transactions": c.transactions, "revenue": c.revenue}
            for c in scores.values()
        ),
        lambda r: segment(scores[r["customer_key"]].r, scores[r["customer_key"]].f),
    )
    rfm = []
    for name, g in visible(by_segment):
        members = [scores[k] for k in g["customers"]]
        rfm.append(
            RfmSegment(
                segment=name,
                customers=len(members),
                transactions=g["transactions"],
                revenue=g["revenue"],
                avg_recency_days=sum(c.recency_days for c in members) / len(members),
                avg_frequency=sum(c.transactions for c in members) / len(members),
                avg_monetary=sum(c.revenue for c in members) / len(members),
            )
        )
    rfm.sort(key=lambda s: SEGMENT_ORDER.index(s.segment))
    identified_transactions = sum(r["transactions"] for r in rows)
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
        rfm=rfm,
        suppressed_groups=suppressed,
    )


def _per_customer(rows: list[dict[str, Any]], ctx: Context) -> list[Customer]:
    merged: dict[str, Customer] = {}
    for r in rows:
        c = merged.get(r["customer_key"])
        if c is None:
            merged[r["customer_key"]] = Customer(
                r["customer_key"], r["transactions"], r["revenue"], r["last_date"]
            )
        else:
            c.transactions += r["transactions"]
            c.revenue += r["revenue"]
            c.last_date = max(c.last_date, r["last_date"])
    found = sorted(merged.values(), key=lambda c: c.key)
    for c in found:
        c.recency_days = (ctx.scope.date_to - c.last_date).days
    for attr, values in (
        ("r", [-c.recency_days for c in found]),
        ("f", [c.transactions for c in found]),
        ("m", [c.revenue for c in found]),
    ):
        for c, score in zip(found, quintile_scores(values), strict=True):
            setattr(c, attr, score)
    return found
