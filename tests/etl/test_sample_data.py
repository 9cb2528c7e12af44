"""The sample generator: seeded, realistic shape, and clean enough to pass validation whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from shared.etl.context import Dims, ValidationContext
from shared.etl.extract import parse
from shared.etl.validate import validate
from shared.sample_data import generate_dimensions, generate_lines, iter_batches, main, to_csv_bytes
from shared.schema import CANONICAL_COLUMNS


@pytest.fixture(scope="module")
def sample():
    dims = generate_dimensions(11, 30)
    return dims, generate_lines(11, dims.stores, dims.products, date(2026, 1, 1), 47, 40)


def test_same_seed_same_data(sample):
    dims, lines = sample
    again = generate_lines(11, dims.stores, dims.products, date(2026, 1, 1), 47, 40)
    pd.testing.assert_frame_equal(lines, again)
    assert not generate_lines(12, dims.stores, dims.products, date(2026, 1, 1), 47, 40).equals(lines)


def test_dimensions_look_philippine(sample):
    dims, _ = sample
    assert len(dims.stores) == 30 and dims.stores["store_id"].is_unique
    assert dims.stores["region"].nunique() >= 5
    assert dims.stores["lat"].between(4.5, 21.5).all() and dims.stores["lon"].between(116, 127).all()
    assert dims.products["sku"].is_unique and dims.products["category"].nunique() >= 8
    assert (dims.products["unit_cost"] < dims.products["list_price"]).all()


def test_lines_shape_and_seasonality(sample):
    _, lines = sample
    assert tuple(lines.columns) == CANONICAL_COLUMNS
    assert not lines.duplicated(["transaction_id", "line_number"]).any()
    local = lines["timestamp"].dt.tz_convert("Asia/Manila")
    per_day = lines.groupby(local.dt.date).size()
    paydays = per_day[[date(2026, 1, 15), date(2026, 1, 30), date(2026, 2, 15)]].mean()
    assert paydays > 1.15 * per_day.median()  # payday spikes
    by_hour = local.dt.hour.value_counts()
    assert by_hour[18] > 1.4 * by_hour[9] and by_hour[3] < by_hour[18] / 10  # evening peak, quiet nights
    share = lines.drop_duplicates("transaction_id")["payment_method"].value_counts(normalize=True)
    assert share["cash"] > 0.4 and share["gcash"] > 0.1 and share["maya"] > 0.03
    members = lines.dropna(subset=["customer_id"])
    assert members.groupby("customer_id")["transaction_id"].nunique().max() > 1  # customers come back
    assert members[["age", "gender", "loyalty_tier"]].notna().all().all()
    baskets = lines.groupby("transaction_id").size()
    assert 2 < baskets.mean() < 4


def test_generated_lines_pass_validation(sample):
    dims, lines = sample
    ctx = ValidationContext(
        now=datetime(2026, 4, 1, tzinfo=UTC),
        dims=Dims(stores=dims.stores, products=dims.products, category_map=dims.category_map),
    )
    valid, rejects = validate(parse(to_csv_bytes(lines), "csv").frame, ctx)
    assert rejects.empty and len(valid) == len(lines)


def test_batches_are_json_ready_and_never_split_a_transaction(sample):
    _, lines = sample
    head = lines.head(3_000)
    batches = list(iter_batches(head, 500))
    assert sum(len(b) for b in batches) == len(head)
    seen: set[str] = set()
    for batch in batches:
        ids = {line["transaction_id"] for line in batch}
        assert not ids & seen
        seen |= ids
        assert all(450 <= len(b) <= 520 for b in batches[:-1])
    first = batches[0][0]
    assert isinstance(first["timestamp"], str) and first["timestamp"].endswith("Z")
    assert all(value is not None for value in first.values())


def test_cli_writes_loadable_files(tmp_path):
    main(["--stores", "4", "--days", "2", "--lines-per-store-day", "20", "--out", str(tmp_path)])
    assert {p.name for p in tmp_path.iterdir()} == {
        "vendors.csv",
        "stores.csv",
        "products.csv",
        "category_map.csv",
        "lines.csv",
    }
    assert parse((tmp_path / "lines.csv").read_bytes(), "csv").received > 50
