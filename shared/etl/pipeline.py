"""The transform stages composed in-process, the quarantine report, and dimensions from SQL.

Counting, per batch (``TransformResult.counts``):

- ``received``  source rows parsed;
- ``rejected``  rows refused by validation or as conflicting repeats (each row once, however
  many rules it broke);
- ``duplicate`` identical repeats inside the batch (the first copy goes on);
- ``accepted``  rows handed to the load stage, so received = accepted + duplicate + rejected.

The load stage then splits ``accepted`` into loaded (new), updated (content changed) and
duplicate (already stored with the same content), which gives the batch's final
received = loaded + updated + duplicate + rejected.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from shared.blobstore import BlobStore
from shared.db.tables import category_mapping, dim_product, dim_store
from shared.etl.clean import clean
from shared.etl.context import CATEGORY_MAP_COLUMNS, PRODUCT_COLUMNS, STORE_COLUMNS, Dims, ValidationContext
from shared.etl.enrich import enrich
from shared.etl.extract import parse
from shared.etl.mapping import MappingProfile
from shared.etl.validate import REJECT_COLUMNS, validate
from shared.schema import ROW_COLUMN

REDACTED = "<redacted>"
_PRIVATE_FIELDS = ("customer_id",)  # never copied into a quarantine report


@dataclass(frozen=True)
class TransformResult:
    fact: pd.DataFrame  # exactly FACT_COLUMN_NAMES, one row per (transaction_id, line_number)
    rejects: pd.DataFrame  # one row per failure: _row, field, code, message
    source: pd.DataFrame  # the rejected rows as parsed (text), for the quarantine report
    counts: dict[str, int]  # received, accepted, duplicate, rejected


def transform(
    raw: bytes,
    fmt: str,
    profile: MappingProfile | None,
    ctx: ValidationContext,
    *,
    batch_id: str,
    pseudonym_key: bytes,
) -> TransformResult:
    """Parse, validate, clean and enrich one batch."""
    return transform_frame(
        parse(raw, fmt, profile).frame, ctx, batch_id=batch_id, pseudonym_key=pseudonym_key
    )


def transform_frame(
    frame: pd.DataFrame, ctx: ValidationContext, *, batch_id: str, pseudonym_key: bytes
) -> TransformResult:
    """Validate, clean and enrich a parsed text frame (``extract.parse(...).frame``)."""
    valid, invalid = validate(frame, ctx)
    cleaned, conflicts, duplicates = clean(valid)
    fact = enrich(
        cleaned,
        ctx.dims.stores,
        ctx.dims.products,
        ctx.dims.category_map,
        pseudonym_key,
        batch_id,
        ctx.now,
        default_vendor_id=ctx.vendor_id or "unknown",
        default_timezone=ctx.default_timezone,
    )
    rejects = pd.concat([invalid, conflicts], ignore_index=True) if len(conflicts) else invalid
    rejected_rows = rejects[ROW_COLUMN].unique()
    source = frame[frame[ROW_COLUMN].isin(rejected_rows)]
    counts = {
        "received": len(frame),
        "accepted": len(fact),
        "duplicate": duplicates,
        "rejected": len(rejected_rows),
    }
    if counts["received"] != counts["accepted"] + counts["duplicate"] + counts["rejected"]:
        raise RuntimeError(f"batch {batch_id}: counts do not add up: {counts}")
    return TransformResult(fact=fact, rejects=rejects, source=source, counts=counts)


def quarantine_lines(rejects: pd.DataFrame, source: pd.DataFrame) -> bytes:
    """One JSON object per rejected row: row, field/code/message of its first failure, every
    failure under ``errors``, and the values as sent (private fields redacted)."""
    if rejects.empty:
        return b""
    values = source.set_index(ROW_COLUMN)
    out = []
    for row, failures in rejects.groupby(ROW_COLUMN, sort=True):
        errors = failures[list(REJECT_COLUMNS[1:])].to_dict("records")
        sent = (
            {k: v for k, v in values.loc[row].to_dict().items() if pd.notna(v)} if row in values.index else {}
        )
        for name in _PRIVATE_FIELDS:
            if name in sent:
                sent[name] = REDACTED
        out.append(json.dumps({"row": int(row), **errors[0], "errors": errors, "values": sent}, default=str))
    return ("\n".join(out) + "\n").encode()


def quarantine_blob_name(batch_id: str) -> str:
    return f"quarantine/{batch_id}.jsonl"


def write_quarantine(blob_store: BlobStore, batch_id: str, result: TransformResult) -> str | None:
    """Write ``quarantine/{batch_id}.jsonl`` (overwriting: a rerun writes the same bytes); its name,
    or None when nothing was rejected."""
    if result.rejects.empty:
        return None
    name = quarantine_blob_name(batch_id)
    blob_store.put(
        name,
        quarantine_lines(result.rejects, result.source),
        overwrite=True,
        content_type="application/x-ndjson",
    )
    return name


def load_dimensions(engine: Engine) -> Dims:
    """Stores, products and category mappings as frames, for validation and enrichment."""
    with engine.connect() as conn:
        stores = _frame(conn.execute(select(*(dim_store.c[c] for c in STORE_COLUMNS))).all(), STORE_COLUMNS)
        products = _frame(
            conn.execute(select(*(dim_product.c[c] for c in PRODUCT_COLUMNS))).all(), PRODUCT_COLUMNS
        )
        mapping = _frame(
            conn.execute(select(*(category_mapping.c[c] for c in CATEGORY_MAP_COLUMNS))).all(),
            CATEGORY_MAP_COLUMNS,
        )
    return Dims(stores=stores, products=products, category_map=mapping)


def _frame(rows: Sequence[Any], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame.from_records([tuple(r) for r in rows], columns=list(columns))
