"""The activity bodies run twice, as an at-least-once host may run them: same blobs, same counts,
each line stored once, and a final batch never moves back. In-process on SQLite and PostgreSQL
with the folder blob store (no host: the orchestration around them is tested by replay and
through the host elsewhere).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shared import batches
from shared.auth.principal import Principal
from shared.blobstore import get_blob_store
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.db.tables import fact_sales_line
from shared.etl import activities
from shared.ingest import Envelope, admit, request_hash, store_raw
from tests.ingest.conftest import line, new_txn, seed_dimensions

VENDOR = Principal(
    subject="caller-activities", tenant_id="t", roles=frozenset({"Ingest.Write"}), vendor_id="V1"
)


@pytest.fixture
def engine(sql_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    monkeypatch.setenv("SCOUT_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    engine = ensure_schema()
    seed_dimensions(engine)
    yield engine
    get_settings.cache_clear()


def _batch(engine, lines: list[dict]) -> str:
    payload = json.dumps(lines).encode()
    env = Envelope("json", payload, None, request_hash("json", None, payload), len(lines))
    admission = admit(engine, VENDOR, env, key=None)
    store_raw(admission.raw_blob, payload)
    return admission.batch_id


def _run_all(batch_id: str) -> dict:
    extracted = activities.extract_validate_clean_enrich({"batch_id": batch_id})
    loaded = activities.load(extracted)
    activities.aggregate(extracted)
    return {
        "extracted": extracted,
        "loaded": loaded,
        **activities.finalise({**extracted, **loaded, "error": None}),
    }


def test_every_activity_run_twice_gives_the_same_outcome(engine) -> None:
    txn = new_txn("ACT")
    batch_id = _batch(engine, [line(txn, 1), line(txn, 2), line(txn, 2), line(txn, 3, quantity=-1)])
    first = _run_all(batch_id)
    processed = get_blob_store().get(first["extracted"]["processed_blob"])
    quarantine = get_blob_store().get(first["extracted"]["quarantine_blob"])

    # a host crash after each activity committed but before its result was recorded: all run again
    batches.transition(engine, batch_id, batches.PROCESSING)  # refused: the batch is final already
    second = _run_all(batch_id)

    assert first["status"] == second["status"] == "partially_succeeded"
    assert (
        first["counts"]
        == second["counts"]
        == {
            "received": 4,
            "loaded": 2,
            "updated": 0,
            "duplicate": 1,
            "rejected": 1,
        }
    )
    assert get_blob_store().get(second["extracted"]["processed_blob"]) == processed
    assert get_blob_store().get(second["extracted"]["quarantine_blob"]) == quarantine
    with engine.connect() as conn:
        stored = conn.execute(
            select(func.count()).select_from(fact_sales_line).where(fact_sales_line.c.transaction_id == txn)
        ).scalar_one()
    assert stored == 2
    row = batches.get(engine, batch_id)
    assert row["attempts"] == 1, "a final batch is not counted as processed again"


def test_a_changed_line_rerun_still_counts_as_updated(engine) -> None:
    txn = new_txn("UPD")
    _run_all(_batch(engine, [line(txn, 1, quantity=1)]))
    second = _batch(engine, [line(txn, 1, quantity=4)])
    extracted = activities.extract_validate_clean_enrich({"batch_id": second})
    once = activities.load(extracted)
    twice = activities.load(extracted)  # load_lines alone would call this rerun a duplicate
    assert once == twice == {"loaded": 0, "updated": 1, "duplicate_loaded": 0}


def test_finalise_records_a_failure_and_a_final_batch_stays_final(engine) -> None:
    batch_id = _batch(engine, [line(new_txn("FIN"))])
    assert (
        activities.finalise({"batch_id": batch_id, "error": "load failed: disk full"})["status"] == "failed"
    )
    counts = {"received": 1, "loaded": 1, "updated": 0, "duplicate_in_batch": 0, "duplicate_loaded": 0}
    assert (
        activities.finalise({"batch_id": batch_id, "error": None, "rejected": 0, **counts})["status"]
        == "failed"
    )
    row = batches.get(engine, batch_id)
    assert row["error"] == "load failed: disk full" and row["finished_at"] is not None


def test_counts_that_do_not_add_up_fail_the_batch(engine) -> None:
    batch_id = _batch(engine, [line(new_txn("SUM"))])
    bad = {
        "received": 3,
        "loaded": 1,
        "updated": 0,
        "duplicate_in_batch": 0,
        "duplicate_loaded": 0,
        "rejected": 0,
    }
    assert activities.finalise({"batch_id": batch_id, "error": None, **bad})["status"] == "failed"
    assert "do not add up" in batches.get(engine, batch_id)["error"]
