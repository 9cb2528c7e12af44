"""``/api/transactions``: KPIs against the previous equal period, and a series by day/week/month."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from shared.analytics.calendar import period_end, period_start
from shared.analytics.context import Context, pct_change, ratio
from shared.analytics.models import KpiChange, Kpis, TransactionsResponse, TrendPoint
from shared.analytics.sources import GRAIN_DIMS, Scope

KPI_MEASURES = ("revenue", "transactions", "units", "lines", "discount")
MOVING_DAYS = 7


def kpis(values: dict[str, Any]) -> Kpis:
    return Kpis(
        revenue=values["revenue"],
        transactions=values["transactions"],
        units=values["units"],
        lines=values["lines"],
        avg_basket_value=ratio(values["revenue"], values["transactions"]),
        avg_basket_size=ratio(values["units"], values["transactions"]),
        discount=values["discount"],
    )


def _periods(date_from: date, date_to: date, grain: str) -> list[date]:
    starts, cursor = [], period_start(date_from, grain)
    while cursor <= date_to:
        starts.append(cursor)
        cursor = period_end(cursor, grain) + timedelta(days=1)
    return starts


def series(ctx: Context, grain: str) -> list[TrendPoint]:
    scope = ctx.scope
    dim = GRAIN_DIMS[grain]
    lead = timedelta(days=MOVING_DAYS - 1 if grain == "day" else 0)
    rows = ctx.rows((dim,), ("revenue", "transactions", "units"), scope=_widened(ctx, lead))
    by_period = {row[dim]: row for row in rows}
    daily_revenue = [
        by_period.get(scope.date_from - lead + timedelta(days=i), {}).get("revenue", 0.0)
        for i in range((scope.date_to - scope.date_from + lead).days + 1)
    ]
    points = []
    for index, start in enumerate(_periods(scope.date_from, scope.date_to, grain)):
        row = by_period.get(start, {"revenue": 0.0, "transactions": 0, "units": 0.0})
        moving = None
        if grain == "day":
            window = daily_revenue[index : index + MOVING_DAYS]
            moving = sum(window) / MOVING_DAYS
        points.append(
            TrendPoint(
                period=max(start, scope.date_from),
                period_end=min(period_end(start, grain), scope.date_to),
                revenue=row["revenue"],
                transactions=row["transactions"],
                units=row["units"],
                avg_basket_value=ratio(row["revenue"], row["transactions"]),
                revenue_ma7=moving,
            )
        )
    return points


def _widened(ctx: Context, lead: timedelta) -> Scope:
    return replace(ctx.scope, date_from=ctx.scope.date_from - lead)


def transactions(ctx: Context) -> TransactionsResponse:
    grain = ctx.options["grain"]
    current = kpis(ctx.total(KPI_MEASURES))
    previous_scope = ctx.previous_scope
    previous = kpis(ctx.total(KPI_MEASURES, scope=previous_scope))
    return TransactionsResponse(
        filters=ctx.filters,
        generated_at=ctx.options["generated_at"],
        grain=grain,
        kpis=current,
        previous=previous,
        previous_from=previous_scope.date_from,
        previous_to=previous_scope.date_to,
        change=KpiChange(
            revenue_pct=pct_change(current.revenue, previous.revenue),
            transactions_pct=pct_change(current.transactions, previous.transactions),
            units_pct=pct_change(current.units, previous.units),
            avg_basket_value_pct=pct_change(current.avg_basket_value, previous.avg_basket_value),
            avg_basket_size_pct=pct_change(current.avg_basket_size, previous.avg_basket_size),
        ),
        series=series(ctx, grain),
    )
