"""The edge client against the real product: ``python -m local_host`` running function_app with
the real ingest endpoint, durable ETL and SQLite. A network cut (the host accepted a batch but
the answer never arrived) and a host crash + restart happen mid-push; afterwards every captured
line is in the fact table exactly once and every batch was accepted exactly once."""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest

from edge_sync_client.auth import StaticToken
from edge_sync_client.backoff import Backoff
from edge_sync_client.ingest_client import IngestClient
from edge_sync_client.outbox import Outbox
from edge_sync_client.push import Pusher
from tests.edge.conftest import make_lines
from tests.edge.fault_proxy import FaultProxy
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, token_for

pytestmark = pytest.mark.slow

VENDOR = "V-EDGE"
STORES = ["NCR-001", "NCR-002"]
FINAL = {"succeeded", "partially_succeeded", "failed"}


class RestartingWaiter:
    """At the first backoff pause, crash the host (kill -9) and start it again on its port."""

    def __init__(self, host: LocalHost) -> None:
        self.host = host
        self.pauses: list[float] = []

    def wait(self, timeout: float) -> bool:
        if timeout:
            self.pauses.append(timeout)
            if len(self.pauses) == 1:
                self.host.kill()
                self.host.start()
        return False


def register_stores(host: LocalHost) -> None:
    admin = token_for(host, "Admin")
    stores = [
        {
            "store_id": s,
            "vendor_id": VENDOR,
            "name": s,
            "region": "NCR",
            "province": "Metro Manila",
            "city": "QC",
        }
        for s in STORES
    ]
    with host.client() as client:
        answer = client.put(
            "/api/manage/stores",
            json=stores,
            headers={**auth_header(admin), "x-functions-key": host.function_key},
        )
    assert answer.status_code == 200, answer.text


def wait_until_final(
    host: LocalHost, batch_ids: list[str], token: str, timeout: float = 120
) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    headers = {**auth_header(token), "x-functions-key": host.function_key}
    states: dict[str, dict] = {}
    with host.client() as client:
        while time.monotonic() < deadline:
            states = {b: client.get(f"/api/ingest/batches/{b}", headers=headers).json() for b in batch_ids}
            if all(s.get("status") in FINAL for s in states.values()):
                return states
            time.sleep(0.25)
    raise AssertionError(f"batches not final in {timeout}s: {states}")


def test_every_line_arrives_exactly_once_despite_a_network_cut_and_a_host_restart(
    local_host_factory, tmp_path: Path
) -> None:
    host: LocalHost = local_host_factory()
    ingest_token = token_for(host, "Ingest.Write", vendor=VENDOR)
    register_stores(host)
    proxy = FaultProxy(host.port).start()
    try:
        # Loyalty customers on every other line, walk-ins (no customer id) on the rest.
        lines = [
            {**line, "store_id": STORES[i % 2], **({"customer_id": f"C-{i % 5}"} if i % 2 else {})}
            for i, line in enumerate(make_lines(60))
        ]
        proxy.script.append("cut")  # batch 1 reaches the host; its 202 never reaches the client
        waiter = RestartingWaiter(host)
        with Outbox(tmp_path / "outbox.db") as outbox:
            outbox.capture(lines)
            client = IngestClient(proxy.base_url, StaticToken(ingest_token), host.function_key, timeout=30)
            pusher = Pusher(
                outbox,
                client,
                Backoff(0.05, 0.2, random.Random(1)),
                waiter,
                batch_size=20,
                max_attempts_per_run=30,
            )
            report = pusher.run()
            client.close()
            acked = outbox.conn.execute(
                "SELECT idempotency_key, server_batch_id FROM batch WHERE state = 'acked' ORDER BY id"
            ).fetchall()
        assert report.drained and report.acked_lines == 60, report
        assert proxy.connections[0] == "cut" and len(waiter.pauses) >= 1
    finally:
        proxy.stop()

    batch_ids = [row["server_batch_id"] for row in acked]
    assert len(batch_ids) == 3 and len(set(batch_ids)) == 3
    states = wait_until_final(host, batch_ids, ingest_token)
    assert all(s["status"] == "succeeded" for s in states.values()), states

    with sqlite3.connect(host.data_dir / "scout.db") as db:
        facts = db.execute(
            "SELECT transaction_id, line_number, count(*) FROM fact_sales_line GROUP BY 1, 2"
        ).fetchall()
        batches = db.execute("SELECT count(*) FROM ingest_batch WHERE vendor_id = ?", (VENDOR,)).fetchone()[0]
    expected = {(line["transaction_id"], line["line_number"]) for line in lines}
    assert {(t, n) for t, n, _ in facts} == expected
    assert {c for _, _, c in facts} == {1}, "a line was loaded twice"
    assert batches == 3, "the cut batch was accepted twice under different ids"
