"""The ingest batch: its status model, the allowed transitions, and the row that records them.

A batch moves ``receiving -> accepted -> processing -> succeeded | partially_succeeded | failed``.
``receiving`` means the row is written but the request has not been answered yet (the raw blob
or the orchestration start may still be missing); ``accepted`` means the caller got its ``202``.
Every transition is one conditional ``UPDATE`` (``WHERE status IN (allowed sources)``), so an
activity that runs twice, or an ingest request that finishes after its orchestration started,
can never move a batch backwards.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update

from shared.db.tables import ingest_batch, utcnow
from shared.schema import BatchCounts, BatchStatus

RECEIVING = "receiving"
ACCEPTED = "accepted"
PROCESSING = "processing"
SUCCEEDED = "succeeded"
PARTIALLY_SUCCEEDED = "partially_succeeded"
FAILED = "failed"

FINAL = frozenset({SUCCEEDED, PARTIALLY_SUCCEEDED, FAILED})
STATUSES = frozenset({RECEIVING, ACCEPTED, PROCESSING}) | FINAL

# status -> the statuses a batch may be in just before it
_SOURCES: dict[str, frozenset[str]] = {
    ACCEPTED: frozenset({RECEIVING}),
    PROCESSING: frozenset({RECEIVING, ACCEPTED, PROCESSING}),
    SUCCEEDED: frozenset({RECEIVING, ACCEPTED, PROCESSING}),
    PARTIALLY_SUCCEEDED: frozenset({RECEIVING, ACCEPTED, PROCESSING}),
    FAILED: frozenset({RECEIVING, ACCEPTED, PROCESSING}),
}


@dataclass(frozen=True)
class Counts:
    """What happened to every received line: ``received == loaded + updated + duplicate + rejected``."""

    received: int
    loaded: int
    updated: int
    duplicate: int
    rejected: int

    def __post_init__(self) -> None:
        if self.received != self.loaded + self.updated + self.duplicate + self.rejected:
            raise ValueError(f"counts do not add up: {self}")

    @property
    def final_status(self) -> str:
        if self.received and self.rejected == self.received:
            return FAILED
        return PARTIALLY_SUCCEEDED if self.rejected else SUCCEEDED


def transition(engine: Engine, batch_id: str, to: str, **values: Any) -> bool:
    """Move ``batch_id`` to status ``to`` if allowed from where it is; False when it was not."""
    now = utcnow()
    stmt = (
        update(ingest_batch)
        .where(ingest_batch.c.batch_id == batch_id, ingest_batch.c.status.in_(_SOURCES[to]))
        .values(status=to, updated_at=now, **values)
    )
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount == 1


def mark_processing(engine: Engine, batch_id: str) -> bool:
    """First (or repeated) start of the ETL: count the attempt, keep the first start time."""
    row = get(engine, batch_id)
    if row is None or row["status"] in FINAL:
        return False
    started = row["started_at"] or utcnow()
    return transition(engine, batch_id, PROCESSING, started_at=started, attempts=(row["attempts"] or 0) + 1)


def finish(engine: Engine, batch_id: str, counts: Counts, quarantine_blob: str | None) -> str:
    """Record the final counts and status; a repeat of the same finish is a no-op. Returns the status."""
    status = counts.final_status
    transition(
        engine,
        batch_id,
        status,
        received_count=counts.received,
        loaded_count=counts.loaded,
        updated_count=counts.updated,
        duplicate_count=counts.duplicate,
        rejected_count=counts.rejected,
        quarantine_blob=quarantine_blob,
        error="every line was rejected" if status == FAILED else None,
        finished_at=utcnow(),
    )
    row = get(engine, batch_id)
    return row["status"] if row else status


def fail(engine: Engine, batch_id: str, error: str) -> str:
    """End the batch ``failed`` with the error (kept short); a final batch stays as it is."""
    transition(engine, batch_id, FAILED, error=error[:4000], finished_at=utcnow())
    row = get(engine, batch_id)
    return row["status"] if row else FAILED


def get(engine: Engine, batch_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(ingest_batch).where(ingest_batch.c.batch_id == batch_id)).mappings().first()
    return dict(row) if row else None


def list_recent(
    engine: Engine, *, vendor_id: str | None, status: str | None, limit: int = 50
) -> list[dict[str, Any]]:
    """Newest first; ``vendor_id=None`` lists every vendor's batches (Admin)."""
    stmt = (
        select(ingest_batch).order_by(ingest_batch.c.created_at.desc(), ingest_batch.c.batch_id).limit(limit)
    )
    if vendor_id is not None:
        stmt = stmt.where(ingest_batch.c.vendor_id == vendor_id)
    if status is not None:
        stmt = stmt.where(ingest_batch.c.status == status)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def stuck(engine: Engine, older_than: timedelta, limit: int = 100) -> list[dict[str, Any]]:
    """Non-final batches whose row has not moved for ``older_than``."""
    cutoff = utcnow() - older_than
    stmt = (
        select(ingest_batch)
        .where(ingest_batch.c.status.not_in(FINAL), ingest_batch.c.updated_at < cutoff)
        .order_by(ingest_batch.c.updated_at)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def touch(engine: Engine, batch_id: str) -> None:
    """Mark the row as moved just now (a restarted batch is not swept again at once)."""
    with engine.begin() as conn:
        conn.execute(
            update(ingest_batch).where(ingest_batch.c.batch_id == batch_id).values(updated_at=utcnow())
        )


def public_view(row: dict[str, Any]) -> BatchStatus:
    """What ``GET /api/ingest/batches/{id}`` shows: status, counts, timings, quarantine link."""
    batch_id = row["batch_id"]
    started, finished = row["started_at"], row["finished_at"]
    return BatchStatus(
        batch_id=batch_id,
        vendor_id=row["vendor_id"],
        status=row["status"],
        source_format=row["source_format"],
        mapping_profile=row["mapping_profile"],
        counts=BatchCounts(
            received=row["received_count"],
            loaded=row["loaded_count"],
            updated=row["updated_count"],
            duplicate=row["duplicate_count"],
            rejected=row["rejected_count"],
        ),
        created_at=row["created_at"].replace(tzinfo=UTC),
        started_at=_utc(started),
        finished_at=_utc(finished),
        duration_ms=round((finished - started).total_seconds() * 1000) if started and finished else None,
        attempts=row["attempts"],
        error=row["error"],
        quarantine_url=f"/api/ingest/batches/{batch_id}/quarantine" if row["rejected_count"] else None,
        status_url=f"/api/ingest/batches/{batch_id}",
    )


def first_answer(row: dict[str, Any]) -> dict[str, Any] | None:
    return json.loads(row["response_json"]) if row["response_json"] else None


def _utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value else None


def forget_unacknowledged(engine: Engine, batch_id: str) -> bool:
    """Delete a ``receiving`` row that was never answered: nothing was accepted, a resend starts afresh."""
    stmt = delete(ingest_batch).where(
        ingest_batch.c.batch_id == batch_id,
        ingest_batch.c.status == RECEIVING,
        ingest_batch.c.response_json.is_(None),
    )
    with engine.begin() as conn:
        return conn.execute(stmt).rowcount == 1
