"""Enrich: cleaned canonical lines -> fact rows with exactly ``FACT_COLUMN_NAMES``.

Joins the store (vendor, time zone) and product (name, brand, category, unit cost) dimensions,
maps vendor categories onto Scout's, derives amounts, store-local calendar fields, basket
figures, the pseudonymous customer key and age band, and the content hash.

- Product attributes come from ``dim_product`` when the SKU is known, else from the line
  (category through the vendor's ``category_mapping``), else placeholders.
- ``basket_size`` / ``basket_lines`` count the transaction's lines in this batch.
- ``content_hash`` covers the line as sent (canonical fields, customer pseudonymised), so a
  re-sent line hashes the same whatever else the batch holds or the dimensions say.
- ``ts_utc`` and ``loaded_at`` are naive UTC; ``local_date`` is a naive midnight timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from shared.auth.privacy import pseudonymise
from shared.db.tables import FACT_COLUMN_NAMES
from shared.etl.columns import codes, lookup, positions, take
from shared.etl.hashing import row_hash_hex
from shared.schema import DEFAULT_TIMEZONE

UNKNOWN_VENDOR = "unknown"
UNKNOWN_BRAND = "Unknown"
UNCATEGORIZED = "Uncategorized"
AGE_BANDS = ("<18", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_AGE_EDGES = (-np.inf, 18, 25, 35, 45, 55, 65, np.inf)


def enrich(
    df: pd.DataFrame,
    stores: pd.DataFrame,
    products: pd.DataFrame,
    category_map: pd.DataFrame,
    pseudonym_key: bytes,
    batch_id: str,
    now: datetime,
    *,
    default_vendor_id: str = UNKNOWN_VENDOR,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> pd.DataFrame:
    store = stores.drop_duplicates("store_id")
    at_store = positions(df["store_id"], store["store_id"])
    vendor = take(store["vendor_id"], at_store, df.index).fillna(default_vendor_id)
    zone = take(store["timezone"], at_store, df.index).fillna(default_timezone)

    product = products.drop_duplicates("sku")
    at_product = positions(df["sku"], product["sku"])
    known = pd.Series(pc.is_valid(at_product).to_numpy(zero_copy_only=False), index=df.index)
    mapped = _mapped_categories(df["category"], vendor, category_map)
    name = take(product["product_name"], at_product, df.index).where(known, df["product_name"])
    brand = take(product["brand"], at_product, df.index).where(known, df["brand"])
    category = take(product["category"], at_product, df.index).where(known, mapped)
    unit_cost = pd.to_numeric(take(product["unit_cost"], at_product, df.index), errors="coerce")

    quantity, price, discount = df["quantity"], df["unit_price"], df["discount"]
    gross = quantity * price
    net = gross - discount
    ts = df["timestamp"]
    local_date, local_hour, weekday = _local_calendar(ts, zone)
    transaction = codes(df["transaction_id"])[0]
    units_per_transaction = np.bincount(transaction, weights=quantity.to_numpy())
    lines_per_transaction = np.bincount(transaction)

    out = pd.DataFrame(
        {
            "transaction_id": df["transaction_id"],
            "line_number": df["line_number"].astype("int64"),
            "store_id": df["store_id"],
            "vendor_id": vendor,
            "ts_utc": ts.dt.tz_convert(UTC).dt.tz_localize(None),
            "local_date": local_date,
            "local_hour": local_hour,
            "weekday": weekday,
            "sku": df["sku"],
            "product_name": name.fillna(df["sku"]),
            "brand": brand.fillna(UNKNOWN_BRAND),
            "category": category.fillna(UNCATEGORIZED),
            "quantity": quantity,
            "unit_price": price,
            "discount": discount,
            "gross_amount": gross.round(4),
            "net_amount": net.round(4),
            "unit_cost": unit_cost.astype("float64"),
            "margin": (net - quantity * unit_cost).round(4),
            "payment_method": df["payment_method"],
            "customer_key": _customer_keys(df["customer_id"], pseudonym_key),
            "age_band": _age_bands(df["age"]),
            "gender": df["gender"],
            "loyalty_tier": df["loyalty_tier"],
            "currency": df["currency"],
            "basket_size": units_per_transaction[transaction],
            "basket_lines": lines_per_transaction[transaction],
            "is_outlier": df["is_outlier"].astype(bool),
        }
    )
    out["content_hash"] = content_hash(out, df)
    out["batch_id"] = batch_id
    out["loaded_at"] = pd.Timestamp(now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now)
    return out[list(FACT_COLUMN_NAMES)]


def content_hash(fact: pd.DataFrame, line: pd.DataFrame) -> pd.Series:
    """Digest of the line as sent: the fact's keys and amounts, but the line's own product
    fields and age, not what the dimensions made of them."""
    content = pd.DataFrame(
        {
            "transaction_id": fact["transaction_id"],
            "line_number": fact["line_number"],
            "store_id": fact["store_id"],
            "ts_utc": fact["ts_utc"],
            "sku": fact["sku"],
            "product_name": line["product_name"],
            "brand": line["brand"],
            "category": line["category"],
            "quantity": fact["quantity"],
            "unit_price": fact["unit_price"],
            "discount": fact["discount"],
            "payment_method": fact["payment_method"],
            "customer_key": fact["customer_key"],
            "age": line["age"],
            "gender": fact["gender"],
            "loyalty_tier": fact["loyalty_tier"],
            "currency": fact["currency"],
        }
    )
    return row_hash_hex(content, list(content.columns))


def _customer_keys(customer_id: pd.Series, key: bytes) -> pd.Series:
    # HMAC each distinct id once, then spread the keys over the lines.
    position, distinct = codes(customer_id)
    if len(distinct) == 0:  # walk-in sales only: no customer to key
        return pd.Series([None] * len(customer_id), index=customer_id.index, dtype="str")
    keys = pseudonymise(pd.Series(distinct.to_pandas().array), key).astype("str")
    spread = pd.Series(keys.to_numpy()[position], index=customer_id.index, dtype="str")
    return spread.where(position >= 0)


def _mapped_categories(source: pd.Series, vendor: pd.Series, category_map: pd.DataFrame) -> pd.Series:
    if category_map.empty:
        return source
    table = category_map.drop_duplicates(["vendor_id", "source_category"])
    table_keys = table["vendor_id"].astype("str") + "\x1f" + table["source_category"].astype("str")
    return lookup(vendor + "\x1f" + source, table_keys, table["category"]).fillna(source)


def _local_calendar(ts: pd.Series, zone: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Store-local date (naive midnight), hour and weekday (0 = Monday), one zone at a time."""
    zones = pd.unique(zone)
    if len(zones) == 1:
        wall = ts.dt.tz_convert(zones[0]).dt.tz_localize(None).astype("datetime64[us]")
    else:
        wall = pd.Series(pd.NaT, index=ts.index, dtype="datetime64[us]")
        for name in zones:
            sel = (zone == name).to_numpy()
            wall[sel] = ts[sel].dt.tz_convert(name).dt.tz_localize(None).astype("datetime64[us]")
    return wall.dt.normalize(), wall.dt.hour.astype("int64"), wall.dt.day_of_week.astype("int64")


def _age_bands(age: pd.Series) -> pd.Series:
    bands = pd.cut(age, bins=_AGE_EDGES, labels=AGE_BANDS, right=False)
    return bands.astype("str")
