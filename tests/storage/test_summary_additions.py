"""The load keeps the summaries in step, on SQLite and PostgreSQL: the lines of transactions new to
the fact table are added to every summary in the load's transaction (no refresh needed, no drift);
resent, changed and split transactions are left pending for the aggregate stage, whose refresh
removes the drift; a rerun of a load adds nothing twice. The SQL Server MERGE is checked as text."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.dialects import mssql
from sqlalchemy.exc import DBAPIError

from shared.analytics import summaries
from shared.analytics.summary_tables import SPECS, SPECS_BY_NAME, TABLES
from shared.db.engine import get_engine
from shared.db.tables import fact_sales_line, summary_refresh_pending
from shared.etl.load import load_lines, pending_refresh, refreshed
from tests.analytics import fact_rows
from tests.storage.facts import rehash

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STORES, PRODUCTS = fact_rows.dimensions(5, 15, seed=11)


@pytest.fixture
def engine(sql_url: str) -> Engine:
    engine = get_engine(sql_url)
    fact_rows.load_dimensions(engine, STORES, PRODUCTS)
    return engine


def _lines(first_day: date, days: int, seed: int, batch_id: str) -> pd.DataFrame:
    return rehash(fact_rows.lines(STORES, PRODUCTS, first_day, days, 8, seed=seed).assign(batch_id=batch_id))


def _as_batch(frame: pd.DataFrame, batch_id: str) -> pd.DataFrame:
    return frame.assign(batch_id=batch_id)


def _load(engine: Engine, frame: pd.DataFrame) -> None:
    load_lines(engine, frame, str(frame["batch_id"].iloc[0]), NOW)


def _aggregate(engine: Engine, batch_id: str) -> list[tuple[str, date]]:
    """What the aggregate activity does."""
    touched = pending_refresh(engine, batch_id)
    summaries.refresh(engine, touched)
    refreshed(engine, batch_id)
    return touched


def _month_lines(engine: Engine) -> float:
    with engine.connect() as conn:
        return float(conn.execute(select(TABLES["sum_month"].c.lines)).scalars().all()[0])


def test_new_transactions_are_added_to_every_summary_by_the_load(engine: Engine) -> None:
    first = _lines(date(2025, 3, 1), 4, seed=1, batch_id="b1")
    _load(engine, first)
    assert summaries.drift(engine) == {}
    assert pending_refresh(engine, "b1") == []
    # the same days and stores again, other transactions: rows already there are added to
    second = _lines(date(2025, 3, 1), 4, seed=2, batch_id="b2")
    second["transaction_id"] = "X" + second["transaction_id"]
    _load(engine, rehash(second))
    assert summaries.drift(engine) == {}
    assert _month_lines(engine) == len(first) + len(second)
    assert pending_refresh(engine, "b2") == []


def test_a_rerun_of_a_load_adds_nothing_twice(engine: Engine) -> None:
    batch = _lines(date(2025, 3, 1), 3, seed=1, batch_id="b1")
    _load(engine, batch)
    _load(engine, batch)  # the activity retried after its transaction committed
    _load(engine, _as_batch(batch, "b2"))  # the same lines resent in another batch
    assert summaries.drift(engine) == {}
    assert _month_lines(engine) == len(batch)
    assert pending_refresh(engine, "b1") == pending_refresh(engine, "b2") == []


def test_changed_and_moved_lines_are_left_for_the_aggregate_stage(engine: Engine) -> None:
    batch = _lines(date(2025, 3, 1), 3, seed=1, batch_id="b1")
    _load(engine, batch)
    again = _as_batch(batch, "b2")
    one_tx = again["transaction_id"] == again["transaction_id"].iloc[0]
    old_day = (str(again.loc[one_tx, "store_id"].iloc[0]), again.loc[one_tx, "local_date"].iloc[0])
    again.loc[one_tx, "net_amount"] += 7.5
    moved = again["transaction_id"] == again["transaction_id"].iloc[-1]
    again.loc[moved, ["store_id", "local_date"]] = ["S0004", date(2025, 2, 27)]
    _load(engine, rehash(again))

    assert summaries.drift(engine) != {}  # the load could not add these
    touched = _aggregate(engine, "b2")
    assert old_day in touched and ("S0004", date(2025, 2, 27)) in touched
    assert summaries.drift(engine) == {}
    assert pending_refresh(engine, "b2") == []


def test_a_transaction_split_over_batches_is_recomputed_not_added(engine: Engine) -> None:
    """Distinct transactions, basket buckets and product pairs are not sums of the parts: the
    second part of a transaction goes through the aggregate stage's recompute."""
    batch = _lines(date(2025, 3, 1), 2, seed=4, batch_id="b1")
    multi = batch.groupby("transaction_id")["line_number"].transform("size") > 1
    split_tx = batch.loc[multi, "transaction_id"].iloc[0]
    tail = (batch["transaction_id"] == split_tx) & (batch["line_number"] > 1)
    _load(engine, batch[~tail])
    assert summaries.drift(engine) == {}
    _load(engine, _as_batch(batch[tail], "b2"))
    assert summaries.drift(engine) != {}
    _aggregate(engine, "b2")
    assert summaries.drift(engine) == {}
    with engine.connect() as conn:
        assert conn.execute(select(summary_refresh_pending)).all() == []


