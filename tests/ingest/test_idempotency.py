"""``Idempotency-Key``: replay, reuse with another body, a concurrent duplicate, and a resend that
finishes a request the host never answered. Through the real host, SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

from sqlalchemy import insert, select

from shared import batches
from shared.db.tables import audit_log, ingest_batch, utcnow
from shared.ingest import batch_id_for, request_hash
from tests.ingest.conftest import Scout, line, new_txn


def _key() -> str:
    return f"key-{uuid.uuid4().hex}"


def test_same_key_same_body_replays_the_first_answer(scout: Scout) -> None:
    key, txn = _key(), new_txn()
    body = [line(txn, 1), line(txn, 2)]
    first = scout.post_json(body, idempotency_key=key)
    assert first.status_code == 202, first.text
    assert first.headers["location"] == first.json()["status_url"]
    assert "idempotent-replayed" not in first.headers
    scout.wait_final(first.json()["batch_id"])
    again = scout.post_json(body, idempotency_key=key)
    assert again.status_code == 202
    assert again.headers["idempotent-replayed"] == "true"
    assert {**again.json(), "replayed": False} == first.json()
    assert again.json()["replayed"] is True
    assert [f["line_number"] for f in scout.facts(txn)] == [1, 2]
    with scout.engine.connect() as conn:
        rows = conn.execute(select(ingest_batch).where(ingest_batch.c.idempotency_key == key)).all()
    assert len(rows) == 1


def test_same_key_different_body_is_422_and_changes_nothing(scout: Scout) -> None:
    key, txn = _key(), new_txn()
    first = scout.post_json([line(txn, 1)], idempotency_key=key)
    assert first.status_code == 202
    scout.wait_final(first.json()["batch_id"])
    other = scout.post_json([line(txn, 1, quantity=9)], idempotency_key=key)
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert scout.facts(txn)[0]["quantity"] == 2


def test_keys_are_scoped_to_the_caller(scout: Scout) -> None:
    key = _key()
    mine = scout.post_json([line(new_txn())], idempotency_key=key, vendor="V1")
    theirs = scout.post_json([line(new_txn(), store_id="S-901")], idempotency_key=key, vendor="V2")
    assert mine.status_code == theirs.status_code == 202
    assert mine.json()["batch_id"] != theirs.json()["batch_id"]


def _in_flight_row(scout: Scout, key: str, payload: bytes, age: timedelta) -> str:
    """The row a request that is still (or was, when the host died) being accepted leaves behind."""
    subject = scout.subjects["V1"]
    batch_id = batch_id_for(subject, key)
    when = utcnow() - age
    with scout.engine.begin() as conn:
        conn.execute(
            insert(ingest_batch).values(
                batch_id=batch_id,
                vendor_id="V1",
                caller_id=subject,
                idempotency_key=key,
                request_hash=request_hash("json", None, payload),
                source_format="json",
                raw_blob=f"raw/V1/{when:%Y/%m/%d}/{batch_id}.json",
                status=batches.RECEIVING,
                received_count=1,
                created_at=when,
                updated_at=when,
            )
        )
    return batch_id


def test_a_concurrent_duplicate_is_409_with_retry_after(scout: Scout) -> None:
    key, txn = _key(), new_txn()
    payload = json.dumps([line(txn)]).encode()
    _in_flight_row(scout, key, payload, age=timedelta(seconds=-60))  # in the lease, however slow
    resp = scout.post(payload, idempotency_key=key)
    assert resp.status_code == 409, resp.text
    assert resp.json()["error"]["code"] == "request_in_progress"
    assert int(resp.headers["retry-after"]) >= 1


def test_a_resend_finishes_a_request_the_host_never_answered(scout: Scout) -> None:
    """The host died after writing the batch row, before the raw blob: the resend carries on."""
    key, txn = _key(), new_txn()
    payload = json.dumps([line(txn, 1), line(txn, 2)]).encode()
    batch_id = _in_flight_row(scout, key, payload, age=timedelta(minutes=5))
    resp = scout.post(payload, idempotency_key=key)
    assert resp.status_code == 202, resp.text
    assert resp.json()["batch_id"] == batch_id
    assert "idempotent-replayed" not in resp.headers
    status = scout.wait_final(batch_id)
    assert status["status"] == "succeeded" and status["counts"]["loaded"] == 2
    assert [f["line_number"] for f in scout.facts(txn)] == [1, 2]
    replay = scout.post(payload, idempotency_key=key)
    assert replay.headers["idempotent-replayed"] == "true"
    with scout.engine.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.action).where(
                audit_log.c.target == batch_id, audit_log.c.action == "ingest.accepted"
            )
        ).all()
    assert len(audited) == 1


def test_an_invalid_key_is_refused(scout: Scout) -> None:
    resp = scout.post_json([line(new_txn())], idempotency_key="x" * 201)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "invalid_idempotency_key"
