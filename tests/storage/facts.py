"""Enriched fact frames shaped as the enrich stage hands them to the load stage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd

from shared.db.tables import FACT_COLUMN_NAMES

LOADED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def fact_frame(transactions: int, lines_per_transaction: int = 3, *, batch_id: str = "b1", seed: int = 0,
               prefix: str = "T") -> pd.DataFrame:  # fmt: skip
    rng = np.random.default_rng(seed)
    n = transactions * lines_per_transaction
    tx = np.repeat(np.arange(transactions), lines_per_transaction)
    ts = pd.Timestamp("2026-02-01", tz="UTC") + pd.to_timedelta(tx * 37 % (86_400 * 5), unit="s")
    quantity = rng.integers(1, 5, n).astype(float)
    price = rng.integers(10, 500, n) / 4
    has_customer = rng.random(n) < 0.5
    frame = pd.DataFrame(
        {
            "transaction_id": [f"{prefix}{i:07d}" for i in tx],
            "line_number": np.tile(np.arange(1, lines_per_transaction + 1), transactions),
            "store_id": [f"S{i % 7:03d}" for i in tx],
            "vendor_id": "vendor-a",
            "ts_utc": ts,
            "local_date": (ts + timedelta(hours=8)).date,
            "local_hour": ((ts + timedelta(hours=8)).hour).astype("int16"),
            "weekday": ((ts + timedelta(hours=8)).day_of_week).astype("int16"),
            "sku": [f"SKU{i % 50:04d}" for i in range(n)],
            "product_name": "Item",
            "brand": "Brand",
            "category": "Snacks",
            "quantity": quantity,
            "unit_price": price,
            "discount": 0.0,
            "gross_amount": quantity * price,
            "net_amount": quantity * price,
            "unit_cost": np.where(rng.random(n) < 0.8, price * 0.6, np.nan),
            "margin": np.nan,
            "payment_method": "cash",
            "customer_key": np.where(has_customer, "c1", None),
            "age_band": None,
            "gender": None,
            "loyalty_tier": "",
            "currency": "PHP",
            "basket_size": float(lines_per_transaction),
            "basket_lines": lines_per_transaction,
            "is_outlier": rng.random(n) < 0.01,
            "content_hash": "",
            "batch_id": batch_id,
            "loaded_at": LOADED_AT,
        }
    )
    return rehash(frame)


def rehash(frame: pd.DataFrame) -> pd.DataFrame:
    """``content_hash`` over the line's content (not its batch), as the enrich stage defines it."""
    content = frame.drop(columns=["content_hash", "batch_id", "loaded_at"])
    frame = frame.copy()
    frame["content_hash"] = [f"{h:016x}{h:016x}" for h in pd.util.hash_pandas_object(content, index=False)]
    assert list(frame.columns) == list(FACT_COLUMN_NAMES)
    return frame


def as_of(frame: pd.DataFrame, batch_id: str) -> pd.DataFrame:
    return frame.assign(batch_id=batch_id, loaded_at=LOADED_AT + timedelta(days=1))


DAY = date(2026, 2, 1)
