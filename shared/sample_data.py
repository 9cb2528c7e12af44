"""Seeded generator of realistic Philippine retail POS data (vectorised numpy).

Stores spread over Philippine regions, products of real-world grocery / sari-sari brands,
customers with age, gender and loyalty tier who come back, baskets of a few lines, weekly
and payday (15th and 30th) peaks, morning / noon / evening hours, cash and e-wallets.

    python -m shared.sample_data --stores 50 --days 90 --out DIR

writes ``vendors.csv``, ``stores.csv``, ``products.csv``, ``category_map.csv`` and
``lines.csv`` (canonical columns) to DIR.
"""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from shared.etl.timestamps import iso_text
from shared.schema import CANONICAL_COLUMNS, DEFAULT_TIMEZONE

# region, province, city, lat, lon
PLACES: tuple[tuple[str, str, str, float, float], ...] = (
    ("NCR", "Metro Manila", "Quezon City", 14.676, 121.044),
    ("NCR", "Metro Manila", "Manila", 14.599, 120.984),
    ("NCR", "Metro Manila", "Makati", 14.555, 121.024),
    ("NCR", "Metro Manila", "Pasig", 14.576, 121.085),
    ("NCR", "Metro Manila", "Taguig", 14.520, 121.053),
    ("NCR", "Metro Manila", "Caloocan", 14.650, 120.967),
    ("CALABARZON", "Cavite", "Bacoor", 14.459, 120.930),
    ("CALABARZON", "Cavite", "Dasmariñas", 14.329, 120.936),
    ("CALABARZON", "Laguna", "Santa Rosa", 14.312, 121.111),
    ("CALABARZON", "Laguna", "Calamba", 14.212, 121.165),
    ("CALABARZON", "Batangas", "Batangas City", 13.757, 121.058),
    ("CALABARZON", "Rizal", "Antipolo", 14.586, 121.176),
    ("Central Luzon", "Pampanga", "San Fernando", 15.034, 120.684),
    ("Central Luzon", "Pampanga", "Angeles", 15.145, 120.584),
    ("Central Luzon", "Bulacan", "Malolos", 14.843, 120.811),
    ("Central Luzon", "Nueva Ecija", "Cabanatuan", 15.486, 120.967),
    ("Central Visayas", "Cebu", "Cebu City", 10.316, 123.885),
    ("Central Visayas", "Cebu", "Mandaue", 10.324, 123.922),
    ("Central Visayas", "Cebu", "Lapu-Lapu", 10.310, 123.949),
    ("Central Visayas", "Bohol", "Tagbilaran", 9.648, 123.855),
    ("Western Visayas", "Iloilo", "Iloilo City", 10.720, 122.562),
    ("Western Visayas", "Negros Occidental", "Bacolod", 10.676, 122.951),
    ("Davao Region", "Davao del Sur", "Davao City", 7.190, 125.455),
    ("Davao Region", "Davao del Norte", "Tagum", 7.448, 125.808),
    ("Northern Mindanao", "Misamis Oriental", "Cagayan de Oro", 8.454, 124.632),
    ("Ilocos Region", "Pangasinan", "Dagupan", 16.043, 120.334),
    ("Ilocos Region", "Ilocos Norte", "Laoag", 18.198, 120.594),
    ("Cordillera", "Benguet", "Baguio", 16.402, 120.596),
    ("Bicol Region", "Albay", "Legazpi", 13.139, 123.734),
    ("Eastern Visayas", "Leyte", "Tacloban", 11.244, 125.004),
    ("Soccsksargen", "South Cotabato", "General Santos", 6.113, 125.172),
    ("Zamboanga Peninsula", "Zamboanga del Sur", "Zamboanga City", 6.910, 122.074),
)
# Where stores are: weight of each place (Metro Manila and the big cities get more).
_PLACE_WEIGHTS = np.array(
    [6, 5, 4, 4, 4, 4, 3, 3, 3, 3, 2, 3, 3, 2, 2, 2, 4, 2, 2, 1, 2, 2, 4, 1, 2, 1, 1, 1, 1, 1, 1, 1]
)
VENDORS: tuple[tuple[str, str], ...] = (
    ("tindahan-pos", "Tindahan POS Inc."),
    ("suki-systems", "Suki Systems"),
    ("palengke-tech", "Palengke Tech"),
)
STORE_FORMATS = ("Sari-Sari", "Grocery", "Convenience")

