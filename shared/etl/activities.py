"""The ETL activity bodies: small JSON in, small JSON out, rows only ever in blobs and SQL.

Activities run at least once, so each is idempotent:

- ``extract_validate_clean_enrich`` judges the batch as of its receipt time (``created_at``),
  so a rerun writes byte-for-byte the same ``processed/`` and ``quarantine/`` blobs;
- ``load`` upserts (a rerun changes nothing) and counts from what the tables attribute to this
  batch, so a rerun after a crash reports the same counts as the first run did;
- ``load`` also adds the lines it writes to the summaries, in the same transaction (a rerun
  writes nothing and adds nothing);
- ``aggregate`` recomputes from the fact table the summary rows of the other transactions the
  load changed (it left their store-days pending);
- ``finalise`` is a conditional status transition (a final batch stays as it is).
"""

from __future__ import annotations

import io
import json
from datetime import UTC
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from shared import batches
from shared.analytics import summaries
from shared.auth import pseudonym_key
from shared.blobstore import get_blob_store
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.db.tables import fact_sales_line, fact_sales_line_history, utcnow
from shared.etl.context import ValidationContext
from shared.etl.load import load_lines, pending_refresh, refreshed
from shared.etl.pipeline import load_dimensions, transform, write_quarantine
from shared.ingest import load_profile
from shared.telemetry import get_logger

log = get_logger("etl")


def processed_blob(batch_id: str) -> str:
    return f"processed/{batch_id}.parquet"


def _payload(payload: Any) -> dict[str, Any]:
    return json.loads(payload) if isinstance(payload, str | bytes) else dict(payload)


def _batch(engine: Any, batch_id: str) -> dict[str, Any]:
    row = batches.get(engine, batch_id)
    if row is None:
        raise LookupError(f"batch {batch_id} has no ingest_batch row")
    return row


def extract_validate_clean_enrich(payload: Any) -> dict[str, Any]:
    """Raw blob -> clean, enriched fact rows (Parquet) + rejected rows (JSONL); returns counts."""
    batch_id = _payload(payload)["batch_id"]
    engine = ensure_schema()
    store = get_blob_store()
    batches.mark_processing(engine, batch_id)
    row = _batch(engine, batch_id)
    received_at = row["created_at"].replace(tzinfo=UTC)  # the batch is judged as of its receipt
    ctx = ValidationContext.from_settings(
        get_settings(), received_at, load_dimensions(engine), row["vendor_id"]
    )
    profile = load_profile(engine, row["mapping_profile"], None)
    raw = store.get(row["raw_blob"])
    result = transform(
        raw, row["source_format"], profile, ctx, batch_id=batch_id, pseudonym_key=pseudonym_key()
    )
    buffer = io.BytesIO()
    result.fact.to_parquet(buffer, index=False)
    store.put(processed_blob(batch_id), buffer.getvalue(), overwrite=True)
    return {
        "batch_id": batch_id,
        "processed_blob": processed_blob(batch_id),
        "quarantine_blob": write_quarantine(store, batch_id, result),
        "received": result.counts["received"],
        "clean": result.counts["accepted"],
        "rejected": result.counts["rejected"],
        "duplicate_in_batch": result.counts["duplicate"],
    }


def _read_processed(name: str, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(get_blob_store().get(name)), columns=columns)


def load(payload: Any) -> dict[str, Any]:
    """Upsert the clean rows; count what the fact table attributes to this batch.

    ``load_lines`` reports a rerun's lines as duplicates (they are already there); counting the
    rows that carry this batch id, and the history rows this batch replaced, gives the same
    counts on the first run and on any rerun.
    """
    data = _payload(payload)
    batch_id = data["batch_id"]
    engine = ensure_schema()
    frame = _read_processed(data["processed_blob"])
    load_lines(engine, frame, batch_id, utcnow())
    with engine.connect() as conn:
        ours = conn.execute(
            select(func.count()).select_from(fact_sales_line).where(fact_sales_line.c.batch_id == batch_id)
        ).scalar_one()
        replaced = conn.execute(
            select(func.count())
            .select_from(fact_sales_line_history)
            .where(fact_sales_line_history.c.replaced_by_batch == batch_id)
        ).scalar_one()
    return {"loaded": ours - replaced, "updated": replaced, "duplicate_loaded": len(frame) - ours}


def aggregate(payload: Any) -> dict[str, Any]:
    """Recompute the summary rows the load changed facts of but could not add to (see
    ``shared.etl.load``): the store-days it left pending, then forget them."""
    batch_id = _payload(payload)["batch_id"]
    engine = ensure_schema()
    touched = pending_refresh(engine, batch_id)
    summaries.refresh(engine, touched)
    refreshed(engine, batch_id)
    return {"touched": len(touched)}


def finalise(payload: Any) -> dict[str, Any]:
    """Final status and counts on the batch row, or ``failed`` with the error."""
    data = _payload(payload)
    batch_id = data["batch_id"]
    engine = ensure_schema()
    if data.get("error"):
        status = batches.fail(engine, batch_id, data["error"])
        log.warning("batch failed", extra={"batch_id": batch_id, "error": data["error"]})
        return {"batch_id": batch_id, "status": status}
    try:
        counts = batches.Counts(
            received=data["received"],
            loaded=data["loaded"],
            updated=data["updated"],
            duplicate=data["duplicate_in_batch"] + data["duplicate_loaded"],
            rejected=data["rejected"],
        )
    except ValueError as exc:
        return {"batch_id": batch_id, "status": batches.fail(engine, batch_id, str(exc))}
    status = batches.finish(engine, batch_id, counts, data.get("quarantine_blob"))
    log.info("batch final", extra={"batch_id": batch_id, "status": status, **vars(counts)})
    return {"batch_id": batch_id, "status": status, "counts": vars(counts)}
