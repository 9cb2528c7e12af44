"""The load stage on SQLite and PostgreSQL: new, duplicate and changed lines, history, reruns,
the (store, day) pairs left for the aggregate stage, atomicity. The SQL Server statements are
checked as text (no server here)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import func, select

from shared.db import writer_lock
from shared.db.engine import get_engine, migrate
from shared.db.tables import FACT_COLUMN_NAMES, fact_sales_line, fact_sales_line_history
from shared.etl import load as load_module
from shared.etl.load import MSSQL_LOAD, LoadResult, load_lines
from tests.storage.facts import as_of, fact_frame, rehash

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _count(url: str, table) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _facts(url: str) -> pd.DataFrame:
    with get_engine(url).connect() as conn:
        query = select(fact_sales_line).order_by("transaction_id", "line_number")
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows)


def _pairs(frame: pd.DataFrame) -> list[tuple[str, date]]:
    return sorted(set(zip(frame["store_id"], frame["local_date"], strict=True)))


def test_new_lines_are_inserted_with_their_values(sql_url: str) -> None:
    frame = fact_frame(40)
    result = load_lines(get_engine(sql_url), frame, "b1", NOW)
    assert result == LoadResult(inserted=120, updated=0, duplicates=0, touched=[])  # summarised already
    stored = _facts(sql_url)
    assert len(stored) == 120 and list(stored.columns) == list(FACT_COLUMN_NAMES)
    first = stored.iloc[0]
    assert first["ts_utc"] == datetime(2026, 2, 1, 0, 0)  # naive UTC
    assert first["local_date"] == date(2026, 2, 1)
    assert first["is_outlier"] in (True, False) and first["loaded_at"] == datetime(2026, 3, 1, 12, 0)
    assert stored["customer_key"].isna().sum() == frame["customer_key"].isna().sum()  # NULL stays NULL
    assert (stored["loyalty_tier"] == "").all()  # an empty string stays an empty string
    assert stored["unit_cost"].isna().sum() == frame["unit_cost"].isna().sum()
    assert stored["net_amount"].sum() == pytest.approx(frame["net_amount"].sum())
    assert stored["content_hash"].tolist() == frame["content_hash"].tolist()


def test_rerun_of_the_same_load_changes_nothing(sql_url: str) -> None:
    engine = get_engine(sql_url)
    frame = fact_frame(30)
    load_lines(engine, frame, "b1", NOW)
    before = _facts(sql_url)
    assert load_lines(engine, frame, "b1", NOW) == LoadResult(0, 0, 90, [])
    pd.testing.assert_frame_equal(_facts(sql_url), before)
    assert _count(sql_url, fact_sales_line_history) == 0


def test_same_lines_from_another_batch_are_duplicates(sql_url: str) -> None:
    engine = get_engine(sql_url)
    frame = fact_frame(10)
    load_lines(engine, frame, "b1", NOW)
    assert load_lines(engine, as_of(frame, "b2"), "b2", NOW) == LoadResult(0, 0, 30, [])
    assert set(_facts(sql_url)["batch_id"]) == {"b1"}  # the first load's rows are untouched


def test_changed_lines_are_updated_and_their_old_version_kept(sql_url: str) -> None:
    engine = get_engine(sql_url)
    first = fact_frame(10)
    load_lines(engine, first, "b1", NOW)
    second = as_of(first, "b2")
    # line 2 of T0000003 moves to another store and day; line 1 of T0000004 gets a new quantity
    moved = (second["transaction_id"] == "T0000003") & (second["line_number"] == 2)
    second.loc[moved, ["store_id", "local_date"]] = ["S999", date(2026, 1, 15)]
    requantified = (second["transaction_id"] == "T0000004") & (second["line_number"] == 1)
    second.loc[requantified, "quantity"] = 99.0
    second = rehash(second)
    old_moved = first.loc[moved].iloc[0]

    result = load_lines(engine, second, "b2", NOW)

    assert (result.inserted, result.updated, result.duplicates) == (0, 2, 28)
    # every day the lines of the two changed transactions lay on, before and after
    changed_transactions = first["transaction_id"].isin(["T0000003", "T0000004"])
    assert result.touched == sorted({("S999", date(2026, 1, 15)), *_pairs(first.loc[changed_transactions])})
    assert (old_moved["store_id"], old_moved["local_date"]) in result.touched
    stored = _facts(sql_url).set_index(["transaction_id", "line_number"])
    assert stored.loc[("T0000003", 2), "store_id"] == "S999"
    assert stored.loc[("T0000004", 1), "quantity"] == 99.0
    assert stored.loc[("T0000004", 1), "batch_id"] == "b2"
    assert stored.loc[("T0000004", 2), "batch_id"] == "b1"  # unchanged lines keep their batch
    with engine.connect() as conn:
        history = conn.execute(select(fact_sales_line_history).order_by("transaction_id")).mappings().all()
    assert [(h["transaction_id"], h["line_number"]) for h in history] == [("T0000003", 2), ("T0000004", 1)]
    assert history[0]["store_id"] == old_moved["store_id"] and history[0]["batch_id"] == "b1"
    assert history[1]["quantity"] == first.loc[requantified, "quantity"].iloc[0]
    assert {h["replaced_by_batch"] for h in history} == {"b2"}
    assert {h["replaced_at"] for h in history} == {datetime(2026, 3, 2, 9, 30)}
    assert load_lines(engine, second, "b2", NOW) == LoadResult(0, 0, 30, [])  # retried activity
    assert _count(sql_url, fact_sales_line_history) == 2


def test_mixed_batch_counts_add_up(sql_url: str) -> None:
    engine = get_engine(sql_url)
    old = fact_frame(20)
    load_lines(engine, old.iloc[:30], "b1", NOW)  # first 10 transactions
    mixed = as_of(old, "b2")
    mixed.loc[:2, "discount"] = 1.0  # the first transaction's three lines change
    mixed = rehash(mixed)
    result = load_lines(engine, mixed, "b2", NOW)
    assert (result.inserted, result.updated, result.duplicates) == (30, 3, 27)
    assert result.touched == _pairs(mixed.iloc[:3])  # the ten new transactions are summarised already
    assert _count(sql_url, fact_sales_line) == 60


def test_a_failing_load_writes_nothing(sql_url: str) -> None:
    engine = get_engine(sql_url)
    load_lines(engine, fact_frame(5), "b1", NOW)
    broken = as_of(fact_frame(10), "b2")
    broken.loc[:2, "discount"] = 5.0
    broken = rehash(broken)
    broken.loc[29, "store_id"] = None  # NOT NULL: the whole load must roll back
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        load_lines(engine, broken, "b2", NOW)
    assert _count(sql_url, fact_sales_line) == 15
    assert _count(sql_url, fact_sales_line_history) == 0
    assert set(_facts(sql_url)["batch_id"]) == {"b1"}


def test_frame_must_have_exactly_the_fact_columns(sql_url: str) -> None:
    with pytest.raises(ValueError, match="missing \\['weekday'\\], extra \\['extra'\\]"):
        load_lines(get_engine(sql_url), fact_frame(1).drop(columns="weekday").assign(extra=1), "b", NOW)
    assert load_lines(get_engine(sql_url), fact_frame(1).iloc[:0], "b", NOW) == LoadResult(0, 0, 0, [])


def test_mssql_statements_stage_then_merge() -> None:
    """Azure SQL cannot run here: the statements the SQL Server path sends are checked as text."""
    assert "@LockOwner = 'Transaction'" in writer_lock.MSSQL_LOCK
    assert MSSQL_LOAD["stage"].startswith("SELECT TOP 0 transaction_id, line_number, store_id")
    assert MSSQL_LOAD["fill"].count("?") == len(FACT_COLUMN_NAMES)
    history = MSSQL_LOAD["history"]
    assert history.startswith("INSERT INTO fact_sales_line_history (transaction_id, line_number, store_id")
    assert history.endswith("WHERE target.content_hash <> source.content_hash") and history.count("?") == 2
    merge = MSSQL_LOAD["merge"]
    assert merge.startswith("MERGE fact_sales_line WITH (HOLDLOCK) AS target USING #load_stage AS source ON ")
    assert "WHEN MATCHED AND target.content_hash <> source.content_hash THEN UPDATE SET target.store_id" in (
        merge
    )
    assert "target.transaction_id = source.transaction_id" not in merge.split("UPDATE SET")[1]  # keys stay
    assert "WHEN NOT MATCHED BY TARGET THEN INSERT (transaction_id, " in merge
    assert merge.endswith("inserted.store_id, inserted.local_date INTO #load_changes;")
    assert "$action, inserted.transaction_id, deleted.store_id" in merge
    assert MSSQL_LOAD["held"].startswith(
        "SELECT DISTINCT target.transaction_id INTO #load_held FROM fact_sales_line"
    )
    assert "JOIN #load_held AS h ON h.transaction_id = c.transaction_id" in MSSQL_LOAD["touched"]
    assert MSSQL_LOAD["drop"].endswith("DROP TABLE #load_held")


def test_concurrent_loads_of_overlapping_batches_store_each_line_once(sql_url: str) -> None:
    engine = get_engine(sql_url)
    full = fact_frame(90)
    # four overlapping windows of 135 lines, 45 apart
    batches = {f"b{i}": as_of(full.iloc[i * 45 : i * 45 + 135], f"b{i}") for i in range(4)}

    def load(batch_id: str) -> LoadResult:
        return load_lines(engine, batches[batch_id], batch_id, NOW)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(batches, pool.map(load, batches)))
    assert sum(r.inserted for r in results.values()) == len(full) == _count(sql_url, fact_sales_line)
    assert all(r.updated == 0 for r in results.values())
    assert sum(r.duplicates for r in results.values()) == sum(len(b) for b in batches.values()) - len(full)
    assert _facts(sql_url)["content_hash"].tolist() == full["content_hash"].tolist()


def test_a_load_of_many_chunks_is_still_one_load(sql_url: str, monkeypatch) -> None:
    monkeypatch.setattr(load_module, "_CHUNK", 7)
    frame = fact_frame(20)
    engine = get_engine(sql_url)
    assert load_lines(engine, frame, "b1", NOW) == LoadResult(60, 0, 0, [])
    assert _facts(sql_url)["content_hash"].tolist() == frame["content_hash"].tolist()
    assert load_lines(engine, frame, "b1", NOW) == LoadResult(0, 0, 60, [])


def test_values_are_cast_to_the_column_types(sql_url: str) -> None:
    frame = fact_frame(2)
    frame["local_hour"] = frame["local_hour"].astype(float)  # 8.0 -> 8
    frame["basket_lines"] = frame["basket_lines"].astype("int8")
    frame["quantity"] = frame["quantity"].astype(int)  # 3 -> 3.0
    frame["ts_utc"] = frame["ts_utc"].dt.tz_convert("Asia/Manila")  # stored as UTC all the same
    frame["local_date"] = pd.to_datetime(frame["local_date"])  # a midnight timestamp -> its date
    load_lines(get_engine(sql_url), frame, "b1", NOW)
    stored = _facts(sql_url).iloc[0]
    assert (stored["local_hour"], stored["basket_lines"], stored["quantity"]) == (8, 3, frame["quantity"][0])
    assert stored["ts_utc"] == datetime(2026, 2, 1) and stored["local_date"] == date(2026, 2, 1)


def test_a_fractional_value_in_an_integer_column_is_refused(sql_url: str) -> None:
    frame = fact_frame(1)
    frame["local_hour"] = 8.5
    with pytest.raises(pa.ArrowInvalid):
        load_lines(get_engine(sql_url), frame, "b1", NOW)
    assert _count(sql_url, fact_sales_line) == 0


def test_lines_beyond_whole_multi_row_statements_are_loaded_too(sql_url: str) -> None:
    frame = fact_frame(70)  # 210 lines: two 100-row statements and 10 single rows on SQLite
    engine = get_engine(sql_url)
    assert load_lines(engine, frame, "b1", NOW) == LoadResult(210, 0, 0, [])
    assert _facts(sql_url)["content_hash"].tolist() == frame["content_hash"].tolist()


def test_a_sqlite_load_gives_its_connection_back_with_the_page_cache_it_had(tmp_path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'scout.db'}")
    migrate(engine)

    def cache_size() -> int:
        with engine.connect() as conn:  # the pool hands back the connection the load used
            return conn.exec_driver_sql("PRAGMA cache_size").scalar_one()

    before = cache_size()
    assert before != -load_module._SQLITE_LOAD_CACHE_KIB
    load_lines(engine, fact_frame(5), "b1", NOW)
    assert cache_size() == before
    broken = as_of(fact_frame(7), "b2")
    broken.loc[20, "store_id"] = None  # NOT NULL: fails inside the load
    with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
        load_lines(engine, broken, "b2", NOW)
    assert cache_size() == before
