"""``--load-sample``: a seeded sample (50 stores x 90 days up to yesterday) through the REAL ingest API.

Dimensions go in with :func:`shared.dimensions.load`; the lines are POSTed in ~2,000-line batches
to ``/api/ingest/transactions`` with a development token per vendor and an idempotency key per
batch, then the loader waits until every batch is final and prints a summary. A database that
already holds a sample is left alone (and a resend could not double-load it anyway).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
from sqlalchemy import Engine, select
from tqdm import tqdm

from shared.auth.dev_issuer import mint_token
from shared.batches import FINAL
from shared.db.engine import ensure_schema
from shared.db.tables import ingest_batch
from shared.dimensions import load as load_dimensions
from shared.sample_data import SampleDimensions, generate_dimensions, generate_lines, iter_batches

SEED = 42
STORES = 50
DAYS = 90
LINES_PER_STORE_DAY = 40
LINES_PER_BATCH = 2_000
CLIENTS = 4
FINAL_WAIT_SECONDS = 1_800


def _key_prefix(seed: int) -> str:
    return f"sample-{seed}-"


def _already_loaded(seed: int, run_prefix: str, batches: int) -> bool:
    """True if a sample from an earlier day is there, or this run's batches all are."""
    with ensure_schema().connect() as conn:
        keys = conn.execute(
            select(ingest_batch.c.idempotency_key).where(
                ingest_batch.c.idempotency_key.like(f"{_key_prefix(seed)}%")
            )
        ).scalars()
        mine = 0
        for key in keys:
            if not key.startswith(run_prefix):
                return True
            mine += 1
    return mine >= batches


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return json.loads(frame.to_json(orient="records", date_format="iso"))


def load_sample_dimensions(engine: Engine, dims: SampleDimensions) -> None:
    """The sample's vendors, stores, products and category map through the dimension loader."""
    load_dimensions(
        engine,
        {
            "vendors": _records(dims.vendors),
            "stores": _records(dims.stores),
            "products": _records(dims.products.drop(columns=["list_price"])),  # a price is not master data
            "category_map": _records(dims.category_map),
        },
        datetime.now(UTC),
    )


def _batches(lines: pd.DataFrame, vendor_of: dict[str, str]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    vendors = lines["store_id"].map(vendor_of)
    for vendor in sorted(vendors.unique()):
        for batch in iter_batches(lines[vendors == vendor], LINES_PER_BATCH):
            yield vendor, batch


def load_sample(
    base_url: str,
    function_key: str,
    data_dir: Path,
    *,
    seed: int = SEED,
    stores: int = STORES,
    days: int = DAYS,
    lines_per_store_day: int = LINES_PER_STORE_DAY,
) -> dict[str, Any]:
    """Load the sample through the ingest API of the host at ``base_url``; returns the summary."""
    started = time.monotonic()
    start = datetime.now(UTC).date() - timedelta(days=days)
    dims = generate_dimensions(seed, stores)
    lines = generate_lines(seed, dims.stores, dims.products, start, days, lines_per_store_day)
    vendor_of = dict(zip(dims.stores["store_id"], dims.stores["vendor_id"], strict=True))
    work = list(_batches(lines, vendor_of))
    run_prefix = f"{_key_prefix(seed)}{start:%Y%m%d}-"
    if _already_loaded(seed, run_prefix, len(work)):
        print("sample: already loaded, skipping")
        return {"skipped": True}

    load_sample_dimensions(ensure_schema(), dims)
    tokens = {
        v: mint_token(
            "Ingest.Write", vendor=v, subject=f"scout-sample-{v}", lifetime=4 * 3600, data_dir=data_dir
        )
        for v in vendor_of.values()
    }
    batch_ids = _post_all(base_url, function_key, tokens, work, run_prefix)
    statuses = _wait_final(batch_ids)
    summary = _summary(statuses, len(lines), time.monotonic() - started, start) | {"stores": stores}
    print(
        f"sample: {summary['lines']:,} lines in {summary['batches']} batches "
        f"({summary['stores']} stores x {days} days from {start}): "
        + ", ".join(f"{k}={v:,}" for k, v in summary["counts"].items())
        + f"; statuses {summary['statuses']}; {summary['seconds']:.0f}s"
    )
    return summary


def _post_all(
    base_url: str,
    function_key: str,
    tokens: dict[str, str],
    work: list[tuple[str, list[dict[str, Any]]]],
    run_prefix: str,
) -> list[str]:
    bar = tqdm(total=sum(len(b) for _, b in work), unit="line", desc="sample: posting", unit_scale=True)
    with httpx.Client(base_url=base_url, timeout=120) as client, ThreadPoolExecutor(CLIENTS) as pool:

        def post(item: tuple[int, tuple[str, list[dict[str, Any]]]]) -> str:
            i, (vendor, batch) = item
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": f"{run_prefix}{i}",
                "Authorization": f"Bearer {tokens[vendor]}",
                "x-functions-key": function_key,
            }
            body = json.dumps(batch).encode()
            for attempt in range(20):
                resp = client.post("/api/ingest/transactions", content=body, headers=headers)
                if resp.status_code == 202:
                    bar.update(len(batch))
                    return str(resp.json()["batch_id"])
                if resp.status_code not in (409, 429, 503):
                    raise RuntimeError(f"sample batch {i}: {resp.status_code} {resp.text[:300]}")
                time.sleep(float(resp.headers.get("Retry-After", 1 + attempt)))
            raise RuntimeError(f"sample batch {i}: still refused after 20 attempts")

        try:
            return list(pool.map(post, enumerate(work)))
        finally:
            bar.close()


def _wait_final(batch_ids: list[str]) -> list[dict[str, Any]]:
    engine = ensure_schema()
    query = select(ingest_batch).where(ingest_batch.c.batch_id.in_(batch_ids))
    bar = tqdm(total=len(batch_ids), unit="batch", desc="sample: processing")
    deadline = time.monotonic() + FINAL_WAIT_SECONDS
    try:
        while True:
            with engine.connect() as conn:
                rows = [dict(r) for r in conn.execute(query).mappings()]
            done = sum(r["status"] in FINAL for r in rows)
            bar.update(done - bar.n)
            if done == len(batch_ids) or time.monotonic() > deadline:
                return rows
            time.sleep(1)
    finally:
        bar.close()


def _summary(rows: list[dict[str, Any]], lines: int, seconds: float, start: date) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
    counts = {
        name: sum(r[f"{name}_count"] or 0 for r in rows)
        for name in ("received", "loaded", "updated", "duplicate", "rejected")
    }
    return {
        "skipped": False,
        "lines": lines,
        "batches": len(rows),
        "statuses": statuses,
        "counts": counts,
        "seconds": seconds,
        "start": str(start),
    }
