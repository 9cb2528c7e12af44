"""Shared pieces for the ETL tests: the fixture dimensions, a validation context, raw frames."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from shared.etl.context import Dims, ValidationContext
from shared.etl.extract import parse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
NOW = datetime(2026, 3, 20, 0, 0, tzinfo=UTC)
KEY = b"test-pseudonym-key"


def fixture_dims() -> Dims:
    return Dims(
        stores=pd.read_csv(FIXTURES / "stores.csv", dtype={"opened_on": "str"}),
        products=pd.read_csv(FIXTURES / "products.csv"),
        category_map=pd.read_csv(FIXTURES / "category_map.csv"),
    )


@pytest.fixture
def dims() -> Dims:
    return fixture_dims()


@pytest.fixture
def ctx(dims: Dims) -> ValidationContext:
    return ValidationContext(now=NOW, dims=dims)


def raw_frame(*overrides: dict[str, object], base_row: int = 0) -> pd.DataFrame:
    """Text frame as ``parse`` gives it: one row per override dict, each a copy of fixture row
    ``base_row`` of lines.csv with the given canonical fields replaced (None: missing)."""
    base = parse((FIXTURES / "lines.csv").read_bytes(), "csv").frame.iloc[base_row]
    rows = []
    for n, change in enumerate(overrides or ({},), start=1):
        row = base.to_dict()
        row.update({k: (None if v is None else str(v)) for k, v in change.items()})
        row["_row"] = n
        rows.append(row)
    frame = pd.DataFrame(rows)
    for col in frame.columns:
        if col != "_row":
            frame[col] = frame[col].astype("str")
    return frame
