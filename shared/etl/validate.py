"""Validate: text columns -> typed canonical columns, and a reason for every row refused.

Every rule is a vectorised mask over the whole batch; a row can fail several rules and each
failure is reported (``_row``, ``field``, ``code``, ``message``). To check codes the stage
trims text and normalises case (store ids and currency upper, payment method and gender
lower), so the valid frame carries those normalised values; ``clean`` does the rest.
Outliers are flagged in ``is_outlier``, never rejected.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shared.etl.columns import ascii_case, codes, iso_timestamps, lookup, too_long, trimmed_text
from shared.etl.context import ValidationContext
from shared.schema import (
    CANONICAL_COLUMNS,
    GENDERS,
    NUMERIC_COLUMNS,
    PAYMENT_METHODS,
    REQUIRED_COLUMNS,
    ROW_COLUMN,
    TEXT_COLUMNS,
)

REJECT_COLUMNS = (ROW_COLUMN, "field", "code", "message")
TEXT_LIMITS = {
    "transaction_id": 64,
    "store_id": 32,
    "sku": 64,
    "product_name": 200,
    "brand": 100,
    "category": 100,
    "customer_id": 128,
    "loyalty_tier": 32,
}
MAX_QUANTITY = 1_000_000
MAX_UNIT_PRICE = 10_000_000
MAX_LINE_NUMBER = 32_767
EARLIEST = pd.Timestamp("2000-01-01", tz="UTC")
GENDER_ALIASES = {"f": "female", "m": "male", "x": "other", **{g: g for g in GENDERS}}
# Robust z-score (0.6745 (x - median) / MAD) above which a line amount is unusual for its SKU.
OUTLIER_Z = 3.5
OUTLIER_MIN_LINES = 5  # per SKU, for the statistics to mean anything
_OFFSET = r"(?:[zZ]|[+-]\d\d(?::?\d\d)?)$"


class _Failures:
    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows
        self.any = np.zeros(len(rows), dtype=bool)
        self.parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray | pd.Series, field: str, code: str, message: str) -> None:
        hit = np.asarray(mask, dtype=bool)
        if not hit.any():
            return
        self.any |= hit
        rows = self.rows[hit]
        self.parts.append(pd.DataFrame({ROW_COLUMN: rows, "field": field, "code": code, "message": message}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == ROW_COLUMN else "str") for c in REJECT_COLUMNS}
            )
        return pd.concat(self.parts, ignore_index=True).sort_values(
            ROW_COLUMN, kind="stable", ignore_index=True
        )


def validate(df: pd.DataFrame, ctx: ValidationContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(valid, rejects)``: typed canonical rows plus ``is_outlier``, and one row per failure."""
    fail = _Failures(df[ROW_COLUMN].to_numpy(dtype=np.int64))
    cols: dict[str, pd.Series] = {}
    for name in TEXT_COLUMNS:
        text = _trimmed(df, name)
        limit = TEXT_LIMITS.get(name)
        if limit is not None:
            fail.add(too_long(text, limit), name, "too_long", f"{name} is longer than {limit} characters")
        cols[name] = text
    number_text = {name: _trimmed(df, name) for name in NUMERIC_COLUMNS}
    timestamp_text = _trimmed(df, "timestamp")
    sent = {**cols, **number_text, "timestamp": timestamp_text}
    for name in REQUIRED_COLUMNS:
        fail.add(sent[name].isna(), name, "missing_value", f"{name} is required")

    for name, text in number_text.items():
        number = _to_float(text)
        finite = np.isfinite(number)
        fail.add(text.notna() & ~finite, name, "invalid_number", f"{name} must be a number")
        cols[name] = pd.Series(np.where(finite, number, np.nan), index=df.index)
    _check_numbers(cols, fail)

    cols["store_id"] = ascii_case(cols["store_id"], upper=True)
    cols["currency"] = ascii_case(cols["currency"], upper=True)
    cols["payment_method"] = ascii_case(cols["payment_method"], upper=False)
    cols["loyalty_tier"] = ascii_case(cols["loyalty_tier"], upper=False)
    gender = ascii_case(cols["gender"], upper=False)
    aliases = pd.Series(GENDER_ALIASES)
    cols["gender"] = lookup(gender, aliases.index.to_series(), aliases)
    fail.add(
        cols["currency"].notna() & ~cols["currency"].str.fullmatch(r"[A-Z]{3}").fillna(False).astype(bool),
        "currency",
        "invalid_currency",
        "currency must be a 3-letter ISO 4217 code",
    )
    fail.add(
        cols["payment_method"].notna() & ~cols["payment_method"].isin(PAYMENT_METHODS),
        "payment_method",
        "invalid_payment_method",
        f"payment_method must be one of {', '.join(PAYMENT_METHODS)}",
    )
    fail.add(
        gender.notna() & cols["gender"].isna(),
        "gender",
        "invalid_gender",
        "gender must be female, male or other",
    )

    _check_dimensions(cols, ctx, fail)
    cols["timestamp"] = _timestamps(timestamp_text, cols["store_id"], ctx, fail)

    typed = pd.DataFrame({name: cols[name] for name in CANONICAL_COLUMNS})
    typed["line_number"] = typed["line_number"].fillna(0).astype("int64")
    typed[ROW_COLUMN] = fail.rows
    valid = typed[~fail.any].reset_index(drop=True)
    valid["is_outlier"] = outliers(valid)
    return valid, fail.frame()


