"""``/api/stores`` and ``/api/filters``: what the dashboard's filter controls offer."""

from __future__ import annotations

from sqlalchemy import func, select

from shared.analytics.context import Context
from shared.analytics.geography import store_figures, stores_in_scope
from shared.analytics.models import FiltersResponse, StoreOption, StoreRow, StoresResponse
from shared.analytics.summary_tables import TABLES
from shared.db.tables import dim_product

STORE_SORTS = ("store_id", "name", "revenue", "transactions")


def stores(ctx: Context) -> StoresResponse:
    sort = ctx.options["sort"]
    rows = [
        StoreRow(
            store_id=f["store_id"],
            name=f["name"],
            region=f["region"],
            province=f["province"],
            city=f["city"],
            lat=f["lat"],
            lon=f["lon"],
            revenue=f["revenue"],
            transactions=f["transactions"],
        )
        for f in store_figures(ctx, previous=False).values()
    ]
    descending = sort in ("revenue", "transactions")
    rows.sort(key=lambda r: r.store_id)
    rows.sort(key=lambda r: getattr(r, sort), reverse=descending)
    return StoresResponse(filters=ctx.filters, generated_at=ctx.options["generated_at"], stores=rows)


def filters(ctx: Context) -> FiltersResponse:
    days = TABLES["sum_store_day"].c.local_date
    # one aggregate per SELECT: SQLite answers a lone min() or max() from the index's ends
    first = ctx.conn.execute(select(func.min(days))).scalar()
    last = ctx.conn.execute(select(func.max(days))).scalar()
    visible = stores_in_scope(ctx, ctx.scope)
    payments = TABLES["sum_region_month_payment"].c.payment_method
    return FiltersResponse(
        filters=ctx.filters,
        generated_at=ctx.options["generated_at"],
        min_date=first,
        max_date=last,
        regions=sorted({s["region"] for s in visible.values()}),
        stores=[
            StoreOption(store_id=s["store_id"], name=s["name"], region=s["region"]) for s in visible.values()
        ],
        categories=list(
            ctx.conn.scalars(select(dim_product.c.category).distinct().order_by(dim_product.c.category))
        ),
        brands=list(ctx.conn.scalars(select(dim_product.c.brand).distinct().order_by(dim_product.c.brand))),
        payment_methods=list(ctx.conn.scalars(select(payments).distinct().order_by(payments))),
        grains=["day", "week", "month"],
        max_query_days=ctx.options["max_query_days"],
    )
