"""``/api/behavior``: hour x weekday, basket size and value distributions, payment mix over time,
discount uptake."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shared.analytics.context import Context, ratio
from shared.analytics.models import BehaviorResponse, Bucket, DiscountUptake, HourWeekdayCell, PaymentPoint
from shared.analytics.products import shares
from shared.analytics.sources import GRAIN_DIMS
from shared.analytics.summary_tables import SIZE_BUCKETS, VALUE_BUCKETS


def distribution(
    rows: list[dict[str, Any]], dim: str, buckets: tuple[tuple[str, float], ...]
) -> list[Bucket]:
    counts = {r[dim]: r["transactions"] for r in rows}
    total = sum(counts.values())
    return [
        Bucket(
            label=label,
            lower=lower,
            upper=buckets[i + 1][1] if i + 1 < len(buckets) else None,
            transactions=counts.get(label, 0),
            share=counts.get(label, 0) / total if total else 0.0,
        )
        for i, (label, lower) in enumerate(buckets)
    ]


def payment_mix(ctx: Context, grain: str) -> list[PaymentPoint]:
    dim = GRAIN_DIMS[grain]
    rows = ctx.rows((dim, "payment_method"), ("transactions", "revenue"))
    period_total: dict[Any, int] = defaultdict(int)
    for r in rows:
        period_total[r[dim]] += r["transactions"]
    points = [
        PaymentPoint(
            period=max(r[dim], ctx.scope.date_from),
            method=r["payment_method"],
            transactions=r["transactions"],
            revenue=r["revenue"],
            share=r["transactions"] / period_total[r[dim]] if period_total[r[dim]] else 0.0,
        )
        for r in rows
    ]
    return sorted(points, key=lambda p: (p.period, p.method))


def behavior(ctx: Context) -> BehaviorResponse:
    grain = ctx.options["grain"]
    cells = {
        (r["weekday"], r["local_hour"]): r
        for r in ctx.rows(("weekday", "local_hour"), ("transactions", "revenue"))
    }
    discount = ctx.total(("transactions", "discounted_transactions", "gross", "discount"))
    return BehaviorResponse(
        filters=ctx.filters,
        generated_at=ctx.options["generated_at"],
        grain=grain,
        hour_weekday=[
            HourWeekdayCell(
                weekday=w,
                hour=h,
                transactions=cells.get((w, h), {}).get("transactions", 0),
                revenue=cells.get((w, h), {}).get("revenue", 0.0),
            )
            for w in range(7)
            for h in range(24)
        ],
        basket_size=distribution(ctx.rows(("size_bucket",), ("transactions",)), "size_bucket", SIZE_BUCKETS),
        basket_value=distribution(
            ctx.rows(("value_bucket",), ("transactions",)), "value_bucket", VALUE_BUCKETS
        ),
        payment_mix=payment_mix(ctx, grain),
        payment_totals=shares(
            ctx.rows(("payment_method",), ("revenue", "units", "transactions")), "payment_method"
        ),
        discount=DiscountUptake(
            transactions=discount["transactions"],
            discounted_transactions=discount["discounted_transactions"],
            uptake_rate=ratio(discount["discounted_transactions"], discount["transactions"]),
            gross=discount["gross"],
            discount=discount["discount"],
            discount_rate=ratio(discount["discount"], discount["gross"]),
        ),
    )
