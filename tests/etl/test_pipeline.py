"""The stages composed, the quarantine report, and the dimensions and facts in a real database
(SQLite and PostgreSQL) through the load and aggregate stages of the storage and analytics code."""

from __future__ import annotations

import json
from dataclasses import replace

import pandas as pd
from sqlalchemy import func, select

from shared.blobstore import FolderBlobStore
from shared.db.engine import get_engine
from shared.db.tables import FACT_COLUMN_NAMES, fact_sales_line, fact_sales_line_history
from shared.dimensions import load as load_dims
from shared.dimensions import read_rows
from shared.etl.context import ValidationContext
from shared.etl.load import load_lines
from shared.etl.pipeline import load_dimensions, quarantine_lines, transform, write_quarantine
from tests.etl.conftest import FIXTURES, KEY, NOW

HEADER = "transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price,discount,customer_id"
BATCH = (
    f"{HEADER}\n"
    "T1,1,S-001,2026-03-15T10:00:00+08:00,SKU-1,2,15.5,0,SECRET-CUSTOMER\n"
    "T1,2,S-001,2026-03-15T10:00:00+08:00,SKU-2,1,25,0,SECRET-CUSTOMER\n"
    "T1,2,S-001,2026-03-15T10:00:00+08:00,SKU-2,1,25,0,SECRET-CUSTOMER\n"  # identical repeat
    "T2,1,S-404,2026-03-15T11:00:00+08:00,SKU-1,1,15.5,0,SECRET-CUSTOMER\n"  # unknown store
    "T3,1,S-002,2026-03-15T12:00:00+08:00,SKU-3,-2,12,0,\n"  # negative quantity
    "T4,1,S-002,2026-03-15T12:30:00+08:00,SKU-3,1,12,20,\n"  # discount above the amount
).encode()


def test_counts_add_up(ctx):
    result = transform(BATCH, "csv", None, ctx, batch_id="B-1", pseudonym_key=KEY)
    assert result.counts == {"received": 6, "accepted": 2, "duplicate": 1, "rejected": 3}
    assert sorted(result.rejects["code"]) == [
        "discount_exceeds_amount",
        "non_positive_quantity",
        "unknown_store",
    ]


def test_a_batch_with_every_line_rejected_still_adds_up(ctx):
    raw = BATCH.replace(b"S-001", b"S-404").replace(b",12,0,", b",-12,0,")
    result = transform(raw, "csv", None, ctx, batch_id="B-9", pseudonym_key=KEY)
    assert result.counts == {"received": 6, "accepted": 0, "duplicate": 0, "rejected": 6}
    assert result.fact.empty and tuple(result.fact.columns) == FACT_COLUMN_NAMES


def test_quarantine_report_one_object_per_rejected_row_without_the_customer_id(ctx, tmp_path):
    result = transform(BATCH, "csv", None, ctx, batch_id="B-1", pseudonym_key=KEY)
    store = FolderBlobStore(tmp_path)
    store.ensure_containers()
    name = write_quarantine(store, "B-1", result)
    assert name == "quarantine/B-1.jsonl"
    body = store.get(name)
    assert body == quarantine_lines(result.rejects, result.source)  # a rerun writes the same bytes
    report = [json.loads(line) for line in body.decode().splitlines()]
    assert [(r["row"], r["field"], r["code"]) for r in report] == [
        (4, "store_id", "unknown_store"),
        (5, "quantity", "non_positive_quantity"),
        (6, "discount", "discount_exceeds_amount"),
    ]
    assert report[0]["values"]["store_id"] == "S-404" and report[0]["values"]["customer_id"] == "<redacted>"
    assert b"SECRET-CUSTOMER" not in body


def test_nothing_rejected_writes_no_report(ctx, tmp_path):
    result = transform(
        (FIXTURES / "lines.csv").read_bytes(), "csv", None, ctx, batch_id="B-2", pseudonym_key=KEY
    )
    assert write_quarantine(FolderBlobStore(tmp_path), "B-2", result) is None


def _load_fixture_dims(url: str) -> None:
    rows = {
        kind: read_rows((FIXTURES / f"{kind}.csv").read_bytes(), "csv")
        for kind in ("stores", "products", "category_map")
    }
    load_dims(get_engine(url), rows, NOW)


def test_dimensions_from_the_database(sql_url):
    _load_fixture_dims(sql_url)
    dims = load_dimensions(get_engine(sql_url))
    assert sorted(dims.stores["store_id"]) == ["S-001", "S-002", "S-003"]
    assert dims.stores.set_index("store_id").loc["S-003", "vendor_id"] == "other-vendor"
    assert dims.products.set_index("sku").loc["SKU-2", "unit_cost"] == 18
    assert len(dims.category_map) == 2


def test_batch_end_to_end_then_resent_then_corrected(sql_url):
    """Parse -> validate -> clean -> enrich -> load_lines: a re-sent batch changes nothing and
    counts as duplicates; a corrected line is updated with its old version kept in history."""
    from shared.analytics import summaries

    _load_fixture_dims(sql_url)
    engine = get_engine(sql_url)
    ctx = ValidationContext(now=NOW, dims=load_dimensions(engine))
    raw = (FIXTURES / "lines.csv").read_bytes()

    first = transform(raw, "csv", None, ctx, batch_id="B-1", pseudonym_key=KEY)
    loaded = load_lines(engine, first.fact, "B-1", NOW)
    assert (loaded.inserted, loaded.updated, loaded.duplicates) == (6, 0, 0)
    summaries.refresh(engine, loaded.touched)

    again = transform(raw, "csv", None, ctx, batch_id="B-2", pseudonym_key=KEY)
    reloaded = load_lines(engine, again.fact, "B-2", NOW)
    assert (reloaded.inserted, reloaded.updated, reloaded.duplicates) == (0, 0, 6)

    corrected = raw.replace(
        b"T-1004,1,S-002,2026-03-16T20:15:00,SKU-2,Coca-Cola 330ml,Coca-Cola,Beverages,6,",
        b"T-1004,1,S-002,2026-03-16T20:15:00,SKU-2,Coca-Cola 330ml,Coca-Cola,Beverages,5,",
    )
    assert corrected != raw
    third = transform(corrected, "csv", None, ctx, batch_id="B-3", pseudonym_key=KEY)
    changed = load_lines(engine, third.fact, "B-3", NOW)
    assert (changed.inserted, changed.updated, changed.duplicates) == (0, 1, 5)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(fact_sales_line)) == 6
        assert (
            conn.scalar(
                select(fact_sales_line.c.quantity).where(fact_sales_line.c.transaction_id == "T-1004")
            )
            == 5
        )
        history = conn.execute(
            select(fact_sales_line_history.c.quantity, fact_sales_line_history.c.replaced_by_batch)
        ).all()
        assert [tuple(h) for h in history] == [(6, "B-3")]
        stored = pd.DataFrame(conn.execute(select(fact_sales_line)).mappings().all())
    assert not stored.astype(str).apply(lambda c: c.str.contains("C-77")).any().any()  # pseudonymised


def test_scope_refuses_another_vendors_store(ctx):
    raw = (FIXTURES / "lines.csv").read_bytes().replace(b"S-002", b"S-003")
    result = transform(raw, "csv", None, replace(ctx, vendor_id="acme"), batch_id="B-4", pseudonym_key=KEY)
    assert set(result.rejects["code"]) == {"store_out_of_scope"}
    assert result.counts["rejected"] == 2
