"""ETL throughput: generated POS lines as CSV bytes through every stage into SQLite, in one process,
against the naive way (a pydantic ``TransactionLine`` per row, then ``DataFrame.to_sql``) on the
same bytes in the same run.

    python bench/etl.py [--lines 1000000] [--naive-lines N] [--seed 7]

Stages: parse (pyarrow CSV) -> validate -> clean -> enrich -> load (``shared.etl.load.load_lines``:
upsert into a fresh ``fact_sales_line``) -> summarise (``summaries.add_new_lines``, which the load
runs in its own transaction: the new lines added to every summary table; timed apart) ->
aggregate (``summaries.refresh`` of the store-days the load left pending: none here, every
transaction is new). Wall-clock seconds and CPU seconds are both
shown: the machine is shared, so CPU time says more about the code and wall time about what a
user waits for. The naive baseline stops at the table write (no enrichment, no summaries), so
the ratio flatters it.
Arrow's memory pool is the system allocator unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

# As the app runs: Arrow's own allocator (jemalloc/mimalloc) cost the transform stages ~25%
# more CPU here than the system one. Read when pyarrow is first imported, so set before that.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.analytics import summaries  # noqa: E402
from shared.db.engine import dispose_engines, ensure_schema, get_engine  # noqa: E402
from shared.dimensions import load as load_dims  # noqa: E402
from shared.etl.clean import clean  # noqa: E402
from shared.etl.context import ValidationContext  # noqa: E402
from shared.etl.enrich import enrich  # noqa: E402
from shared.etl.extract import parse  # noqa: E402
from shared.etl.load import load_lines  # noqa: E402
from shared.etl.pipeline import load_dimensions  # noqa: E402
from shared.etl.validate import validate  # noqa: E402
from shared.sample_data import generate_dimensions, generate_lines, to_csv_bytes  # noqa: E402
from shared.schema import TransactionLine  # noqa: E402

NOW = datetime(2026, 12, 31, tzinfo=UTC)
KEY = b"bench-pseudonym-key"
TRANSFORM_STAGES = ("parse", "validate", "clean", "enrich")
# Like for like with the naive baseline, which stops once the lines are in a table.
TO_TABLE_STAGES = (*TRANSFORM_STAGES, "load")
SUBTOTALS = (
    ("transform", TRANSFORM_STAGES, "parse .. enrich"),
    ("to table", TO_TABLE_STAGES, "parse .. load without summaries, what the naive way does"),
)


def sample_csv(n_lines: int, seed: int) -> tuple[Any, bytes, int]:
    dims = generate_dimensions(seed, 50)
    days = max(1, n_lines // (50 * 300) + 2)
    lines = generate_lines(seed, dims.stores, dims.products, date(2026, 1, 1), days, 300)
    lines = lines.iloc[:n_lines]
    return dims, to_csv_bytes(lines), len(lines)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


@contextmanager
def summaries_timed() -> Iterator[list[float]]:
    """Wall and CPU seconds spent in ``summaries.add_new_lines`` while the block runs."""
    spent = [0.0, 0.0]
    add = summaries.add_new_lines

    def measured(*args: Any, **kwargs: Any) -> None:
        _, wall, cpu = timed(lambda: add(*args, **kwargs))
        spent[0] += wall
        spent[1] += cpu

    summaries.add_new_lines = measured
    try:
        yield spent
    finally:
        summaries.add_new_lines = add


def scout_etl(raw: bytes, dims: Any, url: str) -> list[tuple[str, float, float]]:
    engine = ensure_schema(url)
    load_dims(
        engine,
        {
            "vendors": dims.vendors.to_dict("records"),
            "stores": dims.stores.to_dict("records"),
            "products": dims.products.drop(columns=["list_price"]).to_dict("records"),
            "category_map": dims.category_map.to_dict("records"),
        },
        NOW,
    )
    ctx = ValidationContext(now=NOW, dims=load_dimensions(engine))
    stages: list[tuple[str, float, float]] = []

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        result, wall, cpu = timed(fn)
        stages.append((name, wall, cpu))
        return result

    parsed = stage("parse", lambda: parse(raw, "csv"))
    valid, rejects = stage("validate", lambda: validate(parsed.frame, ctx))
    cleaned, conflicts, _dupes = stage("clean", lambda: clean(valid))
    d = ctx.dims
    fact = stage("enrich", lambda: enrich(cleaned, d.stores, d.products, d.category_map, KEY, "bench-1", NOW))
    with summaries_timed() as summarised:
        loaded = stage("load", lambda: load_lines(engine, fact, "bench-1", NOW))
    # the summary additions ran inside the load's transaction: shown as their own stage
    name, wall, cpu = stages.pop()
    stages += [(name, wall - summarised[0], cpu - summarised[1]), ("summarise", *summarised)]
    stage("aggregate", lambda: summaries.refresh(engine, loaded.touched))
    if len(rejects) or len(conflicts) or loaded.inserted != len(fact):
        raise SystemExit(f"unexpected: {len(rejects)} rejects, {len(conflicts)} conflicts, {loaded}")
    return stages


def naive_etl(raw: bytes, url: str) -> None:
    rows = csv.DictReader(io.StringIO(raw.decode()))
    models = [TransactionLine.model_validate({k: v for k, v in row.items() if v != ""}) for row in rows]
    frame = pd.DataFrame([m.model_dump() for m in models])
    frame.to_sql("naive_lines", get_engine(url), index=False, chunksize=10_000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--naive-lines", type=int, default=None, help="default: the same as --lines")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    dims, raw, n = sample_csv(args.lines, args.seed)
    naive_n = min(args.naive_lines or n, n)
    naive_raw = raw if naive_n == n else b"".join(raw.splitlines(keepends=True)[: naive_n + 1])
    with tempfile.TemporaryDirectory(prefix="bench-etl-") as tmp:
        stages = scout_etl(raw, dims, f"sqlite:///{Path(tmp) / 'scout.db'}")
        _, naive_wall, naive_cpu = timed(lambda: naive_etl(naive_raw, f"sqlite:///{Path(tmp) / 'naive.db'}"))
        dispose_engines()

    total_wall = sum(s[1] for s in stages)
    total_cpu = sum(s[2] for s in stages)
    pool = pa.default_memory_pool().backend_name
    print(f"{n:,} lines, {len(raw) / 1e6:.1f} MB CSV, SQLite, Arrow memory pool {pool}\n")
    print(f"{'stage':<12}{'wall s':>9}{'cpu s':>9}{'lines/s (wall)':>17}{'lines/s (cpu)':>16}")
    for name, wall, cpu in stages:
        print(f"{name:<12}{wall:>9.3f}{cpu:>9.3f}{n / wall:>17,.0f}{n / cpu:>16,.0f}")
    for label, names, note in SUBTOTALS:
        wall = sum(s[1] for s in stages if s[0] in names)
        cpu = sum(s[2] for s in stages if s[0] in names)
        print(f"{label:<12}{wall:>9.3f}{cpu:>9.3f}{n / wall:>17,.0f}{n / cpu:>16,.0f}   ({note})")
    print(
        f"{'end to end':<12}{total_wall:>9.3f}{total_cpu:>9.3f}"
        f"{n / total_wall:>17,.0f}{n / total_cpu:>16,.0f}"
    )
    print(
        f"{'naive':<12}{naive_wall:>9.3f}{naive_cpu:>9.3f}{naive_n / naive_wall:>17,.0f}"
        f"{naive_n / naive_cpu:>16,.0f}   ({naive_n:,} lines: pydantic per row + to_sql)"
    )
    rate, naive_rate = n / total_wall, naive_n / naive_wall
    to_table_rate = n / sum(s[1] for s in stages if s[0] in TO_TABLE_STAGES)
    print(
        f"etl: lines_per_s={rate:.0f} naive_lines_per_s={naive_rate:.0f} ratio={rate / naive_rate:.1f} "
        f"to_table_ratio={to_table_rate / naive_rate:.1f} cpu_lines_per_s={n / total_cpu:.0f} "
        f"naive_cpu_lines_per_s={naive_n / naive_cpu:.0f} lines={n} arrow_pool={pool}"
    )


if __name__ == "__main__":
    main()
