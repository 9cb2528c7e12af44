"""Ingest accept throughput and latency through the real local host.

1,000-line JSON batches (generated POS lines, an idempotency key each) are POSTed to
``/api/ingest/transactions``: first by one client in sequence (the baseline), then by 8
concurrent clients. The time measured is the accept path — envelope checks, parse, batch row,
raw blob, orchestration start — while the ETL of earlier batches runs in the same host, as it
would in production. Ends with one line:

    ingest: accepted_lines_per_s=... p50_ms=... p95_ms=... single_client_lines_per_s=...
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from local_host.sample import load_sample_dimensions  # noqa: E402
from shared.db.engine import ensure_schema  # noqa: E402
from shared.db.tables import ingest_batch  # noqa: E402
from shared.sample_data import generate_dimensions, generate_lines, iter_batches  # noqa: E402
from tests.support.host import LocalHost  # noqa: E402
from tests.support.tokens import sql_url_for, token_for  # noqa: E402

SEED = 7


def _bodies(host: LocalHost, lines_per_batch: int, batches: int) -> list[tuple[str, bytes]]:
    """(vendor token, JSON body) per batch; dimensions loaded into the host's database first."""
    dims = generate_dimensions(SEED, n_stores=20)
    load_sample_dimensions(ensure_schema(sql_url_for(host)), dims)
    per_store_day = 260
    days = -(-batches * lines_per_batch // (len(dims.stores) * per_store_day)) + 1
    start = datetime.now(UTC).date() - timedelta(days=days + 1)
    lines = generate_lines(SEED, dims.stores, dims.products, start, days, per_store_day)
    vendor_of = dict(zip(dims.stores["store_id"], dims.stores["vendor_id"], strict=True))
    tokens = {v: token_for(host, "Ingest.Write", vendor=v, lifetime=7200) for v in set(vendor_of.values())}
    vendors = lines["store_id"].map(vendor_of)
    out: list[tuple[str, bytes]] = []
    for vendor in sorted(tokens):
        for batch in iter_batches(lines[vendors == vendor], lines_per_batch):
            out.append((tokens[vendor], json.dumps(batch).encode()))
    if len(out) >= batches:
        return out[:batches]
    raise RuntimeError(f"generated only {len(out)} batches of {batches}")


def _post(client: httpx.Client, key: str, token: str, body: bytes, function_key: str) -> float:
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": key,
        "Authorization": f"Bearer {token}",
        "x-functions-key": function_key,
    }
    started = time.perf_counter()
    resp = client.post("/api/ingest/transactions", content=body, headers=headers)
    elapsed = time.perf_counter() - started
    if resp.status_code != 202:
        raise RuntimeError(f"{resp.status_code} {resp.text[:300]}")
    return elapsed


def _run(host: LocalHost, work: list[tuple[str, bytes]], clients: int, tag: str) -> tuple[float, list[float]]:
    """Post ``work`` from ``clients`` threads; (wall seconds, per-request latencies)."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def worker(share: list[tuple[int, tuple[str, bytes]]]) -> None:
        with httpx.Client(base_url=host.base_url, timeout=120) as client:
            barrier.wait()
            try:
                for i, (token, body) in share:
                    took = _post(client, f"bench-{tag}-{i}", token, body, host.function_key)
                    with lock:
                        latencies.append(took)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                errors.append(exc)

    numbered = list(enumerate(work))
    threads = [threading.Thread(target=worker, args=(numbered[c::clients],)) for c in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    return wall, latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


ACCEPT_STAGES = ("check_ms", "admit_ms", "raw_blob_ms", "start_ms", "acknowledge_ms")


def _accept_stages(log_path: Path, offset: int) -> dict[str, list[float]]:
    """Seconds per accept stage, from the host log lines written after ``offset``."""
    stages: dict[str, list[float]] = {name: [] for name in ACCEPT_STAGES}
    with log_path.open("rb") as log:
        log.seek(offset)
        for line in log:
            entry = json.loads(line) if line.startswith(b"{") else {}
            if entry.get("msg") == "batch accepted":
                for name in ACCEPT_STAGES:
                    stages[name].append(entry[name] / 1000)
    return stages


def _wait_etl(host: LocalHost, timeout: float) -> float:
    from sqlalchemy import func, select

    engine = ensure_schema(sql_url_for(host))
    started = time.perf_counter()
    pending_query = (
        select(func.count())
        .select_from(ingest_batch)
        .where(ingest_batch.c.status.not_in(("succeeded", "partially_succeeded", "failed")))
    )
    while time.perf_counter() - started < timeout:
        with engine.connect() as conn:
            if conn.execute(pending_query).scalar_one() == 0:
                break
        time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=1_000, help="lines per batch")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batches-per-client", type=int, default=25)
    parser.add_argument("--baseline-batches", type=int, default=12)
    args = parser.parse_args()
    concurrent_batches = args.clients * args.batches_per_client
    with tempfile.TemporaryDirectory(prefix="scout-bench-ingest-") as tmp:
        host = LocalHost(Path(tmp) / "data")
        host.start()
        try:
            work = _bodies(host, args.lines, 2 + args.baseline_batches + concurrent_batches)
            _run(host, work[:2], 1, "warm")
            single_wall, single = _run(host, work[2 : 2 + args.baseline_batches], 1, "single")
            log_mark = host.log_path.stat().st_size
            multi_wall, multi = _run(host, work[2 + args.baseline_batches :], args.clients, "multi")
            stages = _accept_stages(host.log_path, log_mark)
            drain = _wait_etl(host, timeout=600)
        finally:
            host.stop(timeout=30)

    rows = [
        ("1 client (baseline)", 1, single, single_wall),
        (f"{args.clients} clients", args.clients, multi, multi_wall),
    ]
    header = ("batches", "lines", "wall s", "lines/s", "p50 ms", "p95 ms", "max ms")
    print(f"{'mode':<22}" + "".join(f"{h:>9}" for h in header))
    for name, _clients, lat, wall in rows:
        lines = len(lat) * args.lines
        print(
            f"{name:<22}{len(lat):>9}{lines:>9}{wall:>9.2f}{lines / wall:>9.0f}"
            f"{_pct(lat, 0.5):>9.1f}{_pct(lat, 0.95):>9.1f}{max(lat) * 1000:>9.1f}"
        )
    print(f"(ETL of every accepted batch finished {drain:.1f}s after the last accept)")
    print(f"server-side accept stages, {args.clients} clients (ms; the host's 'batch accepted' log lines):")
    for name, took in stages.items():
        print(f"  {name:<20}{_pct(took, 0.5):>9.1f} p50{_pct(took, 0.95):>9.1f} p95")
    print(
        f"ingest: accepted_lines_per_s={len(multi) * args.lines / multi_wall:.0f} "
        f"p50_ms={_pct(multi, 0.5):.1f} p95_ms={_pct(multi, 0.95):.1f} "
        f"single_client_lines_per_s={len(single) * args.lines / single_wall:.0f}"
    )


if __name__ == "__main__":
    main()
