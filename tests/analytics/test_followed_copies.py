"""The process's in-memory copies of summary tables (customers by store and day, product pairs by
region and month) follow the database, on SQLite and PostgreSQL: after loads (new, changed and
moved transactions), the aggregate stage's refresh and a rebuild, ``/api/customers`` and
``/api/products`` answer as the fact table does; only changed days are read again, and a copy of
another database at the same path, or one further behind than the kept changes, is read afresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from shared.analytics import customer_frame, pair_frame, summaries
from shared.analytics.routes import ENDPOINTS_BY_ROUTE, build
from shared.auth.principal import Principal
from shared.db.engine import dispose_engines, get_engine, migrate
from shared.db.tables import summary_change
from shared.etl.load import load_lines, pending_refresh, refreshed
from tests.analytics import fact_rows
from tests.storage.facts import rehash

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
STORES, PRODUCTS = fact_rows.dimensions(5, 15, seed=11)
READER = Principal(subject="reader", tenant_id="t", roles=frozenset({"Dashboard.Read"}))
REGION, CATEGORY = str(STORES["region"].iloc[0]), str(PRODUCTS["category"].iloc[0])
QUESTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    ("customers", [("from", "2025-02-20"), ("to", "2025-03-10")]),
    ("customers", [("from", "2025-03-02"), ("to", "2025-03-03")]),
    ("customers", [("from", "2025-02-20"), ("to", "2025-03-10"), ("store", "S0001"), ("store", "S0004")]),
    ("customers", [("from", "2025-03-02"), ("to", "2025-03-10"), ("region", REGION)]),
    ("products", [("from", "2025-02-20"), ("to", "2025-03-10"), ("top", "100")]),
    ("products", [("from", "2025-02-20"), ("to", "2025-03-10"), ("pair_sort", "lift"), ("top", "7")]),
    ("products", [("from", "2025-02-01"), ("to", "2025-03-03"), ("pair_sort", "confidence"), ("top", "7")]),
    ("products", [("from", "2025-02-20"), ("to", "2025-03-10"), ("region", REGION), ("top", "100")]),
    (
        "products",
        [("from", "2025-02-20"), ("to", "2025-03-10"), ("category", str(PRODUCTS["category"].iloc[0]))],
    ),
]


@pytest.fixture
def engine(sql_url: str) -> Iterator[Engine]:
    engine = get_engine(sql_url)
    fact_rows.load_dimensions(engine, STORES, PRODUCTS)
    _forget()
    yield engine
    _forget()


def _forget() -> None:
    customer_frame.COPIES.forget()
    pair_frame.COPIES.forget()


@pytest.fixture
def full_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times each copy was read whole (the customers' copy, then the pairs')."""
    reads: list[int] = []
    for module in (customer_frame, pair_frame):
        read = module._read

        def counted(conn: Any, days: Any, *codes: Any, read: Any = read, module: Any = module) -> Any:
            if days is None:
                reads.append(1)
            return read(conn, days, *codes)

        monkeypatch.setattr(module, "_read", counted)
    return reads


def _lines(first_day: date, days: int, seed: int, batch_id: str) -> pd.DataFrame:
    return rehash(fact_rows.lines(STORES, PRODUCTS, first_day, days, 8, seed=seed).assign(batch_id=batch_id))


def _load(engine: Engine, frame: pd.DataFrame) -> None:
    batch_id = str(frame["batch_id"].iloc[0])
    load_lines(engine, frame, batch_id, NOW)
    summaries.refresh(engine, pending_refresh(engine, batch_id))  # the aggregate stage
    refreshed(engine, batch_id)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _answer(engine: Engine, route: str, question: list[tuple[str, str]], from_fact: bool) -> dict[str, Any]:
    response, _options = build(ENDPOINTS_BY_ROUTE[route], question, READER, engine, from_fact=from_fact)
    return _rounded(response.model_dump(exclude={"generated_at"}))


def _assert_as_the_fact_table(engine: Engine) -> None:
    for route, question in QUESTIONS:
        got = _answer(engine, route, question, from_fact=False)
        assert got == _answer(engine, route, question, from_fact=True), (route, question)
        assert got.get("identified_transactions", 1) > 0 or "region" in dict(question)
        assert got.get("pairs", [1]), (route, question)


def test_the_copy_follows_loads_refreshes_and_rebuilds(engine: Engine, full_reads: list[int]) -> None:
    first = _lines(date(2025, 3, 1), 3, seed=3, batch_id="b1")
    _load(engine, first)
    _assert_as_the_fact_table(engine)
    assert len(full_reads) == 2

    more = _lines(date(2025, 3, 2), 4, seed=2, batch_id="b2")  # new transactions, days old and new
    more["transaction_id"] = "X" + more["transaction_id"]
    _load(engine, rehash(more))
    _assert_as_the_fact_table(engine)

    again = first.assign(batch_id="b3")  # resent: one changed, one moved to another store and day
    one_tx = again["transaction_id"] == again["transaction_id"].iloc[0]
    again.loc[one_tx, "net_amount"] += 7.5
    moved = again["transaction_id"] == again["transaction_id"].iloc[-1]
    again.loc[moved, ["store_id", "local_date"]] = ["S0004", date(2025, 2, 27)]
    _load(engine, rehash(again))
    _assert_as_the_fact_table(engine)
    assert len(full_reads) == 2  # only the changed days were read again

    summaries.rebuild_all(engine)  # every day changes: the copies are read whole
    _assert_as_the_fact_table(engine)
    assert len(full_reads) == 4


def test_a_copy_further_behind_than_the_kept_changes_is_read_afresh(
    engine: Engine, full_reads: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summaries, "CHANGES_KEPT", 2)
    _load(engine, _lines(date(2025, 3, 1), 2, seed=3, batch_id="b1"))
    _assert_as_the_fact_table(engine)
    for n in range(2, 5):
        batch = _lines(date(2025, 3, n), 1, seed=n, batch_id=f"b{n}")
        batch["transaction_id"] = f"B{n}-" + batch["transaction_id"]
        _load(engine, rehash(batch))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(summary_change)).scalar() == 2
    _assert_as_the_fact_table(engine)
    assert len(full_reads) == 4


def test_another_database_at_the_same_path_is_read_afresh(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'scout.db'}"
    _forget()
    try:
        for seed in (3, 2):  # the same number of changes each time: only the stamps differ
            engine = get_engine(url)
            migrate(engine)
            fact_rows.load_dimensions(engine, STORES, PRODUCTS)
            _load(engine, _lines(date(2025, 3, 1), 3, seed=seed, batch_id="b1"))
            _assert_as_the_fact_table(engine)
            dispose_engines()
            for file in tmp_path.glob("scout.db*"):
                file.unlink()
    finally:
        dispose_engines()
        _forget()