# category -> (price range PHP, brands, product kinds, vendor's own category name)
CATALOG: dict[str, tuple[tuple[float, float], tuple[str, ...], tuple[str, ...], str]] = {
    "Beverages": (
        (12, 95),
        ("Coca-Cola", "Pepsi", "C2", "Zesto", "Nestea", "Del Monte"),
        ("Soda 330ml", "Soda 1.5L", "Iced Tea 500ml", "Juice Drink 250ml"),
        "DRINKS",
    ),
    "Coffee": (
        (7, 180),
        ("Nescafé", "Kopiko", "Great Taste", "San Mig Coffee"),
        ("3-in-1 Sachet", "Classic Jar 100g", "Twin Pack"),
        "COFFEE/TEA",
    ),
    "Snacks": (
        (8, 65),
        ("Jack 'n Jill", "Oishi", "Piattos", "Boy Bawang", "Rebisco", "Skyflakes"),
        ("Chips 40g", "Crackers 10s", "Cornick 100g", "Biscuits"),
        "SNACKS",
    ),
    "Instant Noodles": (
        (9, 40),
        ("Lucky Me!", "Payless", "Nissin"),
        ("Pancit Canton", "Beef Mami", "Cup Noodles"),
        "NOODLES",
    ),
    "Canned Goods": (
        (22, 120),
        ("Century Tuna", "Argentina", "555", "Ligo", "Purefoods"),
        ("Tuna Flakes 155g", "Corned Beef 150g", "Sardines 155g", "Meat Loaf"),
        "CANNED",
    ),
    "Dairy": (
        (15, 260),
        ("Alaska", "Bear Brand", "Nestlé", "Magnolia"),
        ("Evaporada 370ml", "Powdered Milk 300g", "Fresh Milk 1L", "Cheese 165g"),
        "MILK",
    ),
    "Bakery": ((10, 85), ("Gardenia", "Marby", "Julie's"), ("Loaf", "Pandesal 10s", "Ensaymada"), "BREAD"),
    "Condiments": (
        (12, 75),
        ("Datu Puti", "Silver Swan", "UFC", "Mama Sita's"),
        ("Soy Sauce 350ml", "Vinegar 1L", "Banana Ketchup", "Oyster Sauce"),
        "CONDIMENTS",
    ),
    "Rice & Grains": ((48, 320), ("Sinandomeng", "Dinorado", "Jasmine"), ("Rice 1kg", "Rice 5kg"), "RICE"),
    "Personal Care": (
        (8, 210),
        ("Safeguard", "Palmolive", "Colgate", "Head & Shoulders", "Cream Silk"),
        ("Soap 60g", "Shampoo Sachet", "Toothpaste 100ml", "Conditioner 180ml"),
        "HBA",
    ),
    "Household": (
        (10, 240),
        ("Surf", "Tide", "Ariel", "Joy", "Zonrox"),
        ("Powder 70g", "Bar 380g", "Dishwashing 250ml", "Bleach 1L"),
        "HOUSEHOLD",
    ),
    "Alcohol": (
        (38, 160),
        ("San Miguel", "Red Horse", "Tanduay", "Emperador"),
        ("Beer 330ml", "Rum 375ml"),
        "LIQUOR",
    ),
}
PAYMENT_MIX = {
    "cash": 0.55,
    "gcash": 0.19,
    "maya": 0.07,
    "debit_card": 0.05,
    "credit_card": 0.04,
    "card": 0.02,
    "qrph": 0.03,
    "grabpay": 0.02,
    "shopeepay": 0.02,
    "other": 0.01,
}
# Share of a day's transactions in each local hour 0..23: opening, lunch and evening peaks.
_HOURLY = np.array([0.2, 0.1, 0.05, 0.05, 0.1, 0.5, 2.5, 4.5, 5.0, 4.0, 4.2, 5.5,
                    7.0, 6.0, 4.5, 4.5, 5.5, 7.5, 9.0, 8.5, 6.5, 4.5, 2.5, 1.0])  # fmt: skip
_HOURLY = _HOURLY / _HOURLY.sum()
_WEEKDAY = np.array([0.92, 0.9, 0.93, 0.95, 1.08, 1.22, 1.12])  # Monday .. Sunday
CUSTOMERS_PER_STORE = 400
MEMBER_SHARE = 0.55  # transactions with a known (loyalty) customer


@dataclass(frozen=True)
class SampleDimensions:
    vendors: pd.DataFrame  # vendor_id, name
    stores: pd.DataFrame  # StoreIn columns
    products: pd.DataFrame  # ProductIn columns
    category_map: pd.DataFrame  # vendor_id, source_category, category


