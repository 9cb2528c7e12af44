"""Fault test: the host is ``kill -9``ed at seeded random moments while 50 batches are ingested.

A client posts the batches with idempotency keys and resends every request it did not get a
``202`` for (connection refused, reset, timeout, ``409``, ``5xx``) once the host is back. At
the end every batch is final, each distinct input line is in the fact table exactly once, the
per-batch counts attribute each line to exactly one batch as loaded, and the summaries equal a
recomputation from the fact table. Real host, real durable replay, SQLite.
"""

from __future__ import annotations

import json
import random
import threading
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shared.analytics import summaries
from shared.db.engine import ensure_schema
from shared.db.tables import fact_sales_line, ingest_batch
from tests.ingest.conftest import FINAL, line, seed_dimensions
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, token_for

SEED = 20260301
BATCHES = 50
LINES_PER_BATCH = 60
MIN_KILLS = 10
DEADLINE_S = 150


def _batches(rng: random.Random) -> list[list[dict[str, Any]]]:
    """50 batches; a tenth of each batch's lines repeat lines of earlier batches, one repeats inside;
    half the transactions carry a loyalty customer id."""
    stores, skus = ["S-101", "S-102", "S-103"], ["SKU-1", "SKU-2", "SKU-3"]
    out: list[list[dict[str, Any]]] = []
    every: list[dict[str, Any]] = []
    for b in range(BATCHES):
        lines: list[dict[str, Any]] = []
        for t in range(LINES_PER_BATCH // 3):
            txn = f"F{SEED}-{b:02d}-{t:03d}"
            store = rng.choice(stores)
            member = {"customer_id": f"C{rng.randint(1, 40)}"} if t % 2 else {}
            for n in (1, 2, 3):
                lines.append(
                    line(
                        txn,
                        n,
                        store_id=store,
                        sku=rng.choice(skus),
                        quantity=rng.randint(1, 5),
                        unit_price=12.5,
                        **member,
                    )
                )
        if every:
            lines[: LINES_PER_BATCH // 10] = rng.sample(every, LINES_PER_BATCH // 10)
        lines.append(dict(lines[-1]))
        every.extend(lines)
        out.append(lines)
    return out


class Client(threading.Thread):
    """Posts each batch until it is acknowledged; survives the host dying under it."""

    def __init__(self, host: LocalHost, token: str, bodies: list[list[dict[str, Any]]]) -> None:
        super().__init__(daemon=True)
        self.host, self.token, self.bodies = host, token, bodies
        self.acked: dict[int, str] = {}
        self.resends = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for i, body in enumerate(self.bodies):
                self.acked[i] = self._post_until_acked(i, json.dumps(body).encode())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def _post_until_acked(self, i: int, payload: bytes) -> str:
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            try:
                headers = {
                    "Content-Type": "application/json",
                    "Idempotency-Key": f"fault-{SEED}-{i}",
                    "x-functions-key": self.host.function_key,
                    **auth_header(self.token),
                }
                resp = httpx.post(
                    f"{self.host.base_url}/api/ingest/transactions",
                    content=payload,
                    headers=headers,
                    timeout=10,
                )
                if resp.status_code == 202:
                    return str(resp.json()["batch_id"])
                if resp.status_code not in (409,) and resp.status_code < 500:
                    raise AssertionError(f"batch {i}: unexpected {resp.status_code} {resp.text}")
                wait = float(resp.headers.get("retry-after", "0.2"))
            except (httpx.TransportError, FileNotFoundError, json.JSONDecodeError, KeyError):
                wait = 0.2  # host down, restarting, or its key file mid-write
            self.resends += 1
            time.sleep(wait)
        raise AssertionError(f"batch {i} never acknowledged")


@pytest.mark.slow
def test_no_line_lost_or_duplicated_across_kills(tmp_path) -> None:
    rng = random.Random(SEED)
    bodies = _batches(rng)
    host = LocalHost(tmp_path / "data")
    host.start()
    try:
        sql_url = f"sqlite:///{(host.data_dir / 'scout.db').resolve()}"
        engine = ensure_schema(sql_url)
        seed_dimensions(engine)
        client = Client(host, token_for(host, "Ingest.Write", vendor="V1"), bodies)
        client.start()
        kills = 0
        started = time.monotonic()
        while kills < MIN_KILLS:
            assert time.monotonic() - started < DEADLINE_S, f"gave up after {kills} kills"
            time.sleep(rng.uniform(0.2, 2.5))
            host.kill()
            kills += 1
            host.start()
        client.join(timeout=DEADLINE_S)
        assert not client.is_alive(), f"client still posting; acknowledged {len(client.acked)} of {BATCHES}"
        assert client.error is None, client.error
        assert len(client.acked) == BATCHES

        statuses = _wait_all_final(engine, set(client.acked.values()), host)
        expected = {(d["transaction_id"], d["line_number"]) for body in bodies for d in body}
        with engine.connect() as conn:
            stored = conn.execute(
                select(fact_sales_line.c.transaction_id, fact_sales_line.c.line_number).where(
                    fact_sales_line.c.transaction_id.like(f"F{SEED}-%")
                )
            ).all()
        stored_keys = {tuple(r) for r in stored}
        lost = len(expected - stored_keys)
        loaded_total = sum(s["loaded_count"] + s["updated_count"] for s in statuses.values())
        duplicated = (len(stored) - len(stored_keys)) + max(0, loaded_total - len(expected))
        received = sum(len(b) for b in bodies)
        for s in statuses.values():
            assert s["received_count"] == (
                s["loaded_count"] + s["updated_count"] + s["duplicate_count"] + s["rejected_count"]
            ), s
        print(f"lost={lost} duplicated={duplicated} of {received} lines across {kills} kills, seed {SEED}")
        print(f"({len(expected)} distinct lines, {client.resends} resends)")
        assert lost == 0 and duplicated == 0
        assert loaded_total == len(expected), "each distinct line counted as loaded by exactly one batch"
        assert all(s["status"] == "succeeded" for s in statuses.values()), statuses
        assert summaries.drift(engine) == {}
        assert kills >= MIN_KILLS
    finally:
        host.stop(timeout=10)


def _wait_all_final(engine: Any, batch_ids: set[str], host: LocalHost) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + DEADLINE_S
    while True:
        with engine.connect() as conn:
            rows = (
                conn.execute(select(ingest_batch).where(ingest_batch.c.batch_id.in_(batch_ids)))
                .mappings()
                .all()
            )
            pending = conn.execute(
                select(func.count()).select_from(ingest_batch).where(ingest_batch.c.status.not_in(FINAL))
            ).scalar_one()
        if len(rows) == len(batch_ids) and pending == 0:
            return {r["batch_id"]: dict(r) for r in rows}
        if time.monotonic() > deadline:
            waiting = [(r["batch_id"], r["status"]) for r in rows if r["status"] not in FINAL]
            raise AssertionError(f"batches not final: {waiting}\n{host.log_tail(40)}")
        time.sleep(0.5)