def test_a_rerun_that_rewrites_lines_records_no_day_twice(engine: Engine) -> None:
    batch = _lines(date(2025, 3, 1), 2, seed=5, batch_id="b1")
    _load(engine, batch)
    changed = _as_batch(batch, "b2")
    changed["discount"] = 0.25
    changed = rehash(changed)
    _load(engine, changed)
    pending = pending_refresh(engine, "b2")
    _load(engine, _as_batch(batch, "b3"))  # b3 puts the first versions back ...
    _load(engine, changed)  # ... and a rerun of b2 rewrites its lines again
    assert pending_refresh(engine, "b2") == pending
    _aggregate(engine, "b2")
    _aggregate(engine, "b3")
    assert summaries.drift(engine) == {}


def test_mssql_merge_adds_measures_and_widens_dates() -> None:
    """Azure SQL cannot run here: the statement that adds new rows to a summary is checked as text."""
    spec = SPECS_BY_NAME["sum_customer_store_day"]
    additions = dict(zip((s.name for s in SPECS), summaries._additions(mssql.dialect()), strict=True))
    assert additions[spec.name].create.strip().startswith("CREATE TABLE [#new_sum_customer_store_day] (")
    merge = additions[spec.name].merge.text
    assert merge.startswith(
        "MERGE sum_customer_store_day WITH (HOLDLOCK) AS target USING #new_sum_customer_store_day AS source "
        "ON target.local_date = source.local_date AND target.store_id = source.store_id"
    )
    assert "target.revenue = target.revenue + source.revenue" in merge
    assert "target.transactions = target.transactions + source.transactions" in merge
    assert (
        "target.first_date = CASE WHEN (source.first_date < target.first_date) "
        "THEN source.first_date ELSE target.first_date END" in merge
    )
    assert (
        "target.last_date = CASE WHEN (source.last_date > target.last_date) "
        "THEN source.last_date ELSE target.last_date END" in merge
    )
    assert merge.endswith(
        "WHEN NOT MATCHED BY TARGET THEN INSERT (local_date, store_id, customer_key, age_band, gender, "
        "loyalty_tier, revenue, gross, discount, units, lines, transactions, discounted_transactions, "
        "first_date, last_date) VALUES (source.local_date, source.store_id, source.customer_key, "
        "source.age_band, source.gender, source.loyalty_tier, source.revenue, source.gross, source.discount, "
        "source.units, source.lines, source.transactions, source.discounted_transactions, "
        "source.first_date, source.last_date);"
    )


def test_a_load_that_fails_while_adding_leaves_nothing_behind(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Facts, summary rows and the temporary tables all go with the rollback: the next load on the
    same pooled connection creates its temporary tables again."""
    additions = summaries._additions(engine.dialect)
    broken = [*additions[:-1], replace(additions[-1], merge=text("SELECT no_such_column FROM sum_month"))]
    monkeypatch.setattr(summaries, "_additions", lambda _dialect: broken)
    batch = _lines(date(2025, 3, 1), 2, seed=6, batch_id="b1")
    with pytest.raises(DBAPIError):
        _load(engine, batch)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(fact_sales_line)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(TABLES["sum_store_day"])).scalar_one() == 0
    monkeypatch.undo()
    _load(engine, batch)
    assert summaries.drift(engine) == {}
    assert _month_lines(engine) == len(batch)
