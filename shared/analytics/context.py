"""One analytics request after parsing: echoed filters, the SQL scope, endpoint options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from shared.analytics.calendar import previous_period
from shared.analytics.models import Filters
from shared.analytics.planner import Question, ask, total
from shared.analytics.sources import Scope
from shared.analytics.summary_tables import TABLES


@dataclass(frozen=True)
class Context:
    conn: Connection
    filters: Filters
    scope: Scope
    options: dict[str, Any] = field(default_factory=dict)
    from_fact: bool = False  # answer from the fact table only (benchmark baseline, cross-checks)

    def question(
        self,
        dims: Sequence[str],
        measures: Sequence[str],
        *,
        scope: Scope | None = None,
        identified_only: bool = False,
    ) -> Question:
        return Question(tuple(dims), tuple(measures), scope or self.scope, identified_only, self.from_fact)

    def rows(self, dims: Sequence[str], measures: Sequence[str], **kw: Any) -> list[dict[str, Any]]:
        return ask(self.conn, self.question(dims, measures, **kw))

    def total(self, measures: Sequence[str], **kw: Any) -> dict[str, Any]:
        return total(self.conn, self.question((), measures, **kw))

    @property
    def previous_scope(self) -> Scope:
        date_from, date_to = previous_period(self.scope.date_from, self.scope.date_to)
        return replace(self.scope, date_from=date_from, date_to=date_to)


def latest_sales_day(conn: Connection) -> date | None:
    value = conn.execute(select(func.max(TABLES["sum_store_day"].c.local_date))).scalar()
    return date.fromisoformat(value) if isinstance(value, str) else value


def scope_for(filters: Filters, regions: list[str] | None) -> Scope:
    """``regions``: what ``shared.auth.region_filter`` allows for the requested regions."""

    def listed(values: list[str]) -> list[str] | None:
        return values or None

    return Scope(
        date_from=filters.from_,
        date_to=filters.to,
        regions=regions,
        stores=listed(filters.store),
        categories=listed(filters.category),
        brands=listed(filters.brand),
    )


def pct_change(current: float | None, previous: float | None) -> float | None:
    if current is None or not previous:
        return None
    return (current - previous) / abs(previous) * 100


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None
