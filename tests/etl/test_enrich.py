"""Enrich: the fact columns exactly, each derived value as expected, no raw customer id anywhere."""

from __future__ import annotations

from datetime import UTC

import numpy as np
import pandas as pd
import pytest

from shared.db.tables import FACT_COLUMN_NAMES
from shared.etl.clean import clean
from shared.etl.enrich import enrich
from shared.etl.extract import parse
from shared.etl.validate import validate
from tests.etl.conftest import FIXTURES, KEY, NOW, raw_frame


def _facts(ctx, frame, batch_id="B-1", key=KEY):
    valid, rejects = validate(frame, ctx)
    assert rejects.empty
    cleaned, _, _ = clean(valid)
    d = ctx.dims
    return enrich(cleaned, d.stores, d.products, d.category_map, key, batch_id, NOW)


@pytest.fixture
def fixture_facts(ctx):
    return _facts(ctx, parse((FIXTURES / "lines.csv").read_bytes(), "csv").frame).set_index(
        ["transaction_id", "line_number"]
    )


def test_columns_are_exactly_the_fact_table(fixture_facts):
    assert tuple(fixture_facts.reset_index().columns) == FACT_COLUMN_NAMES


def test_amounts_margin_and_dimension_values(fixture_facts):
    line = fixture_facts.loc[("T-1001", 2)]  # 1 x 25.00, discount 2.50, SKU-2 costs 18
    assert (line.gross_amount, line.net_amount, line.unit_cost, line.margin) == (25.0, 22.5, 18.0, 4.5)
    assert (line.vendor_id, line.brand, line.category) == ("acme", "Coca-Cola", "Beverages")
    no_cost = fixture_facts.loc[("T-1002", 1)]  # SKU-3 has no unit cost: no margin
    assert np.isnan(no_cost.unit_cost) and np.isnan(no_cost.margin)
    assert no_cost.product_name == "Bear Brand Powdered Milk 300g"  # dim_product wins over the line


def test_unknown_sku_takes_the_lines_attributes_and_the_vendors_category_mapping(fixture_facts):
    line = fixture_facts.loc[("T-1003", 2)]  # SKU-9 is not in dim_product; vendor category JUICES
    assert (line.product_name, line.brand, line.category) == ("Kalamansi Juice", "Local", "Beverages")


def test_store_local_calendar(fixture_facts):
    late = fixture_facts.loc[("T-1004", 1)]  # 2026-03-16T20:15 in Manila = 12:15 UTC, a Monday
    assert late.ts_utc == pd.Timestamp("2026-03-16 12:15:00")
    assert (late.local_date, late.local_hour, late.weekday) == (pd.Timestamp("2026-03-16"), 20, 0)
    early = fixture_facts.loc[("T-1003", 1)]  # 04:00 UTC = 12:00 in Manila
    assert (early.local_hour, early.local_date) == (12, pd.Timestamp("2026-03-16"))


def test_local_date_across_midnight_follows_the_store(ctx):
    facts = _facts(ctx, raw_frame({"timestamp": "2026-03-15T17:30:00Z"}))  # 01:30 next day in Manila
    assert (facts.loc[0, "local_date"], facts.loc[0, "local_hour"], facts.loc[0, "weekday"]) == (
        pd.Timestamp("2026-03-16"),
        1,
        0,
    )


def test_basket_figures(fixture_facts):
    # T-1001: 2 + 1 units over 2 lines; T-1003: 1 + 4 units over 2 lines; T-1002: 3 units, 1 line
    assert fixture_facts.loc[("T-1001", 1), ["basket_size", "basket_lines"]].tolist() == [3.0, 2]
    assert fixture_facts.loc[("T-1003", 2), ["basket_size", "basket_lines"]].tolist() == [5.0, 2]
    assert fixture_facts.loc[("T-1002", 1), ["basket_size", "basket_lines"]].tolist() == [3.0, 1]


@pytest.mark.parametrize(
    ("age", "band"),
    [
        ("0", "<18"),
        ("17", "<18"),
        ("18", "18-24"),
        ("24", "18-24"),
        ("25", "25-34"),
        ("44", "35-44"),
        ("54", "45-54"),
        ("64", "55-64"),
        ("65", "65+"),
        ("120", "65+"),
        (None, None),
    ],
)
def test_age_bands(ctx, age, band):
    value = _facts(ctx, raw_frame({"age": age})).loc[0, "age_band"]
    assert pd.isna(value) if band is None else value == band


def test_customer_key_is_a_keyed_hash_and_the_raw_id_appears_nowhere(ctx, fixture_facts):
    import hashlib
    import hmac

    expected = hmac.new(KEY, b"C-77", hashlib.sha256).hexdigest()[:32]
    assert fixture_facts.loc[("T-1001", 1), "customer_key"] == expected
    assert pd.isna(fixture_facts.loc[("T-1002", 1), "customer_key"])  # no customer, no key
    text = fixture_facts.reset_index().astype(str).to_csv()
    assert "C-77" not in text and "C-81" not in text
    other_key = _facts(ctx, raw_frame({}), key=b"another-key")
    assert other_key.loc[0, "customer_key"] != expected  # without the secret the key cannot be rebuilt


def test_content_hash_is_stable_across_batches_and_changes_with_content(ctx):
    first = _facts(ctx, raw_frame({}, {"transaction_id": "T-2"}), batch_id="B-1")
    resent = _facts(ctx, raw_frame({"transaction_id": "T-2"}, {}), batch_id="B-2")  # other batch, other order
    assert (
        first.set_index("transaction_id").loc["T-1001", "content_hash"]
        == resent.set_index("transaction_id").loc["T-1001", "content_hash"]
    )
    changed = _facts(ctx, raw_frame({"discount": "1"}))
    assert changed.loc[0, "content_hash"] != first.loc[0, "content_hash"]
    assert first["content_hash"].str.fullmatch(r"[0-9a-f]{32}").all()


def test_batch_and_load_stamp(ctx):
    facts = _facts(ctx, raw_frame({}), batch_id="B-7")
    assert facts.loc[0, "batch_id"] == "B-7"
    assert facts.loc[0, "loaded_at"] == pd.Timestamp(NOW.astimezone(UTC).replace(tzinfo=None))


@pytest.mark.parametrize("fmt", ["json", "xlsx", "parquet", "xml"])
def test_content_hash_is_the_same_whatever_format_carried_the_line(ctx, fmt):
    via_csv = _facts(ctx, parse((FIXTURES / "lines.csv").read_bytes(), "csv").frame)
    via_other = _facts(ctx, parse((FIXTURES / f"lines.{fmt}").read_bytes(), fmt).frame, batch_id="B-2")
    assert via_other["content_hash"].tolist() == via_csv["content_hash"].tolist()
