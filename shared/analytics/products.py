"""``/api/products``: category and brand shares, top/bottom SKUs, Pareto, category x region, and
the product pairs bought together most (support, confidence, lift)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import Float, Select, cast, select

from shared.analytics import pair_frame
from shared.analytics.calendar import first_of_month, month_end
from shared.analytics.context import Context
from shared.analytics.models import (
    CategoryRegionCell,
    Pareto,
    ParetoPoint,
    ProductPair,
    ProductsResponse,
    Share,
    SkuRank,
)
from shared.analytics.planner import query_for
from shared.analytics.sources import Scope
from shared.db.tables import dim_product

PARETO_SHARE = 0.8
PARETO_POINTS = 100
MIN_PAIR_TRANSACTIONS = 2  # a pair seen once says nothing about buying together
PAIR_DAYS = 90


def shares(rows: list[dict[str, Any]], dim: str) -> list[Share]:
    revenue = sum(r["revenue"] for r in rows)
    return sorted(
        (
            Share(
                name=str(r[dim]),
                revenue=r["revenue"],
                units=r["units"],
                transactions=r["transactions"],
                share=r["revenue"] / revenue if revenue else 0.0,
            )
            for r in rows
        ),
        key=lambda s: (-s.revenue, s.name),
    )


def _names(ctx: Context, skus: set[str]) -> dict[str, str]:
    if not skus:
        return {}
    query = select(dim_product.c.sku, dim_product.c.product_name).where(dim_product.c.sku.in_(sorted(skus)))
    return dict(ctx.conn.execute(query).all())


def pareto(revenues: list[float]) -> Pareto:
    ordered = sorted(revenues, reverse=True)
    total = sum(ordered)
    cumulative, running = [], 0.0
    for value in ordered:
        running += value
        cumulative.append(running / total if total else 0.0)
    needed = next((i + 1 for i, c in enumerate(cumulative) if c >= PARETO_SHARE - 1e-12), len(ordered))
    step = max(1, -(-len(ordered) // PARETO_POINTS))
    ranks = sorted({*range(step, len(ordered) + 1, step), len(ordered)} - {0})
    return Pareto(
        sku_count=len(ordered),
        skus_for_80pct=needed if ordered else 0,
        share_of_skus=needed / len(ordered) if ordered else None,
        curve=[ParetoPoint(rank=r, cumulative_share=cumulative[r - 1]) for r in ranks],
    )


def pair_scope(scope: Scope) -> Scope:
    """Pairs are summarised per month: they are counted over the whole months containing the last
    ``PAIR_DAYS`` days of the range (the recent baskets, whatever the range's length)."""
    recent = max(scope.date_from, scope.date_to - timedelta(days=PAIR_DAYS - 1))
    return replace(scope, date_from=first_of_month(recent), date_to=month_end(scope.date_to))


def _top_pairs(ctx: Context, months: Scope, pair_sort: str, top: int) -> Select[Any]:
    """The ``top`` pairs (sku_a, sku_b, both, n_a, n_b) by ``pair_sort``, ranked in SQL so only
    they leave the database. Support ranks as ``both``, confidence as ``both / n_a`` and lift as
    ``both / (n_a * n_b)`` (the basket count is a common factor)."""
    # A SKU has one category and brand, so every basket holding two SKUs that pass the category/brand
    # filters holds two matching lines: pairs are read unfiltered, then kept among those SKUs.
    any_product = replace(months, categories=None, brands=None)
    pair = query_for(ctx.question(("sku_a", "sku_b"), ("transactions",), scope=any_product)).subquery("pair")
    skus = query_for(ctx.question(("sku",), ("transactions",), scope=months)).subquery("skus")
    kept = [pair.c.transactions >= MIN_PAIR_TRANSACTIONS]
    if pair_sort == "support":
        # ranked by the pair's own count: the top pairs are cut before the SKU counts are joined
        if months.categories is not None or months.brands is not None:
            kept += [pair.c.sku_a.in_(select(skus.c.sku)), pair.c.sku_b.in_(select(skus.c.sku))]
        order = (pair.c.transactions.desc(), pair.c.sku_a, pair.c.sku_b)
        pair = select(pair).where(*kept).order_by(*order).limit(top).subquery("top_pair")
    a, b = skus.alias("sku_a_count"), skus.alias("sku_b_count")
    both = cast(pair.c.transactions, Float)
    rank = {
        "support": both,
        "confidence": both / cast(a.c.transactions, Float),
        "lift": both / (cast(a.c.transactions, Float) * cast(b.c.transactions, Float)),
    }[pair_sort]
    return (
        select(pair.c.sku_a, pair.c.sku_b, pair.c.transactions, a.c.transactions, b.c.transactions)
        .join_from(pair, a, a.c.sku == pair.c.sku_a)
        .join(b, b.c.sku == pair.c.sku_b)
        .where(pair.c.transactions >= MIN_PAIR_TRANSACTIONS, a.c.transactions > 0, b.c.transactions > 0)
        .order_by(rank.desc(), pair.c.sku_a, pair.c.sku_b)
        .limit(top)
    )


PairRow = tuple[str, str, int, int, int]  # sku_a, sku_b, both, n_a, n_b


def _top_pairs_in_memory(ctx: Context, months: Scope, pair_sort: str, top: int) -> list[PairRow]:
    """What ``_top_pairs`` selects, from the process's copy of the regions' monthly pair counts
    (``pair_frame``): no store has its own pair counts, so a store filter reads the fact table."""
    copy = pair_frame.current(ctx.conn)
    pair, both = copy.counts(months.date_from, months.date_to, months.regions)
    counted = {r["sku"]: r["transactions"] for r in ctx.rows(("sku",), ("transactions",), scope=months)}
    per_sku = np.array([counted.get(sku, 0) for sku in copy.skus], dtype=np.float64)
    n_a, n_b = per_sku[copy.sku_a[pair]], per_sku[copy.sku_b[pair]]
    kept = (both >= MIN_PAIR_TRANSACTIONS) & (n_a > 0) & (n_b > 0)
    pair, both, n_a, n_b = pair[kept], both[kept].astype(np.float64), n_a[kept], n_b[kept]
    rank = {"support": both, "confidence": both / n_a, "lift": both / (n_a * n_b)}[pair_sort]
    if len(rank) > top:  # every pair ranked at least as high as the top-th, ties included
        chosen = np.flatnonzero(rank >= np.partition(rank, len(rank) - top)[len(rank) - top])
    else:
        chosen = np.arange(len(rank))
    sku_a, sku_b = copy.skus[copy.sku_a[pair]], copy.skus[copy.sku_b[pair]]
    rows = [(sku_a[i], sku_b[i], int(both[i]), int(n_a[i]), int(n_b[i]), rank[i]) for i in chosen]
    rows.sort(key=lambda r: (-r[5], r[0], r[1]))
    return [r[:5] for r in rows[:top]]


def products(ctx: Context) -> ProductsResponse:
    top, sku_sort, pair_sort = ctx.options["top"], ctx.options["sku_sort"], ctx.options["pair_sort"]
    measures = ("revenue", "units", "transactions")
    sku_rows = ctx.rows(("sku", "brand", "category"), measures)
    names = _names(ctx, {r["sku"] for r in sku_rows})
    total_revenue = sum(r["revenue"] for r in sku_rows)

    def ranked(rows: list[dict[str, Any]]) -> list[SkuRank]:
        return [
            SkuRank(
                rank=i + 1,
                sku=r["sku"],
                product_name=names.get(r["sku"], r["sku"]),
                brand=r["brand"],
                category=r["category"],
                revenue=r["revenue"],
                units=r["units"],
                share=r["revenue"] / total_revenue if total_revenue else 0.0,
            )
            for i, r in enumerate(rows)
        ]

    by_best = sorted(sku_rows, key=lambda r: (-r[sku_sort], r["sku"]))
    by_worst = sorted(sku_rows, key=lambda r: (r[sku_sort], r["sku"]))
    matrix_rows = ctx.rows(("category", "region"), ("revenue",))
    region_revenue: dict[str, float] = defaultdict(float)
    for r in matrix_rows:
        region_revenue[r["region"]] += r["revenue"]
    months = pair_scope(ctx.scope)
    basket_transactions = ctx.total(("transactions",), scope=months)["transactions"]
    if ctx.from_fact or months.stores is not None:
        best: list[Any] = list(ctx.conn.execute(_top_pairs(ctx, months, pair_sort, top)).all())
    else:
        best = _top_pairs_in_memory(ctx, months, pair_sort, top)
    names.update(_names(ctx, {sku for row in best for sku in row[:2]} - names.keys()))
    pairs = [
        ProductPair(
            sku_a=a,
            sku_b=b,
            product_a=names.get(a, a),
            product_b=names.get(b, b),
            transactions=both,
            support=both / basket_transactions,
            confidence=both / n_a,
            lift=both * basket_transactions / (n_a * n_b),
        )
        for a, b, both, n_a, n_b in best
    ]
    return ProductsResponse(
        filters=ctx.filters,
        generated_at=ctx.options["generated_at"],
        top=top,
        sku_sort=sku_sort,
        categories=shares(ctx.rows(("category",), measures), "category"),
        brands=shares(ctx.rows(("brand",), measures), "brand"),
        top_skus=ranked(by_best[:top]),
        bottom_skus=ranked(by_worst[:top]),
        pareto=pareto([r["revenue"] for r in sku_rows]),
        category_region=sorted(
            (
                CategoryRegionCell(
                    category=r["category"],
                    region=r["region"],
                    revenue=r["revenue"],
                    share_of_region=r["revenue"] / region_revenue[r["region"]]
                    if region_revenue[r["region"]]
                    else 0.0,
                )
                for r in matrix_rows
            ),
            key=lambda c: (c.region, -c.revenue, c.category),
        ),
        pairs=pairs,
        basket_transactions=basket_transactions,
        pairs_from=months.date_from,
        pairs_to=months.date_to,
    )
