"""Analytics API latency at scale: generated lines in SQLite, summaries built, every endpoint asked
over real HTTP on the local host, and the same questions answered straight from the fact table.

    .venv/bin/python -m bench.api                      # 10,000,000 lines, 500 stores, 2 years
    .venv/bin/python -m bench.api --lines 300000       # a quick check
    .venv/bin/python -m bench.api --data-dir D --routes customers,products   # reuse D, two endpoints

Lines are generated (``tests/analytics/fact_rows.py``) and bulk-inserted with ``executemany``
into ``fact_sales_line`` (secondary indexes dropped during the load and rebuilt after), then
``summaries.rebuild_all`` builds every summary; each step's time is printed. Requests vary the
end date and the filters (none, a region, a store, a category, a brand, region + category), so
no answer repeats; the API caches no answers. ``/api/customers`` and the product pairs of
``/api/products`` read the host's in-memory copies of their summaries (``shared/analytics/
customer_frame.py``, ``pair_frame.py``), which their first request loads: each endpoint's first
(warm-up, untimed) request is printed apart. The baseline runs the same questions
in-process with the planner told to read only the fact table (no HTTP cost on that side).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from contextlib import closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text

from shared.analytics import summaries
from shared.analytics.routes import ENDPOINTS_BY_ROUTE, build
from shared.auth.principal import Principal
from shared.db.engine import dispose_engines, get_engine, migrate
from shared.db.tables import fact_sales_line
from tests.analytics import fact_rows
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, sql_url_for, token_for

ROUTES = ("transactions", "geographic", "products", "behavior", "customers", "stores", "filters")
FILTER_KINDS = ("none", "region", "store", "category", "brand", "region+category")
FILTER_WEIGHTS = (35, 20, 10, 15, 10, 10)
# Filters an endpoint answers from the fact table (no summary keeps that combination), left out of
# the timed mix and listed in the output: they take seconds at 10M lines.
FACT_ONLY_FILTERS = {
    "geographic": {"brand"},
    "stores": {"brand"},
    "behavior": {"brand"},
    "customers": {"category", "brand", "region+category"},
}
FACT_INDEXES = ("ix_fact_store_date", "ix_fact_date", "ix_fact_batch")
LINES_PER_TRANSACTION = 3.0  # the generator draws 1..5 lines per transaction
CHUNK_DAYS = 15


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def generate(engine: Engine, lines: int, stores: int, days: int, end: date, seed: int) -> dict[str, float]:
    start = end - timedelta(days=days - 1)
    store_frame, products = fact_rows.dimensions(stores, 300, seed)
    fact_rows.load_dimensions(engine, store_frame, products)
    per_store_day = lines / ((stores - 1) * days * LINES_PER_TRANSACTION)
    timings = {"generate_s": 0.0, "insert_s": 0.0}
    with engine.begin() as conn:
        for index in FACT_INDEXES:
            conn.execute(text(f"DROP INDEX {index}"))
    for offset in range(0, days, CHUNK_DAYS):
        began = time.perf_counter()
        chunk = fact_rows.lines(
            store_frame,
            products,
            start + timedelta(days=offset),
            min(CHUNK_DAYS, days - offset),
            per_store_day,
            seed + offset,
        )
        timings["generate_s"] += time.perf_counter() - began
        began = time.perf_counter()
        fact_rows.load_lines(engine, chunk)
        timings["insert_s"] += time.perf_counter() - began
    began = time.perf_counter()
    with engine.begin() as conn:
        for fact_index in fact_sales_line.indexes:
            fact_index.create(conn)
    timings["index_s"] = time.perf_counter() - began
    began = time.perf_counter()
    summaries.rebuild_all(engine)
    timings["summaries_s"] = time.perf_counter() - began
    with engine.connect() as conn:
        timings["lines"] = conn.execute(select(func.count()).select_from(fact_sales_line)).scalar() or 0
    return timings


def questions(
    route: str, days: int, count: int, end: date, rng: random.Random, dims: dict[str, list[str]]
) -> list:
    asked = []
    for _ in range(count):
        to = end - timedelta(days=rng.randrange(0, 45))
        params = [("from", (to - timedelta(days=days - 1)).isoformat()), ("to", to.isoformat())]
        kinds = [
            (k, w)
            for k, w in zip(FILTER_KINDS, FILTER_WEIGHTS, strict=True)
            if k not in FACT_ONLY_FILTERS.get(route, set())
        ]
        kind = rng.choices([k for k, _w in kinds], weights=[w for _k, w in kinds])[0]
        if "region" in kind:
            params.append(("region", rng.choice(dims["regions"])))
        if kind == "store":
            params.append(("store", rng.choice(dims["stores"])))
        if "category" in kind:
            params.append(("category", rng.choice(dims["categories"])))
        if kind == "brand":
            params.append(("brand", rng.choice(dims["brands"])))
        if route in ("transactions", "behavior"):
            params.append(
                (
                    "grain",
                    rng.choice(["day", "week", "month"] if route == "transactions" else ["week", "month"]),
                )
            )
        if route == "products":
            params.append(("top", str(rng.randrange(5, 21))))
        asked.append(params)
    return asked


def rss_mb(pid: int) -> tuple[float, float]:
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def forget_missed_timers(data_dir: Path) -> None:
    """A reused data dir remembers when each timer was next due. A run missed while no host was up
    (the nightly summary reconciliation: minutes over 10M lines) would fire as soon as the host
    starts and run beside the measured requests; forgotten, the timers keep to their schedules."""
    store = data_dir / "durable.db"
    if store.exists():
        with closing(sqlite3.connect(store)) as conn, conn:
            if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'timer_runs'").fetchone():
                conn.execute("DELETE FROM timer_runs")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--requests", type=int, default=200, help="per endpoint and range, over HTTP")
    parser.add_argument(
        "--fact-requests", type=int, default=3, help="per endpoint and range, from the fact table"
    )
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="keep the database here (reused if present)"
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--routes", default=",".join(ROUTES), help=f"comma-separated subset of {', '.join(ROUTES)}"
    )
    args = parser.parse_args()
    routes = [r for r in ROUTES if r in args.routes.split(",")]

    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="scout-bench-api-"))
    host = LocalHost(
        data_dir, env={"SCOUT_RATE_LIMIT_PER_MINUTE": "1000000", "SCOUT_RATE_LIMIT_BURST": "1000000"}
    )
    url = sql_url_for(host)
    fresh = not (data_dir / "scout.db").exists()
    engine = get_engine(url)
    migrate(engine)
    end = date(2025, 12, 31)
    if fresh:
        timings = generate(engine, args.lines, args.stores, args.days, end, args.seed)
        print(
            f"loaded {timings['lines']:,} lines: generate {timings['generate_s']:.0f}s, insert "
            f"{timings['insert_s']:.0f}s ({timings['lines'] / timings['insert_s']:,.0f} lines/s), indexes "
            f"{timings['index_s']:.0f}s, summaries {timings['summaries_s']:.0f}s"
        )
    with engine.connect() as conn:
        lines = conn.execute(select(func.count()).select_from(fact_sales_line)).scalar() or 0
        dims = {
            "regions": list(conn.scalars(text("SELECT DISTINCT region FROM dim_store"))),
            "stores": list(conn.scalars(text("SELECT store_id FROM dim_store"))),
            "categories": list(conn.scalars(text("SELECT DISTINCT category FROM dim_product"))),
            "brands": list(conn.scalars(text("SELECT DISTINCT brand FROM dim_product"))),
        }
    dispose_engines()

    rng = random.Random(args.seed)
    ranges = {"90d": 90, "2y": min(args.days, 730)}
    plan = {
        (route, label): questions(route, days, args.requests, end, rng, dims)
        for route in routes
        for label, days in ranges.items()
    }
    forget_missed_timers(data_dir)
    host.start()
    try:
        token = token_for(host, "Dashboard.Read")
        results: dict[tuple[str, str], dict[str, Any]] = {}
        first_ms: dict[tuple[str, str], float] = {}
        with host.client(headers=auth_header(token), timeout=120.0) as client:
            for (route, label), asked in plan.items():
                began = time.perf_counter()
                client.get(f"/api/{route}", params=asked[0])  # connection and first-use warm-up
                first_ms[(route, label)] = (time.perf_counter() - began) * 1000
                latencies = []
                for params in asked:
                    began = time.perf_counter()
                    response = client.get(f"/api/{route}", params=params)
                    latencies.append((time.perf_counter() - began) * 1000)
                    if response.status_code != 200:
                        raise SystemExit(f"{route} {params}: {response.status_code} {response.text[:300]}")
                results[(route, label)] = {"api": latencies}
        rss, peak = rss_mb(host.process.pid) if host.process else (0.0, 0.0)
    finally:
        host.stop()

    engine = get_engine(url)
    reader = Principal(subject="bench", tenant_id="bench", roles=frozenset({"Dashboard.Read"}))
    for (route, label), asked in plan.items():
        fact_ms = []
        for params in asked[: args.fact_requests]:
            began = time.perf_counter()
            build(ENDPOINTS_BY_ROUTE[route], params, reader, engine, from_fact=True)
            fact_ms.append((time.perf_counter() - began) * 1000)
        results[(route, label)]["fact"] = fact_ms

    touched_day = [(store, end) for store in dims["stores"]]
    began = time.perf_counter()
    summaries.refresh(engine, touched_day)
    refresh_day_ms = (time.perf_counter() - began) * 1000
    began = time.perf_counter()
    summaries.refresh(engine, touched_day[:1])
    refresh_store_ms = (time.perf_counter() - began) * 1000

    print(
        f"\n{lines:,} lines, {args.stores} stores, {args.days} days; {args.requests} HTTP requests and "
        f"{args.fact_requests} fact-table answers per row\n"
    )
    print(
        f"{'endpoint':<14}{'range':<7}{'p50 ms':>9}{'p95 ms':>9}{'fact p50':>11}{'fact p95':>11}{'ratio':>8}"
    )
    for (route, label), r in results.items():
        p50, p95 = statistics.median(r["api"]), percentile(r["api"], 0.95)
        f50, f95 = statistics.median(r["fact"]), percentile(r["fact"], 0.95)
        r.update(p95=p95, f95=f95)
        print(f"{route:<14}{label:<7}{p50:>9.1f}{p95:>9.1f}{f50:>11.1f}{f95:>11.1f}{f95 / p95:>8.1f}")
    p95_max = max(r["p95"] for r in results.values())
    fact_max = max(r["f95"] for r in results.values())
    print(
        "\nfirst (warm-up) request ms: "
        + ", ".join(f"{r} {label} {ms:.0f}" for (r, label), ms in first_ms.items())
    )
    print(
        "left out of the timed mix (answered from the fact table): "
        + "; ".join(f"{r}: {', '.join(sorted(k))}" for r, k in FACT_ONLY_FILTERS.items())
    )
    print(
        f"summary refresh: one day of every store {refresh_day_ms:.0f} ms, "
        f"one store-day {refresh_store_ms:.0f} ms"
    )
    print(f"host RSS {rss:.0f} MB (peak {peak:.0f} MB)")
    print(
        f"api: p95_ms_max={p95_max:.1f} fact_p95_ms_max={fact_max:.1f} ratio={fact_max / p95_max:.1f} "
        f"rss_mb={rss:.0f} lines={lines}"
    )


if __name__ == "__main__":
    main()
