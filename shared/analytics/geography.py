"""``/api/geographic``: revenue, transactions and growth per region, province, city and store."""

from __future__ import annotations

from collections import defaultdict
from statistics import fmean
from typing import Any

from sqlalchemy import select

from shared.analytics.context import Context, pct_change
from shared.analytics.models import GeoArea, GeographicResponse
from shared.analytics.sources import Scope
from shared.analytics.summary_tables import UNKNOWN
from shared.db.tables import dim_store

LEVELS = ("region", "province", "city", "store")


def stores_in_scope(ctx: Context, scope: Scope | None = None) -> dict[str, dict[str, Any]]:
    """``dim_store`` rows the caller may see under the filters, by store id."""
    scope = scope or ctx.scope
    query = select(dim_store).order_by(dim_store.c.store_id)
    if scope.regions is not None:
        query = query.where(dim_store.c.region.in_(list(scope.regions)))
    if scope.stores is not None:
        query = query.where(dim_store.c.store_id.in_(list(scope.stores)))
    return {row.store_id: dict(row._mapping) for row in ctx.conn.execute(query)}


def store_figures(ctx: Context, *, previous: bool = True) -> dict[str, dict[str, Any]]:
    """Per store: revenue, transactions, units now and (unless ``previous`` is false) revenue in
    the previous period; stores in scope without sales included with zeros."""
    stores = stores_in_scope(ctx)
    figures: dict[str, dict[str, Any]] = {
        sid: {"revenue": 0.0, "transactions": 0, "units": 0.0, "previous_revenue": 0.0} for sid in stores
    }
    for row in ctx.rows(("store_id",), ("revenue", "transactions", "units")):
        figures.setdefault(row["store_id"], {"previous_revenue": 0.0}).update(
            revenue=row["revenue"], transactions=row["transactions"], units=row["units"]
        )
    for row in ctx.rows(("store_id",), ("revenue",), scope=ctx.previous_scope) if previous else ():
        figures.setdefault(row["store_id"], {"revenue": 0.0, "transactions": 0, "units": 0.0})
        figures[row["store_id"]]["previous_revenue"] = row["revenue"]
    for sid, values in figures.items():
        info = stores.get(sid, {})
        values.update(
            store_id=sid,
            name=info.get("name", sid),
            region=info.get("region", UNKNOWN),
            province=info.get("province", UNKNOWN),
            city=info.get("city", UNKNOWN),
            lat=info.get("lat"),
            lon=info.get("lon"),
        )
    return figures


def _area(level: str, key: str, members: list[dict[str, Any]]) -> GeoArea:
    first = members[0]
    lats = [m["lat"] for m in members if m["lat"] is not None]
    lons = [m["lon"] for m in members if m["lon"] is not None]
    revenue = previous = units = 0.0
    transactions = 0
    for m in members:
        revenue += m["revenue"]
        previous += m["previous_revenue"]
        units += m["units"]
        transactions += m["transactions"]
    depth = LEVELS.index(level)
    return GeoArea(
        level=level,  # type: ignore[arg-type]
        key=key,
        name=first["name"] if level == "store" else key.split("|")[-1],
        region=first["region"],
        province=first["province"] if depth >= 1 else None,
        city=first["city"] if depth >= 2 else None,
        store_id=first["store_id"] if level == "store" else None,
        lat=fmean(lats) if lats else None,
        lon=fmean(lons) if lons else None,
        stores=len(members),
        revenue=revenue,
        transactions=transactions,
        units=units,
        previous_revenue=previous,
        growth_pct=pct_change(revenue, previous),
    )


def _key(level: str, store: dict[str, Any]) -> str:
    if level == "store":
        return str(store["store_id"])
    parts = [store["region"], store["province"], store["city"]][: LEVELS.index(level) + 1]
    return "|".join(parts)


def geographic(ctx: Context) -> GeographicResponse:
    stores = list(store_figures(ctx).values())
    levels: dict[str, list[GeoArea]] = {}
    for level in LEVELS:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for store in stores:
            groups[_key(level, store)].append(store)
        areas = [_area(level, key, members) for key, members in groups.items()]
        levels[level] = sorted(areas, key=lambda a: (-a.revenue, a.key))
    previous = ctx.previous_scope
    return GeographicResponse(
        filters=ctx.filters,
        generated_at=ctx.options["generated_at"],
        previous_from=previous.date_from,
        previous_to=previous.date_to,
        regions=levels["region"],
        provinces=levels["province"],
        cities=levels["city"],
        stores=levels["store"],
    )
