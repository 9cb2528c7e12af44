"""Load stage into SQLite: ``load_lines`` against SQLAlchemy Core inserting dicts, same data, same run.

Usage: ``python bench/load.py [--lines 1000000] [--repeat 1]``. Each run loads into a fresh
migrated database; the baseline is ``conn.execute(insert(fact_sales_line), list_of_dicts)``
in one transaction (what the load would be without going to the driver). A second reference,
the bare insert as one-row statements through sqlite3, shows what 100-row statements save.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select  # noqa: E402

from shared.db.engine import dispose_engines, get_engine, migrate  # noqa: E402
from shared.db.tables import FACT_COLUMN_NAMES, fact_sales_line  # noqa: E402
from shared.etl.load import load_lines, storage_table  # noqa: E402

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def generate(lines: int, seed: int = 7) -> pd.DataFrame:
    """Enriched lines as the enrich stage hands them over: 3 lines per transaction, 200 stores."""
    rng = np.random.default_rng(seed)
    tx = np.arange(lines) // 3
    ts = pd.Timestamp("2026-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 90 * 86_400, lines), unit="s")
    local = ts.tz_convert("Asia/Manila")
    quantity = rng.integers(1, 6, lines).astype(float)
    price = rng.integers(20, 2_000, lines) / 4
    cost = price * 0.65
    stores = np.array([f"S{i:04d}" for i in range(200)])
    skus = np.array([f"SKU{i:05d}" for i in range(2_000)])
    categories = np.array(["Snacks", "Beverages", "Personal Care", "Household"])
    payments = np.array(["cash", "card", "gcash", "maya"])
    customers = np.array([f"c{i:05d}" for i in range(50_000)], dtype=object)[rng.integers(0, 50_000, lines)]
    frame = pd.DataFrame(
        {
            "transaction_id": pd.Series(tx).map("T{:09d}".format),
            "line_number": np.arange(lines) % 3 + 1,
            "store_id": stores[tx % 200],
            "vendor_id": "vendor-a",
            "ts_utc": ts,
            "local_date": local.date,
            "local_hour": local.hour.astype("int16"),
            "weekday": local.day_of_week.astype("int16"),
            "sku": skus[rng.integers(0, 2_000, lines)],
            "product_name": "Item",
            "brand": "Brand",
            "category": categories[rng.integers(0, 4, lines)],
            "quantity": quantity,
            "unit_price": price,
            "discount": 0.0,
            "gross_amount": quantity * price,
            "net_amount": quantity * price,
            "unit_cost": cost,
            "margin": quantity * (price - cost),
            "payment_method": payments[rng.integers(0, 4, lines)],
            "customer_key": np.where(rng.random(lines) < 0.4, customers, None),
            "age_band": None,
            "gender": None,
            "loyalty_tier": None,
            "currency": "PHP",
            "basket_size": 6.0,
            "basket_lines": 3,
            "is_outlier": False,
            "content_hash": pd.Series(np.arange(lines)).map("{:032x}".format),
            "batch_id": "bench",
            "loaded_at": NOW,
        }
    )
    return frame[list(FACT_COLUMN_NAMES)]


def fresh_engine(folder: Path, name: str):  # noqa: ANN201
    url = f"sqlite:///{folder / name}.db"
    engine = get_engine(url)
    migrate(engine)
    return engine


class Timing(NamedTuple):
    wall: float
    cpu: float  # this process's CPU seconds: less sensitive to other work on a shared machine


def timed(action: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu)


def run_load(frame: pd.DataFrame, folder: Path, name: str) -> tuple[Timing, Timing]:
    """The first load and its rerun (an activity retry: every line a duplicate)."""
    engine = fresh_engine(folder, name)
    results = []
    first = timed(lambda: results.append(load_lines(engine, frame, "bench", NOW)))
    rerun = timed(lambda: results.append(load_lines(engine, frame, "bench", NOW)))
    assert results[0].inserted == len(frame) and results[1].duplicates == len(frame), results
    return first, rerun


def run_row_at_a_time(frame: pd.DataFrame, folder: Path, name: str) -> Timing:
    """The insert alone as the load did it before 100-row statements: sqlite3 ``executemany`` of a
    one-row INSERT over the same storage columns, in one transaction (no lookup, no touched pairs)."""
    engine = fresh_engine(folder, name)
    marks = ", ".join("?" * len(FACT_COLUMN_NAMES))
    sql = f"INSERT INTO fact_sales_line ({', '.join(FACT_COLUMN_NAMES)}) VALUES ({marks})"  # nosec B608 - schema names

    def insert_all() -> None:
        raw = engine.raw_connection()
        try:
            cursor = raw.driver_connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            for chunk in storage_table(frame).to_batches(max_chunksize=50_000):
                cursor.executemany(sql, zip(*(c.to_pylist() for c in chunk.columns), strict=True))
            raw.commit()
        finally:
            raw.close()

    timing = timed(insert_all)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(fact_sales_line)).scalar_one() == len(frame)
    return timing


def core_rows(frame: pd.DataFrame) -> list[dict]:
    """The frame as the dicts of Python values a Core insert takes (naive-UTC datetimes, dates)."""
    records = frame.astype(object).where(frame.notna(), None)
    for name in ("ts_utc", "loaded_at"):
        records[name] = list(frame[name].dt.tz_localize(None).dt.to_pydatetime())
    return records.to_dict("records")


def run_core(rows: list[dict], folder: Path, name: str) -> Timing:
    """Only the insert is timed (building the dicts is not charged to the baseline)."""
    engine = fresh_engine(folder, name)

    def insert_all() -> None:
        with engine.begin() as conn:
            conn.execute(insert(fact_sales_line), rows)

    timing = timed(insert_all)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(fact_sales_line)).scalar_one() == len(rows)
    return timing


def median(timings: list[Timing]) -> Timing:
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    frame = generate(args.lines)
    convert = timed(lambda: storage_table(frame))
    rows: list[dict] = []
    dicts = timed(lambda: rows.extend(core_rows(frame)))
    loads, reruns, singles, cores = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="scout-bench-load-") as tmp:
        for i in range(args.repeat):
            first, rerun = run_load(frame, Path(tmp), f"load{i}")
            loads.append(first)
            reruns.append(rerun)
            singles.append(run_row_at_a_time(frame, Path(tmp), f"single{i}"))
            cores.append(run_core(rows, Path(tmp), f"core{i}"))
        dispose_engines()
    load, rerun, single, core = median(loads), median(reruns), median(singles), median(cores)
    n = args.lines
    print(f"{'approach':<40}{'wall s':>8}{'cpu s':>8}{'lines/s':>12}{'lines/cpu-s':>13}")
    for label, t in [
        ("load_lines (100-row INSERTs)", load),
        ("  of which frame -> storage columns", convert),
        ("load_lines rerun (all duplicates)", rerun),
        ("executemany of one-row INSERTs only", single),
        ("SQLAlchemy Core insert of dicts", core),
        ("  building the dicts (not timed above)", dicts),
    ]:
        rates = f"{n / t.wall:>12,.0f}{n / t.cpu:>13,.0f}" if not label.startswith("  ") else ""
        print(f"{label:<40}{t.wall:>8.2f}{t.cpu:>8.2f}{rates}")
    print(f"{n:,} lines, {args.repeat} run(s) each, median; fresh SQLite database per run")
    print(
        f"load: lines_per_s={n / load.wall:.0f} cpu_lines_per_s={n / load.cpu:.0f} "
        f"row_insert_cpu_lines_per_s={n / single.cpu:.0f} core_insert_lines_per_s={n / core.wall:.0f} "
        f"ratio={core.wall / load.wall:.2f}"
    )


if __name__ == "__main__":
    main()
