"""Summary maintenance on SQLite and PostgreSQL: refresh recomputes exactly the touched rows
(and the months/regions containing them), idempotently; drift finds any difference from a
recomputation from the fact table; reconcile repairs just the drifted months; rebuild_all repairs
everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, delete, event, func, insert, select, update

from shared.analytics import summaries
from shared.analytics.summary_tables import SPECS, TABLES
from shared.db.engine import get_engine
from shared.db.tables import fact_sales_line as fact
from tests.analytics import fact_rows

DAY = date(2025, 1, 20)


@pytest.fixture
def engine(sql_url: str) -> Engine:
    engine = get_engine(sql_url)
    stores, products = fact_rows.dimensions(6, 20, seed=3)
    fact_rows.load_dimensions(engine, stores, products)
    fact_rows.load_lines(engine, fact_rows.lines(stores, products, date(2025, 1, 1), 40, 6, seed=3))
    summaries.rebuild_all(engine)
    return engine


def snapshot(engine: Engine) -> dict[str, list[tuple]]:
    """Every summary row; sums rounded, as adding floats in another order moves the last bits."""

    def cell(value: object) -> str:
        return f"{value:.6f}" if isinstance(value, float) else str(value)

    with engine.connect() as conn:
        return {s.name: sorted(tuple(map(cell, r)) for r in conn.execute(select(s.table))) for s in SPECS}


def test_rebuilt_summaries_have_no_drift(engine: Engine) -> None:
    assert summaries.drift(engine) == {}
    with engine.connect() as conn:
        lines = conn.execute(select(func.count()).select_from(fact)).scalar()
        summed = conn.execute(select(func.sum(TABLES["sum_region_month"].c.lines))).scalar()
    assert lines == summed > 0


def test_refresh_follows_changed_added_and_removed_lines(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(fact)
            .where(fact.c.store_id == "S0001", fact.c.local_date == DAY)
            .values(net_amount=fact.c.net_amount + 5, category="Dairy")
        )
        gone = (
            conn.execute(
                select(fact.c.transaction_id).where(fact.c.store_id == "S0002", fact.c.local_date == DAY)
            )
            .scalars()
            .first()
        )
        conn.execute(delete(fact).where(fact.c.transaction_id == gone))
        row = dict(conn.execute(select(fact).limit(1)).one()._mapping)
        conn.execute(
            insert(fact),
            [
                {
                    **row,
                    "transaction_id": "NEW-1",
                    "store_id": "S0003",
                    "local_date": date(2025, 3, 1),
                    "customer_key": "C-new",
                }
            ],
        )
    drift = summaries.drift(engine)
    assert drift["sum_store_day"]["different"] >= 2 and drift["sum_store_day"]["missing"] == 1
    assert drift["sum_customer_store_day"]["missing"] >= 1
    summaries.refresh(engine, [("S0001", DAY), ("S0002", DAY), ("S0003", date(2025, 3, 1))])
    assert summaries.drift(engine) == {}


def test_refresh_is_idempotent_and_targeted(engine: Engine) -> None:
    before = snapshot(engine)
    summaries.refresh(engine, [("S0001", DAY), ("S0004", date(2025, 2, 3))])
    summaries.refresh(engine, [("S0001", DAY), ("S0004", date(2025, 2, 3))])
    assert snapshot(engine) == before
    table = TABLES["sum_store_day"]
    with engine.begin() as conn:  # damage a row the next refresh does not touch
        conn.execute(
            update(table)
            .where(table.c.store_id == "S0000", table.c.local_date == DAY)
            .values(revenue=table.c.revenue + 1)
        )
    summaries.refresh(engine, [("S0001", DAY)])
    assert summaries.drift(engine) == {"sum_store_day": {"missing": 0, "extra": 0, "different": 1}}
    summaries.rebuild_all(engine)
    assert snapshot(engine) == before


def test_refresh_of_a_day_without_lines_leaves_no_rows(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(delete(fact).where(fact.c.store_id == "S0001", fact.c.local_date == DAY))
    summaries.refresh(engine, [("S0001", DAY)])
    table = TABLES["sum_store_day"]
    with engine.connect() as conn:
        left = conn.execute(
            select(func.count())
            .select_from(table)
            .where(table.c.store_id == "S0001", table.c.local_date == DAY)
        ).scalar()
    assert left == 0
    assert summaries.drift(engine) == {}


def _writes_during(engine: Engine, action: Callable[[], object]) -> list[str]:
    """The tables ``action`` deleted from (each recompute deletes, then inserts)."""
    deleted: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        words = statement.split()
        if words[:2] == ["DELETE", "FROM"]:
            deleted.append(words[2])

    event.listen(engine, "before_cursor_execute", seen)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return deleted


def test_reconcile_repairs_only_the_drifted_months_of_drifted_tables(engine: Engine) -> None:
    before = snapshot(engine)
    assert _writes_during(engine, lambda: summaries.reconcile(engine)) == [], "no drift, no writes"
    store_day, region_month = TABLES["sum_store_day"], TABLES["sum_region_month"]
    with engine.begin() as conn:
        conn.execute(
            update(store_day)
            .where(store_day.c.store_id == "S0000", store_day.c.local_date == DAY)
            .values(revenue=store_day.c.revenue + 1)
        )
        conn.execute(delete(region_month).where(region_month.c.month == date(2025, 2, 1)))
    found: dict[str, dict[str, int]] = {}
    deleted = _writes_during(engine, lambda: found.update(summaries.reconcile(engine)))
    assert found["sum_store_day"] == {"missing": 0, "extra": 0, "different": 1}
    assert found["sum_region_month"]["missing"] > 0 and set(found) == {"sum_store_day", "sum_region_month"}
    assert sorted(deleted) == ["sum_region_month", "sum_store_day"]  # one month of each
    assert summaries.drift(engine) == {}
    assert snapshot(engine) == before
