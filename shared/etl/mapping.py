"""Column-mapping profiles: a vendor's own file layout mapped onto the canonical columns.

A profile is stored as JSON in the ``mapping_profile`` table and applied right after
parsing, while every column is still text, so the validate stage sees canonical names and
formats whatever the source looked like. Example::

    {"name": "acme-pos-v2", "columns": {"RcptNo": "transaction_id", "Line": "line_number",
     "Branch": "store_id", "SaleDate": "timestamp", "Item": "sku", "Qty": "quantity",
     "PriceCents": "unit_price", "Tender": "payment_method"},
     "timestamp_format": "%d/%m/%Y %H:%M", "timezone": "Asia/Manila",
     "multipliers": {"unit_price": 0.01}, "value_maps": {"payment_method": {"GC": "gcash"}},
     "defaults": {"currency": "PHP"}, "ignore_columns": ["Cashier"]}
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.errors import ApiError
from shared.etl.timestamps import iso_text
from shared.schema import CANONICAL_COLUMNS, NUMERIC_COLUMNS, ROW_COLUMN

_MULTIPLIABLE = ("quantity", "unit_price", "discount")


class MappingProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._-]+$")
    vendor_id: str | None = Field(default=None, max_length=64)
    columns: dict[str, str] = Field(description="Source column name -> canonical field.")
    timestamp_format: str | None = Field(
        default=None,
        max_length=64,
        description="strftime format of the source timestamp, e.g. %d/%m/%Y %H:%M.",
    )
    timezone: str | None = Field(
        default=None, description="IANA zone for timestamps without an offset (else the store's zone)."
    )
    decimal_comma: bool = Field(default=False, description="Numbers written 1.234,50.")
    multipliers: dict[str, float] = Field(
        default_factory=dict,
        description="Canonical numeric field -> factor, e.g. unit_price: 0.01 for cents.",
    )
    defaults: dict[str, str | float | int] = Field(
        default_factory=dict, description="Canonical field -> constant where the source has none."
    )
    value_maps: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Canonical field -> {source value: canonical value}."
    )
    ignore_columns: list[str] = Field(default_factory=list, description="Source columns to drop.")

    @field_validator("columns")
    @classmethod
    def _targets_canonical(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value.values()) - set(CANONICAL_COLUMNS))
        if unknown:
            raise ValueError(f"not canonical fields: {', '.join(unknown)}")
        targets = list(value.values())
        twice = sorted({t for t in targets if targets.count(t) > 1})
        if twice:
            raise ValueError(f"mapped more than once: {', '.join(twice)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @model_validator(mode="after")
    def _fields_canonical(self) -> MappingProfile:
        for label, fields in (
            ("multipliers", self.multipliers),
            ("defaults", self.defaults),
            ("value_maps", self.value_maps),
        ):
            unknown = sorted(set(fields) - set(CANONICAL_COLUMNS))
            if unknown:
                raise ValueError(f"{label}: not canonical fields: {', '.join(unknown)}")
        not_numeric = sorted(set(self.multipliers) - set(_MULTIPLIABLE))
        if not_numeric:
            raise ValueError(
                f"multipliers apply to {', '.join(_MULTIPLIABLE)} only, not {', '.join(not_numeric)}"
            )
        return self


def apply_mapping(df: pd.DataFrame, profile: MappingProfile) -> pd.DataFrame:
    """Rename and reformat a text frame per ``profile``; 422 ``mapping_mismatch`` when it does not fit."""
    present = [c for c in df.columns if c != ROW_COLUMN]
    missing = [src for src in profile.columns if src not in present]
    ignored = set(profile.ignore_columns)
    unknown = [
        c for c in present if c not in profile.columns and c not in ignored and c not in CANONICAL_COLUMNS
    ]
    if missing or unknown:
        details = [{"field": c, "code": "missing_column"} for c in missing]
        details += [{"field": c, "code": "unknown_column"} for c in unknown]
        parts = []
        if missing:
            parts.append(f"missing columns {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown columns {', '.join(unknown)}")
        raise ApiError(
            422,
            "mapping_mismatch",
            f"Mapping profile {profile.name!r} does not fit the file: {'; '.join(parts)}.",
            details=details,
        )
    out = df.drop(columns=[c for c in present if c in ignored]).rename(columns=profile.columns)
    clash = out.columns[out.columns.duplicated()].tolist()
    if clash:
        raise ApiError(
            422,
            "mapping_mismatch",
            f"Mapping profile {profile.name!r} maps onto columns the file already has: {', '.join(clash)}.",
            details=[{"field": c, "code": "duplicate_column"} for c in clash],
        )
    for field, value in profile.defaults.items():
        if field in out.columns:
            out[field] = out[field].fillna(str(value))
        else:
            out[field] = pd.Series(str(value), index=out.index, dtype="str")
    for field, mapping in profile.value_maps.items():
        if field in out.columns:
            col = out[field]
            out[field] = col.map(mapping).fillna(col).astype("str")
    if profile.decimal_comma:
        for field in NUMERIC_COLUMNS:
            if field in out.columns:
                out[field] = out[field].str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    for field, factor in profile.multipliers.items():
        if field in out.columns:
            out[field] = _scaled(out[field], factor)
    if profile.timestamp_format and "timestamp" in out.columns:
        out["timestamp"] = _reformat_timestamps(out["timestamp"], profile.timestamp_format, profile.timezone)
    elif profile.timezone and "timestamp" in out.columns:
        out["timestamp"] = _with_zone(out["timestamp"], profile.timezone)
    return out


def _scaled(text: pd.Series, factor: float) -> pd.Series:
    # Values that are not numbers stay as sent, so validation reports them as they were.
    numbers = pd.to_numeric(text, errors="coerce")
    scaled = (numbers * factor).round(6).astype("str")
    return text.where(numbers.isna(), scaled)


def _reformat_timestamps(text: pd.Series, fmt: str, zone: str | None) -> pd.Series:
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    if parsed.dt.tz is None and zone:
        parsed = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    return text.where(parsed.isna(), iso_text(parsed))


_HAS_OFFSET = r"(?:[zZ]|[+-]\d{2}:?\d{2})\s*$"


def _with_zone(text: pd.Series, zone: str) -> pd.Series:
    naive = text.notna() & ~text.str.contains(_HAS_OFFSET, regex=True, na=False)
    if not naive.any():
        return text
    parsed = pd.to_datetime(text[naive], format="ISO8601", errors="coerce")
    localized = parsed.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    out = text.copy()
    out[naive] = text[naive].where(localized.isna(), iso_text(localized))
    return out
