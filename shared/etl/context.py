"""What the ETL stages need besides the batch: dimension frames and the validation rules in force."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import pandas as pd

from shared.config import Settings
from shared.schema import DEFAULT_TIMEZONE

STORE_COLUMNS = ("store_id", "vendor_id", "name", "region", "province", "city", "lat", "lon", "timezone")
PRODUCT_COLUMNS = ("sku", "product_name", "brand", "category", "unit_cost")
CATEGORY_MAP_COLUMNS = ("vendor_id", "source_category", "category")


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


@dataclass(frozen=True)
class Dims:
    """Dimension rows as frames: ``stores`` (STORE_COLUMNS), ``products``, ``category_map``."""

    stores: pd.DataFrame = field(default_factory=lambda: _empty(STORE_COLUMNS))
    products: pd.DataFrame = field(default_factory=lambda: _empty(PRODUCT_COLUMNS))
    category_map: pd.DataFrame = field(default_factory=lambda: _empty(CATEGORY_MAP_COLUMNS))


@dataclass(frozen=True)
class ValidationContext:
    """The rules a batch is checked against. ``now`` is passed in: stages never read the clock."""

    now: datetime  # timezone-aware
    dims: Dims
    vendor_id: str | None = None  # set: lines for another vendor's stores are refused
    future_skew_minutes: int = 15
    unknown_store_policy: Literal["reject", "accept"] = "reject"
    unknown_sku_policy: Literal["reject", "accept"] = "accept"
    default_timezone: str = DEFAULT_TIMEZONE  # for stores not in dim_store

    @classmethod
    def from_settings(
        cls, settings: Settings, now: datetime, dims: Dims, vendor_id: str | None = None
    ) -> ValidationContext:
        return cls(
            now=now,
            dims=dims,
            vendor_id=vendor_id,
            future_skew_minutes=settings.future_skew_minutes,
            unknown_store_policy=settings.unknown_store_policy,
            unknown_sku_policy=settings.unknown_sku_policy,
        )