def generate_dimensions(seed: int, n_stores: int = 50, n_products: int = 300) -> SampleDimensions:
    rng = np.random.default_rng(seed)
    vendors = pd.DataFrame(VENDORS, columns=["vendor_id", "name"])

    place = rng.choice(len(PLACES), size=n_stores, p=_PLACE_WEIGHTS / _PLACE_WEIGHTS.sum())
    fmt = rng.integers(0, len(STORE_FORMATS), size=n_stores)
    places = [PLACES[i] for i in place]
    region_codes = ["".join(w[0] for w in p[0].split()).upper()[:4] for p in places]
    stores = pd.DataFrame(
        {
            "store_id": [f"{code}-{i + 1:03d}" for i, code in enumerate(region_codes)],
            "vendor_id": [VENDORS[i % len(VENDORS)][0] for i in range(n_stores)],
            "name": [
                f"{p[2]} {STORE_FORMATS[f]} #{i + 1}"
                for i, (p, f) in enumerate(zip(places, fmt, strict=True))
            ],
            "region": [p[0] for p in places],
            "province": [p[1] for p in places],
            "city": [p[2] for p in places],
            "lat": np.round([p[3] for p in places] + rng.normal(0, 0.02, n_stores), 5),
            "lon": np.round([p[4] for p in places] + rng.normal(0, 0.02, n_stores), 5),
            "timezone": DEFAULT_TIMEZONE,
            "opened_on": [
                str(date(2015, 1, 1) + pd.Timedelta(days=int(d))) for d in rng.integers(0, 3000, n_stores)
            ],
        }
    )

    categories = list(CATALOG)
    cat = rng.integers(0, len(categories), size=n_products)
    rows = []
    for i, c in enumerate(cat):
        (low, high), brands, kinds, _source = CATALOG[categories[c]]
        brand = brands[rng.integers(len(brands))]
        kind = kinds[rng.integers(len(kinds))]
        price = float(np.round(rng.uniform(low, high), 0)) - 0.25 * int(rng.integers(0, 2))
        cost = round(price * float(rng.uniform(0.68, 0.88)), 2)
        rows.append((f"SKU-{i + 1:05d}", f"{brand} {kind}", brand, categories[c], cost, price))
    products = pd.DataFrame(
        rows, columns=["sku", "product_name", "brand", "category", "unit_cost", "list_price"]
    )
    category_map = pd.DataFrame(
        [(v, CATALOG[c][3], c) for v, _name in VENDORS for c in CATALOG],
        columns=["vendor_id", "source_category", "category"],
    )
    return SampleDimensions(vendors=vendors, stores=stores, products=products, category_map=category_map)


def generate_lines(
    seed: int,
    stores: pd.DataFrame,
    products: pd.DataFrame,
    start: date,
    days: int,
    lines_per_store_day: int = 300,
) -> pd.DataFrame:
    """Canonical lines (``timestamp`` tz-aware, store-local) for every store and day, grouped by
    store and day, the lines of a transaction together. Prices are ``products.list_price`` (else
    cost plus a typical markup)."""
    rng = np.random.default_rng(seed)
    n_stores = len(stores)
    day_index = pd.date_range(start, periods=days, freq="D")
    store_scale = rng.lognormal(0, 0.35, n_stores)
    weekday = _WEEKDAY[day_index.day_of_week]
    dom = day_index.day.to_numpy()
    payday = np.where(np.isin(dom, (15, 30)) | (day_index.is_month_end & (dom < 30)), 1.35, 1.0)
    payday = np.where(np.isin(dom, (16, 1, 31)), np.maximum(payday, 1.12), payday)
    mean_basket = 2.8
    expected = lines_per_store_day / mean_basket * np.outer(store_scale, weekday * payday)
    per_store_day = rng.poisson(expected).ravel()  # transactions per (store, day)

    n_tx = int(per_store_day.sum())
    tx_store = np.repeat(np.repeat(np.arange(n_stores), days), per_store_day)
    tx_day = np.repeat(np.tile(np.arange(days), n_stores), per_store_day)
    tx_seq = np.arange(n_tx) - np.repeat(np.cumsum(per_store_day) - per_store_day, per_store_day)
    seconds = rng.choice(24, size=n_tx, p=_HOURLY) * 3600 + rng.integers(0, 3600, n_tx)
    tx_lines = 1 + rng.poisson(mean_basket - 1, n_tx)
    member = rng.random(n_tx) < MEMBER_SHARE
    customer = rng.zipf(1.6, n_tx) % CUSTOMERS_PER_STORE
    payment = rng.choice(list(PAYMENT_MIX), size=n_tx, p=np.array(list(PAYMENT_MIX.values())))

    n = int(tx_lines.sum())
    tx = np.repeat(np.arange(n_tx), tx_lines)
    line_number = np.arange(n) - np.repeat(np.cumsum(tx_lines) - tx_lines, tx_lines) + 1
    popularity = 1.0 / np.arange(1, len(products) + 1) ** 0.9
    product = rng.permutation(len(products))[
        rng.choice(len(products), size=n, p=popularity / popularity.sum())
    ]
    quantity = np.minimum(rng.geometric(0.62, n), 24).astype(np.float64)
    list_price = (
        products["list_price"] if "list_price" in products else (products["unit_cost"] / 0.78).round(2)
    )
    prices = list_price.to_numpy(dtype=np.float64)[product]
    discounted = rng.random(n) < 0.08
    discount = np.where(discounted, np.round(quantity * prices * rng.choice([0.05, 0.1, 0.2], n), 2), 0.0)

    store_ids = stores["store_id"].to_numpy()
    day_text = pd.Index(day_index.strftime("%Y%m%d"))
    tx_id = (
        pd.Series(store_ids[tx_store[tx]], dtype="str")
        + "-"
        + pd.Series(day_text[tx_day[tx]], dtype="str")
        + "-"
        + pd.Series(tx_seq[tx] + 1).astype("str").str.zfill(5)
    )
    wall = day_index.to_numpy()[tx_day[tx]] + (seconds[tx] * 1_000_000).astype("timedelta64[us]")
    timestamp = pd.Series(wall).dt.tz_localize(DEFAULT_TIMEZONE)

    cust_global = tx_store * CUSTOMERS_PER_STORE + customer
    age, gender, tier = _customer_profiles(seed, n_stores * CUSTOMERS_PER_STORE)
    cust = cust_global[tx]
    known = member[tx]
    customer_id = (
        pd.Series("CUST-", index=range(n), dtype="str") + pd.Series(cust).astype("str").str.zfill(7)
    ).where(known)
    prod = products.iloc[product]
    out = pd.DataFrame(
        {
            "transaction_id": tx_id,
            "line_number": line_number.astype(np.int64),
            "store_id": pd.Series(store_ids[tx_store[tx]], dtype="str"),
            "timestamp": timestamp,
            "sku": prod["sku"].to_numpy(),
            "product_name": prod["product_name"].to_numpy(),
            "brand": prod["brand"].to_numpy(),
            "category": prod["category"].to_numpy(),
            "quantity": quantity,
            "unit_price": prices,
            "discount": discount,
            "payment_method": pd.Series(payment[tx], dtype="str"),
            "customer_id": customer_id,
            "age": np.where(known, age[cust], np.nan),
            "gender": pd.Series(gender[cust], dtype="str").where(known),
            "loyalty_tier": pd.Series(tier[cust], dtype="str").where(known),
            "currency": "PHP",
        }
    )
    return out[list(CANONICAL_COLUMNS)]


