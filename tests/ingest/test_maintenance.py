"""The maintenance timers, fired through the host's admin API (``POST /admin/functions/{name}``)
as Azure's would be: the stuck-batch sweep, summary reconciliation, raw payload retention.
Real host, SQLite.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import delete, insert, select

from shared import batches
from shared.analytics import summaries
from shared.analytics.summary_tables import SPECS
from shared.db.tables import audit_log, ingest_batch, utcnow
from tests.ingest.conftest import Scout, line, new_txn
from tests.support.host import LocalHost
from tests.support.polling import wait_for


@pytest.fixture(scope="module")
def scout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scout]:
    data_dir = tmp_path_factory.mktemp("scout-maintenance")
    host = LocalHost(data_dir, env={"SCOUT_STUCK_BATCH_MINUTES": "1", "SCOUT_RAW_RETENTION_DAYS": "30"})
    host.start()
    try:
        yield Scout(host, f"sqlite:///{(data_dir / 'scout.db').resolve()}")
    finally:
        host.stop(timeout=10)


def _fire(scout: Scout, timer: str) -> None:
    resp = httpx.post(
        f"{scout.host.base_url}/admin/functions/{timer}",
        headers={"x-functions-key": scout.host.master_key},
        json={"input": ""},
        timeout=10,
    )
    assert resp.status_code == 202, resp.text


def _eventually(check: Callable[[], bool], what: str) -> None:
    wait_for(check, timeout=30.0, interval=0.2, what=what)


def _row(scout: Scout, batch_id: str) -> dict | None:
    return batches.get(scout.engine, batch_id)


def _abandoned(
    scout: Scout,
    batch_id: str,
    raw: bytes | None,
    age: timedelta = timedelta(minutes=10),
    status: str = batches.RECEIVING,
    attempts: int = 0,
) -> None:
    """A batch row as a host killed mid-request leaves it (``receiving``, raw blob or not)."""
    when = utcnow() - age
    raw_blob = f"raw/V1/{when:%Y/%m/%d}/{batch_id}.json"
    with scout.engine.begin() as conn:
        conn.execute(
            insert(ingest_batch).values(
                batch_id=batch_id,
                vendor_id="V1",
                caller_id=scout.subjects["V1"],
                idempotency_key=f"abandoned-{batch_id}",
                request_hash="0" * 64,
                source_format="json",
                raw_blob=raw_blob,
                status=status,
                attempts=attempts,
                received_count=0,
                created_at=when,
                updated_at=when,
            )
        )
    if raw is not None:
        path = scout.host.data_dir / "blobs" / raw_blob
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)


def test_the_sweep_restarts_a_stranded_batch_and_forgets_an_unanswered_one(scout: Scout) -> None:
    txn = new_txn("SWEEP")
    _abandoned(scout, "stranded0000000000000000000000001", json.dumps([line(txn, 1), line(txn, 2)]).encode())
    _abandoned(scout, "unanswered000000000000000000000001", None)
    _abandoned(scout, "crashloop000000000000000000000001", b"[]", status=batches.PROCESSING, attempts=20)
    _fire(scout, "sweep_stuck_batches")
    _eventually(
        lambda: _row(scout, "unanswered000000000000000000000001") is None, "forgetting the unanswered row"
    )
    _eventually(
        lambda: (_row(scout, "stranded0000000000000000000000001") or {}).get("status") in batches.FINAL,
        "the stranded batch finishing",
    )
    final = _row(scout, "stranded0000000000000000000000001")
    assert final["status"] == "succeeded" and final["loaded_count"] == 2
    assert [f["line_number"] for f in scout.facts(txn)] == [1, 2]
    given_up = _row(scout, "crashloop000000000000000000000001")
    assert given_up["status"] == "failed" and "gave up after 20 ETL attempts" in given_up["error"]


def test_reconciliation_rebuilds_drifted_summaries_and_records_the_drift(scout: Scout) -> None:
    assert scout.ingest([line(new_txn("REC"), 1), line(new_txn("REC"), 1)])["status"] == "succeeded"
    with scout.engine.begin() as conn:
        conn.execute(delete(SPECS[0].table))
    assert summaries.drift(scout.engine), "deleting a summary table must show as drift"
    _fire(scout, "reconcile_summaries")

    def recorded() -> bool:
        with scout.engine.connect() as conn:
            return bool(
                conn.execute(
                    select(audit_log.c.detail).where(audit_log.c.action == "summaries.reconciled")
                ).first()
            )

    _eventually(recorded, "the reconciliation audit row")
    assert summaries.drift(scout.engine) == {}
    with scout.engine.connect() as conn:
        detail = json.loads(
            conn.execute(
                select(audit_log.c.detail).where(audit_log.c.action == "summaries.reconciled")
            ).scalar_one()
        )
    assert detail["drift_before"][SPECS[0].name]["missing"] > 0
    assert detail["drift_after"] == {}


def test_retention_deletes_old_raw_payloads_of_final_batches_only(scout: Scout) -> None:
    done = scout.ingest([line(new_txn("RET"))])
    old_final = scout.host.data_dir / "blobs" / _row(scout, done["batch_id"])["raw_blob"]
    _abandoned(scout, "inflight00000000000000000000000001", b"[]", age=timedelta(0))  # not yet stuck
    old_pending = (
        scout.host.data_dir / "blobs" / _row(scout, "inflight00000000000000000000000001")["raw_blob"]
    )
    fresh = scout.ingest([line(new_txn("RET"))])
    fresh_raw = scout.host.data_dir / "blobs" / _row(scout, fresh["batch_id"])["raw_blob"]
    long_ago = time.time() - 40 * 86400
    for path in (old_final, old_pending):
        os.utime(path, (long_ago, long_ago))
    _fire(scout, "purge_raw_payloads")
    _eventually(lambda: not old_final.exists(), "deleting the old raw payload")
    assert old_pending.exists(), "a batch that is not final keeps its raw payload"
    assert fresh_raw.exists()
