"""Validate: each bad value refused with its code and row; good values typed and normalised."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from shared.etl.validate import outliers, validate
from tests.etl.conftest import raw_frame

# Base line (lines.csv row 1): T-1001/1, S-001, 2026-03-15T18:42:07+08:00, SKU-1, 2 x 15.5, discount 0, gcash.


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"quantity": "-1"}, "quantity", "non_positive_quantity"),
        ({"quantity": "0"}, "quantity", "non_positive_quantity"),
        ({"quantity": "two"}, "quantity", "invalid_number"),
        ({"quantity": "inf"}, "quantity", "invalid_number"),
        ({"quantity": "1e9"}, "quantity", "quantity_out_of_range"),
        ({"quantity": None}, "quantity", "missing_value"),
        ({"unit_price": "-0.01"}, "unit_price", "negative_price"),
        ({"unit_price": "12,50"}, "unit_price", "invalid_number"),  # a decimal comma needs a profile
        ({"discount": "31.01"}, "discount", "discount_exceeds_amount"),  # 2 x 15.5 = 31
        ({"discount": "-1"}, "discount", "negative_discount"),
        ({"line_number": "0"}, "line_number", "invalid_line_number"),
        ({"line_number": "1.5"}, "line_number", "invalid_line_number"),
        ({"line_number": "40000"}, "line_number", "invalid_line_number"),
        ({"line_number": "99999999999999999999"}, "line_number", "invalid_line_number"),  # beyond int64
        ({"quantity": "1e400"}, "quantity", "invalid_number"),  # overflows a double
        ({"transaction_id": "   "}, "transaction_id", "missing_value"),  # blank after trimming
        ({"transaction_id": "T" * 65}, "transaction_id", "too_long"),
        ({"sku": None}, "sku", "missing_value"),
        ({"store_id": "S-404"}, "store_id", "unknown_store"),
        ({"timestamp": "2026-03-20T00:15:01Z"}, "timestamp", "future_timestamp"),  # now + 15 min + 1 s
        ({"timestamp": "yesterday"}, "timestamp", "invalid_timestamp"),
        ({"timestamp": "2026-02-30T10:00:00+08:00"}, "timestamp", "invalid_timestamp"),
        ({"timestamp": "1999-12-31T23:59:59Z"}, "timestamp", "timestamp_too_old"),
        ({"timestamp": None}, "timestamp", "missing_value"),
        ({"age": "121"}, "age", "age_out_of_range"),
        ({"age": "-1"}, "age", "age_out_of_range"),
        ({"age": "old"}, "age", "invalid_number"),
        ({"currency": "PESO"}, "currency", "invalid_currency"),
        ({"currency": "P1P"}, "currency", "invalid_currency"),
        ({"payment_method": "bitcoin"}, "payment_method", "invalid_payment_method"),
        ({"gender": "unknown"}, "gender", "invalid_gender"),
    ],
)
def test_bad_values_are_refused_with_field_and_code(ctx, change, field, code):
    valid, rejects = validate(raw_frame({}, change), ctx)  # row 1 is the untouched line, row 2 the bad one
    assert valid["_row"].tolist() == [1]
    assert rejects[["_row", "field", "code"]].values.tolist() == [[2, field, code]]
    assert rejects["message"].str.len().min() > 10


def test_every_failure_of_a_row_is_reported(ctx):
    _, rejects = validate(raw_frame({"quantity": "-1", "payment_method": "iou", "store_id": "S-404"}), ctx)
    assert sorted(rejects["code"]) == ["invalid_payment_method", "non_positive_quantity", "unknown_store"]
    assert set(rejects["_row"]) == {1}


def test_timestamp_at_the_edge_of_the_skew_window_is_accepted(ctx):
    valid, rejects = validate(raw_frame({"timestamp": "2026-03-20T00:15:00Z"}), ctx)  # exactly now + 15 min
    assert rejects.empty and len(valid) == 1


def test_skew_window_comes_from_the_context(ctx):
    _, rejects = validate(
        raw_frame({"timestamp": "2026-03-20T00:05:00Z"}), replace(ctx, future_skew_minutes=1)
    )
    assert rejects["code"].tolist() == ["future_timestamp"]


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-15T18:42:07+08:00", "2026-03-15T10:42:07Z"),
        ("2026-03-15T18:42:07+0800", "2026-03-15T10:42:07Z"),
        ("2026-03-15T10:42:07Z", "2026-03-15T10:42:07Z"),
        ("2026-03-15T18:42:07", "2026-03-15T10:42:07Z"),  # no offset: the store's zone (Asia/Manila, +8)
        ("2026-03-15 18:42:07.250", "2026-03-15T10:42:07.250Z"),  # space and fraction: pandas' parser
        ("2026-03-15T05:42:07-05:00", "2026-03-15T10:42:07Z"),
    ],
)
def test_timestamps_become_utc(ctx, text, utc):
    valid, rejects = validate(raw_frame({"timestamp": text}), ctx)
    assert rejects.empty
    assert valid.loc[0, "timestamp"] == pd.Timestamp(utc)


def test_naive_timestamp_uses_the_stores_own_zone(ctx):
    stores = ctx.dims.stores.copy()
    stores.loc[stores.store_id == "S-001", "timezone"] = "America/New_York"
    valid, _ = validate(
        raw_frame({"timestamp": "2026-03-15T18:42:07"}), replace(ctx, dims=replace(ctx.dims, stores=stores))
    )
    assert valid.loc[0, "timestamp"] == pd.Timestamp("2026-03-15T22:42:07Z")  # EDT is UTC-4 in March


def test_codes_are_trimmed_and_normalised(ctx):
    valid, rejects = validate(
        raw_frame(
            {
                "store_id": " s-001 ",
                "currency": "php",
                "payment_method": " GCash",
                "gender": "F",
                "loyalty_tier": "Gold",
                "sku": "  SKU-1\t",
            }
        ),
        ctx,
    )
    assert rejects.empty
    row = valid.iloc[0]
    assert (row.store_id, row.currency, row.payment_method, row.gender, row.loyalty_tier, row.sku) == (
        "S-001",
        "PHP",
        "gcash",
        "female",
        "gold",
        "SKU-1",
    )


def test_types_of_the_valid_frame(ctx):
    valid, _ = validate(raw_frame({"quantity": "1.5", "age": None}), ctx)
    assert str(valid["timestamp"].dtype) == "datetime64[us, UTC]"
    assert valid["line_number"].dtype == "int64"
    assert valid["quantity"].dtype == "float64" and valid.loc[0, "quantity"] == 1.5
    assert pd.isna(valid.loc[0, "age"])


def test_unknown_store_accepted_when_policy_says_so(ctx):
    valid, rejects = validate(raw_frame({"store_id": "S-404"}), replace(ctx, unknown_store_policy="accept"))
    assert rejects.empty and valid["store_id"].tolist() == ["S-404"]


@pytest.mark.parametrize(("policy", "accepted"), [("accept", True), ("reject", False)])
def test_unknown_sku_policy(ctx, policy, accepted):
    valid, rejects = validate(raw_frame({"sku": "SKU-NEW"}), replace(ctx, unknown_sku_policy=policy))
    assert (len(valid) == 1) is accepted
    assert rejects["code"].tolist() == ([] if accepted else ["unknown_sku"])


def test_store_of_another_vendor_is_out_of_scope(ctx):
    scoped = replace(ctx, vendor_id="acme")
    _, rejects = validate(raw_frame({"store_id": "S-003"}), scoped)  # S-003 belongs to other-vendor
    assert rejects["code"].tolist() == ["store_out_of_scope"]
    valid, _ = validate(raw_frame({"store_id": "S-002"}), scoped)
    assert len(valid) == 1


@pytest.mark.parametrize(
    ("amounts", "flagged"),
    [
        ([10, 11, 9, 10, 12, 10, 500], [6]),  # one line far above the SKU's usual amount
        ([10, 10, 10, 10, 10, 10, 100.01], [6]),  # all alike (MAD 0): a tenfold jump counts
        ([10, 10, 10, 10, 10, 10, 60], []),  # all alike, six times: not yet unusual
        ([10, 500, 10], []),  # too few lines of the SKU to judge
    ],
)
def test_outliers_are_flagged_per_sku(amounts, flagged):
    frame = pd.DataFrame({"sku": ["A"] * len(amounts), "quantity": 1.0, "unit_price": amounts})
    assert outliers(frame)[lambda s: s].index.tolist() == flagged


def test_outliers_are_flagged_not_rejected(ctx):
    lines = [{"transaction_id": f"T{i}", "unit_price": "15.5"} for i in range(6)]
    lines.append({"transaction_id": "T9", "unit_price": "1550"})
    valid, rejects = validate(raw_frame(*lines), ctx)
    assert rejects.empty
    assert valid.loc[valid.is_outlier, "transaction_id"].tolist() == ["T9"]
