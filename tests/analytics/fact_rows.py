"""Seeded, vectorised generator of enriched fact lines and their store/product dimensions.

The analytics tests and ``bench/api.py`` load these rows straight into ``fact_sales_line`` (the
ETL is tested on its own), then compare the API with pandas over the same frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert

from shared.analytics import summaries
from shared.db.engine import dispose_engines, get_engine, migrate
from shared.db.tables import FACT_COLUMN_NAMES, dim_product, dim_store, dim_vendor, fact_sales_line
from tests.support.host import LocalHost
from tests.support.tokens import sql_url_for

REGIONS = (
    ("NCR", "Metro Manila", ("Makati", "Quezon City", "Pasig", "Manila"), 14.6, 121.0),
    ("CAR", "Benguet", ("Baguio", "La Trinidad"), 16.4, 120.6),
    ("Region I", "Pangasinan", ("Dagupan", "Urdaneta"), 16.0, 120.3),
    ("Region III", "Pampanga", ("San Fernando", "Angeles"), 15.0, 120.7),
    ("Region IV-A", "Cavite", ("Bacoor", "Dasmarinas", "Imus"), 14.4, 120.9),
    ("Region VI", "Iloilo", ("Iloilo City", "Passi"), 10.7, 122.6),
    ("Region VII", "Cebu", ("Cebu City", "Mandaue", "Lapu-Lapu"), 10.3, 123.9),
    ("Region XI", "Davao del Sur", ("Davao City", "Digos"), 7.1, 125.6),
)
CATEGORIES = (
    "Beverages",
    "Snacks",
    "Personal Care",
    "Household",
    "Canned Goods",
    "Dairy",
    "Tobacco",
    "Noodles",
)
PAYMENTS = ("cash", "gcash", "maya", "credit_card", "debit_card", "qrph")
AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55+")
GENDERS = ("female", "male", "other")
TIERS = ("none", "silver", "gold", "platinum")


def dimensions(n_stores: int, n_skus: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    region_index = rng.integers(0, len(REGIONS), n_stores)
    stores = pd.DataFrame(
        {
            "store_id": [f"S{i:04d}" for i in range(n_stores)],
            "vendor_id": "vendor-a",
            "name": [f"Store {i}" for i in range(n_stores)],
            "region": [REGIONS[r][0] for r in region_index],
            "province": [REGIONS[r][1] for r in region_index],
            "city": [REGIONS[r][2][i % len(REGIONS[r][2])] for i, r in enumerate(region_index)],
            "lat": [REGIONS[r][3] + rng.normal(0, 0.05) for r in region_index],
            "lon": [REGIONS[r][4] + rng.normal(0, 0.05) for r in region_index],
            "timezone": "Asia/Manila",
        }
    )
    n_brands = max(2, n_skus // 4)
    brand_category = rng.integers(0, len(CATEGORIES), n_brands)
    sku_brand = np.arange(n_skus) % n_brands
    products = pd.DataFrame(
        {
            "sku": [f"SKU-{i:05d}" for i in range(n_skus)],
            "product_name": [f"Product {i}" for i in range(n_skus)],
            "brand": [f"Brand {b:03d}" for b in sku_brand],
            "category": [CATEGORIES[brand_category[b]] for b in sku_brand],
            "unit_price": np.round(rng.lognormal(3.5, 0.8, n_skus), 2),
        }
    )
    return stores, products


def lines(
    stores: pd.DataFrame,
    products: pd.DataFrame,
    start: date,
    days: int,
    transactions_per_store_day: float,
    seed: int,
    *,
    silent_stores: int = 1,
) -> pd.DataFrame:
    """Enriched fact lines; the last ``silent_stores`` stores never sell anything."""
    rng = np.random.default_rng(seed + 1)
    active = stores.iloc[: len(stores) - silent_stores]
    pool = max(5, int(transactions_per_store_day * 4))  # each store's regular customers
    n_customers = len(active) * pool
    # a customer's profile follows from their number, so every chunk of a large load agrees on it
    numbers = np.arange(n_customers)
    cust_age = numbers % len(AGE_BANDS)
    cust_gender = (numbers // len(AGE_BANDS)) % len(GENDERS)
    cust_tier = (numbers // (len(AGE_BANDS) * len(GENDERS))) % len(TIERS)

    store_day = rng.poisson(transactions_per_store_day, (len(active), days))
    n_tx = int(store_day.sum())
    tx_store = np.repeat(np.tile(np.arange(len(active))[:, None], (1, days)).ravel(), store_day.ravel())
    tx_day = np.repeat(np.tile(np.arange(days)[None, :], (len(active), 1)).ravel(), store_day.ravel())
    tx_hour = np.clip(np.round(rng.normal(14, 3.5, n_tx)), 6, 22).astype(int)
    tx_lines = rng.integers(1, 6, n_tx)
    tx_payment = rng.integers(0, len(PAYMENTS), n_tx)
    regular = tx_store * pool + rng.integers(0, pool, n_tx)
    tx_customer = np.where(rng.random(n_tx) < 0.6, regular, -1)

    n = int(tx_lines.sum())
    tx_of_line = np.repeat(np.arange(n_tx), tx_lines)
    first_line = np.repeat(np.cumsum(tx_lines) - tx_lines, tx_lines)
    line_number = np.arange(n) - first_line + 1
    popularity = rng.zipf(1.6, len(products)).astype(float)
    sku_index = rng.choice(len(products), n, p=popularity / popularity.sum())
    quantity = rng.integers(1, 4, n).astype(float)
    unit_price = products["unit_price"].to_numpy()[sku_index]
    gross = np.round(quantity * unit_price, 2)
    discount = np.where(rng.random(n) < 0.15, np.round(gross * 0.1, 2), 0.0)
    net = gross - discount
    basket_size = np.bincount(tx_of_line, weights=quantity)[tx_of_line]

    day0 = np.datetime64(start)
    local_day = day0 + tx_day[tx_of_line].astype("timedelta64[D]")
    hour = tx_hour[tx_of_line]
    ts_local = local_day.astype("datetime64[s]") + (hour * 3600 + 600).astype("timedelta64[s]")
    customer = tx_customer[tx_of_line]
    identified = customer >= 0
    local_dates = pd.to_datetime(local_day)

    def pick(values: tuple[str, ...], index: np.ndarray) -> np.ndarray:
        out = np.asarray(values, dtype=object)[np.where(identified, index, 0)]
        out[~identified] = None
        return out

    store_ids = active["store_id"].to_numpy()[tx_store[tx_of_line]]
    frame = pd.DataFrame(
        {
            "transaction_id": np.char.add(f"T{seed:04d}-", np.char.zfill(tx_of_line.astype(str), 9)),
            "line_number": line_number,
            "store_id": store_ids,
            "vendor_id": "vendor-a",
            "ts_utc": pd.to_datetime(ts_local - np.timedelta64(8, "h")),
            "local_date": local_dates.date,
            "local_hour": hour,
            "weekday": local_dates.day_of_week,
            "sku": products["sku"].to_numpy()[sku_index],
            "product_name": products["product_name"].to_numpy()[sku_index],
            "brand": products["brand"].to_numpy()[sku_index],
            "category": products["category"].to_numpy()[sku_index],
            "quantity": quantity,
            "unit_price": unit_price,
            "discount": discount,
            "gross_amount": gross,
            "net_amount": net,
            "unit_cost": None,
            "margin": None,
            "payment_method": np.asarray(PAYMENTS, dtype=object)[tx_payment[tx_of_line]],
            "customer_key": np.where(identified, np.char.add("C", customer.astype(str)), None),
            "age_band": pick(AGE_BANDS, cust_age[np.maximum(customer, 0)]),
            "gender": pick(GENDERS, cust_gender[np.maximum(customer, 0)]),
            "loyalty_tier": pick(TIERS, cust_tier[np.maximum(customer, 0)]),
            "currency": "PHP",
            "basket_size": basket_size,
            "basket_lines": tx_lines[tx_of_line],
            "is_outlier": False,
            "content_hash": "0" * 32,
            "batch_id": f"seed-{seed}",
            "loaded_at": datetime(2026, 1, 1),
        }
    )
    return frame[list(FACT_COLUMN_NAMES)]


def load_dimensions(engine: Engine, stores: pd.DataFrame, products: pd.DataFrame) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dim_vendor),
            [{"vendor_id": "vendor-a", "name": "Vendor A", "created_at": datetime(2026, 1, 1)}],
        )
        conn.execute(insert(dim_store), stores.to_dict("records"))
        conn.execute(
            insert(dim_product),
            products.drop(columns="unit_price").assign(unit_cost=None).to_dict("records"),
        )


def load_summarised(
    engine: Engine, stores: pd.DataFrame, products: pd.DataFrame, lines: pd.DataFrame
) -> None:
    """Dimensions and lines loaded, then every summary built from them."""
    load_dimensions(engine, stores, products)
    load_lines(engine, lines)
    summaries.rebuild_all(engine)


@contextmanager
def serving(
    data_dir: Path, stores: pd.DataFrame, products: pd.DataFrame, lines: pd.DataFrame
) -> Iterator[LocalHost]:
    """A real local host (no rate limit to speak of) over a database holding these lines."""
    host = LocalHost(
        data_dir, env={"SCOUT_RATE_LIMIT_PER_MINUTE": "100000", "SCOUT_RATE_LIMIT_BURST": "100000"}
    )
    engine = get_engine(sql_url_for(host))
    migrate(engine)
    load_summarised(engine, stores, products, lines)
    dispose_engines()  # the host takes the database over
    host.start()
    try:
        yield host
    finally:
        host.stop()


def load_lines(engine: Engine, frame: pd.DataFrame) -> None:
    """Insert fact lines: raw ``executemany`` on SQLite (fast), SQLAlchemy Core elsewhere."""
    if engine.dialect.name == "sqlite":
        _load_sqlite(engine, frame)
        return
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    with engine.begin() as conn:
        for start in range(0, len(records), 20_000):
            conn.execute(insert(fact_sales_line), records[start : start + 20_000])


def _sqlite_column(frame: pd.DataFrame, name: str) -> list[object]:
    """One column as SQLite values in SQLAlchemy's storage formats (vectorised; missing -> None)."""
    column = frame[name]
    if name == "local_date":
        return np.datetime_as_string(pd.to_datetime(column).to_numpy(dtype="datetime64[D]")).tolist()
    if name == "ts_utc":
        text = np.datetime_as_string(column.to_numpy(dtype="datetime64[s]"))
        return np.char.add(np.char.replace(text, "T", " "), ".000000").tolist()
    if name == "loaded_at":
        return ["2026-01-01 00:00:00.000000"] * len(frame)
    if name == "is_outlier":
        return [0] * len(frame)
    values = column.astype(object).tolist()
    return [None if isinstance(v, float) and v != v else v for v in values] if column.isna().any() else values


def _load_sqlite(engine: Engine, frame: pd.DataFrame) -> None:
    names = ", ".join(FACT_COLUMN_NAMES)
    marks = ", ".join("?" for _ in FACT_COLUMN_NAMES)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.executemany(
            f"INSERT INTO fact_sales_line ({names}) VALUES ({marks})",  # noqa: S608 - fixed column names
            zip(*(_sqlite_column(frame, n) for n in FACT_COLUMN_NAMES), strict=True),
        )
        raw.commit()
    finally:
        raw.close()