def _trimmed(df: pd.DataFrame, name: str) -> pd.Series:
    if name not in df.columns:
        return pd.Series(np.nan, index=df.index, dtype="str")
    return trimmed_text(df[name])


def _to_float(text: pd.Series) -> np.ndarray:
    try:
        return pc.cast(pa.array(text, from_pandas=True), pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _check_numbers(cols: dict[str, pd.Series], fail: _Failures) -> None:
    line, qty, price = cols["line_number"], cols["quantity"], cols["unit_price"]
    discount, age = cols["discount"], cols["age"]
    fail.add(
        (line < 1) | (line > MAX_LINE_NUMBER) | (line % 1 != 0),
        "line_number",
        "invalid_line_number",
        f"line_number must be a whole number from 1 to {MAX_LINE_NUMBER}",
    )
    fail.add(qty <= 0, "quantity", "non_positive_quantity", "quantity must be greater than 0")
    fail.add(
        qty > MAX_QUANTITY, "quantity", "quantity_out_of_range", f"quantity must be at most {MAX_QUANTITY}"
    )
    fail.add(price < 0, "unit_price", "negative_price", "unit_price must not be negative")
    fail.add(
        price > MAX_UNIT_PRICE,
        "unit_price",
        "price_out_of_range",
        f"unit_price must be at most {MAX_UNIT_PRICE}",
    )
    fail.add(discount < 0, "discount", "negative_discount", "discount must not be negative")
    fail.add(
        (discount > qty * price + 1e-9) & (qty > 0) & (price >= 0),  # else quantity/price is the fault
        "discount",
        "discount_exceeds_amount",
        "discount must not exceed quantity x unit_price",
    )
    fail.add((age < 0) | (age > 120), "age", "age_out_of_range", "age must be between 0 and 120")


def _check_dimensions(cols: dict[str, pd.Series], ctx: ValidationContext, fail: _Failures) -> None:
    stores = ctx.dims.stores
    store = cols["store_id"]
    known = store.isin(stores["store_id"])
    if ctx.unknown_store_policy == "reject":
        fail.add(store.notna() & ~known, "store_id", "unknown_store", "store_id is not a registered store")
    if ctx.vendor_id is not None:
        registered = stores.drop_duplicates("store_id")
        owner = lookup(store, registered["store_id"], registered["vendor_id"])
        fail.add(
            known & (owner != ctx.vendor_id),
            "store_id",
            "store_out_of_scope",
            "store_id belongs to another vendor",
        )
    if ctx.unknown_sku_policy == "reject":
        sku = cols["sku"]
        fail.add(
            sku.notna() & ~sku.isin(ctx.dims.products["sku"]),
            "sku",
            "unknown_sku",
            "sku is not a known product",
        )


def _timestamps(text: pd.Series, store: pd.Series, ctx: ValidationContext, fail: _Failures) -> pd.Series:
    """Parse ISO 8601; a timestamp without an offset is wall-clock time in the store's zone."""
    parsed = iso_timestamps(text)
    has_offset = pc.match_substring_regex(pa.array(text, from_pandas=True), _OFFSET)
    naive = parsed.notna().to_numpy() & ~has_offset.to_numpy(zero_copy_only=False).astype(bool)
    if naive.any():
        registered = ctx.dims.stores.drop_duplicates("store_id")
        zones = lookup(store, registered["store_id"], registered["timezone"]).fillna(ctx.default_timezone)
        wall = parsed[naive].dt.tz_localize(None)
        local = pd.Series(pd.NaT, index=wall.index, dtype="datetime64[us, UTC]")
        for zone in pd.unique(zones[naive]):
            sel = (zones[naive] == zone).to_numpy()
            here = wall[sel].dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
            local[sel] = here.dt.tz_convert("UTC")
        parsed[naive] = local
    fail.add(
        text.notna() & parsed.isna(),
        "timestamp",
        "invalid_timestamp",
        "timestamp must be ISO 8601, e.g. 2026-03-15T18:42:07+08:00",
    )
    now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
    latest = pd.Timestamp(now.astimezone(UTC) + timedelta(minutes=ctx.future_skew_minutes))
    fail.add(
        parsed > latest,
        "timestamp",
        "future_timestamp",
        f"timestamp is more than {ctx.future_skew_minutes} minutes in the future",
    )
    fail.add(parsed < EARLIEST, "timestamp", "timestamp_too_old", "timestamp is before 2000-01-01")
    return parsed


def outliers(valid: pd.DataFrame) -> pd.Series:
    """Lines whose amount is far from what is usual for their SKU in this batch (robust z-score)."""
    amount = valid["quantity"] * valid["unit_price"]
    sku = codes(valid["sku"])[0]
    by_sku = amount.groupby(sku, sort=False)
    median = by_sku.transform("median")
    count = by_sku.transform("size")
    mad = (amount - median).abs().groupby(sku, sort=False).transform("median")
    z = 0.6745 * (amount - median) / mad.where(mad > 0)
    spread = (z.abs() > OUTLIER_Z).fillna(False)
    # When most lines are identical (MAD 0), only a tenfold jump counts as unusual.
    flat = (mad == 0) & (amount > 10 * median)
    return ((count >= OUTLIER_MIN_LINES) & (spread | flat)).astype(bool)