def _customer_profiles(seed: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed + 7919)
    age = np.clip(np.round(rng.normal(36, 13, n)), 15, 85)
    gender = rng.choice(np.array(["female", "male", "other"]), size=n, p=[0.56, 0.42, 0.02])
    tier = rng.choice(np.array(["basic", "silver", "gold", "platinum"]), size=n, p=[0.55, 0.27, 0.14, 0.04])
    return age, gender, tier


def iter_batches(df: pd.DataFrame, lines_per_batch: int) -> Iterator[list[dict[str, Any]]]:
    """JSON-ready lists of about ``lines_per_batch`` lines; a transaction is never split."""
    if lines_per_batch < 1:
        raise ValueError("lines_per_batch must be positive")
    tx = df["transaction_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, tx[1:] != tx[:-1]])
    cut = 0
    while cut < len(df):
        nxt = (
            starts[np.searchsorted(starts, cut + lines_per_batch)]
            if cut + lines_per_batch < len(df)
            else len(df)
        )
        nxt = nxt if nxt > cut else min(len(df), cut + lines_per_batch)
        yield _json_records(df.iloc[cut:nxt])
        cut = nxt


def _json_records(part: pd.DataFrame) -> list[dict[str, Any]]:
    records = json.loads(part.to_json(orient="records", date_format="iso", date_unit="s"))
    return [{k: v for k, v in r.items() if v is not None} for r in records]


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Canonical lines as CSV, timestamps ISO 8601 with their offset."""
    text = df.assign(timestamp=iso_text(df["timestamp"]))
    buffer = io.BytesIO()
    pacsv.write_csv(pa.Table.from_pandas(text, preserve_index=False), buffer)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.sample_data", description=__doc__.split("\n")[0])
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--lines-per-store-day", type=int, default=300)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    dims = generate_dimensions(args.seed, args.stores)
    lines = generate_lines(
        args.seed, dims.stores, dims.products, args.start, args.days, args.lines_per_store_day
    )
    args.out.mkdir(parents=True, exist_ok=True)
    dims.vendors.to_csv(args.out / "vendors.csv", index=False)
    dims.stores.to_csv(args.out / "stores.csv", index=False)
    dims.products.drop(columns=["list_price"]).to_csv(args.out / "products.csv", index=False)
    dims.category_map.to_csv(args.out / "category_map.csv", index=False)
    (args.out / "lines.csv").write_bytes(to_csv_bytes(lines))
    print(f"{len(dims.stores)} stores, {len(dims.products)} products, {len(lines)} lines -> {args.out}")


if __name__ == "__main__":
    main()
