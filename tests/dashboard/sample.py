"""A small sample (six stores x 30 days, ~7k lines) loaded into a running ``LocalHost`` the way a
chain would: dimensions through the dimension loader (what ``python -m shared.dimensions load``
runs), sales lines through the real ingest endpoint, then waiting until every batch is final."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from local_host.sample import load_sample_dimensions
from shared.batches import FINAL, SUCCEEDED
from shared.db.engine import ensure_schema
from shared.sample_data import generate_dimensions, generate_lines, iter_batches
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, sql_url_for, token_for

SEED = 11
STORES = 6
PRODUCTS = 60
START = date(2026, 9, 1)
DAYS = 30
LINES_PER_STORE_DAY = 40
LINES_PER_BATCH = 2_000
FINAL_WAIT_SECONDS = 120.0


def load_small_sample(host: LocalHost) -> None:
    dims = generate_dimensions(SEED, n_stores=STORES, n_products=PRODUCTS)
    engine = ensure_schema(sql_url_for(host))
    load_sample_dimensions(engine, dims)
    engine.dispose()
    lines = generate_lines(SEED, dims.stores, dims.products, START, DAYS, LINES_PER_STORE_DAY)
    vendor_of = lines["store_id"].map(
        dict(zip(dims.stores["store_id"], dims.stores["vendor_id"], strict=True))
    )
    batches: list[tuple[str, dict[str, str]]] = []
    with host.client() as client:
        for vendor, part in lines.groupby(vendor_of, sort=True):
            headers = {
                **auth_header(token_for(host, "Ingest.Write", vendor=str(vendor))),
                "x-functions-key": host.function_key,
            }
            for n, batch in enumerate(iter_batches(part, LINES_PER_BATCH)):
                answer = client.post(
                    "/api/ingest/transactions",
                    json=batch,
                    headers={**headers, "Idempotency-Key": f"dashboard-sample-{vendor}-{n}"},
                )
                assert answer.status_code == 202, answer.text
                batches.append((answer.json()["status_url"], headers))
        _wait_until_final(client, batches)


def _wait_until_final(client: Any, batches: list[tuple[str, dict[str, str]]]) -> None:
    deadline = time.monotonic() + FINAL_WAIT_SECONDS
    pending = list(batches)
    while pending:
        url, headers = pending[0]
        status = client.get(url, headers=headers).json()
        if status["status"] in FINAL:
            assert status["status"] == SUCCEEDED, status
            pending.pop(0)
            continue
        assert time.monotonic() < deadline, f"batch still {status['status']} after {FINAL_WAIT_SECONDS}s"
        time.sleep(0.2)
