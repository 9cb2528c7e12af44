"""Mapping profiles: a vendor's own layout reaches the same canonical lines, or a clear 422."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from shared.errors import ApiError
from shared.etl.extract import parse
from shared.etl.mapping import MappingProfile, apply_mapping
from shared.etl.validate import validate
from tests.etl.conftest import FIXTURES


def _profile(**changes) -> MappingProfile:
    definition = json.loads((FIXTURES / "vendor_acme.profile.json").read_text())
    definition.update(changes)
    return MappingProfile.model_validate(definition)


def test_vendor_file_through_its_profile_equals_the_canonical_file(ctx):
    reference, _ = validate(parse((FIXTURES / "lines.csv").read_bytes(), "csv").frame, ctx)
    vendor = parse((FIXTURES / "vendor_acme.csv").read_bytes(), "csv", _profile())
    typed, rejects = validate(vendor.frame, ctx)
    assert rejects.empty
    pd.testing.assert_frame_equal(typed, reference, check_dtype=False)


def test_profile_transforms_on_text():
    frame = pd.DataFrame(
        {
            "RcptNo": ["T1", "T2"],
            "Line": ["1", "1"],
            "Branch": ["S-001", "S-001"],
            "SaleDate": ["15/03/2026 18:42:07", "31/02/2026 10:00:00"],  # the second is no date
            "Item": ["A", "B"],
            "Qty": ["1.234,5", "2"],
            "PriceCents": ["1550", "abc"],
            "Tender": ["GC", "ZZ"],
            "Cashier": ["ana", "ben"],
            "_row": [1, 2],
        }
    ).astype(
        {
            c: "str"
            for c in [
                "RcptNo",
                "Line",
                "Branch",
                "SaleDate",
                "Item",
                "Qty",
                "PriceCents",
                "Tender",
                "Cashier",
            ]
        }
    )
    profile = _profile(
        columns={
            "RcptNo": "transaction_id",
            "Line": "line_number",
            "Branch": "store_id",
            "SaleDate": "timestamp",
            "Item": "sku",
            "Qty": "quantity",
            "PriceCents": "unit_price",
            "Tender": "payment_method",
        }
    )
    out = apply_mapping(frame, profile)
    assert "Cashier" not in out.columns  # ignored
    assert out["timestamp"].tolist() == [
        "2026-03-15T18:42:07+0800",
        "31/02/2026 10:00:00",
    ]  # bad date kept as sent
    assert out["quantity"].tolist() == ["1234.5", "2"]  # decimal comma
    assert out["unit_price"].tolist() == ["15.5", "abc"]  # cents -> units; not a number kept as sent
    assert out["payment_method"].tolist() == ["gcash", "ZZ"]  # value map; unmapped values kept
    assert out["currency"].tolist() == ["PHP", "PHP"]  # default for a column the file lacks


def test_profile_that_does_not_fit_names_missing_and_unknown_columns():
    raw = (
        (FIXTURES / "vendor_acme.csv")
        .read_bytes()
        .replace(b"PriceCents", b"Price")
        .replace(b"Cashier", b"Till")
    )
    with pytest.raises(ApiError) as caught:
        parse(raw, "csv", _profile())
    err = caught.value
    assert (err.status, err.code) == (422, "mapping_mismatch")
    assert {"field": "PriceCents", "code": "missing_column"} in err.details
    assert {"field": "Price", "code": "unknown_column"} in err.details
    assert {"field": "Till", "code": "unknown_column"} in err.details


def test_canonical_file_without_a_profile_refuses_vendor_columns():
    with pytest.raises(ApiError) as caught:
        parse((FIXTURES / "vendor_acme.csv").read_bytes(), "csv")
    assert caught.value.code == "unknown_columns"


def test_mapping_onto_a_column_the_file_already_has_is_refused():
    raw = b"Txn,transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price\n"
    raw += b"A,B,1,S,2026-01-01,x,1,1\n"
    with pytest.raises(ApiError) as caught:
        parse(raw, "csv", MappingProfile(name="p", columns={"Txn": "transaction_id"}))
    assert caught.value.details == [{"field": "transaction_id", "code": "duplicate_column"}]


@pytest.mark.parametrize(
    "changes",
    [
        {"columns": {"A": "not_a_field"}},
        {"columns": {"A": "sku", "B": "sku"}},  # one field mapped twice
        {"multipliers": {"store_id": 2}},  # only numbers scale
        {"defaults": {"batch_id": "x"}},
        {"timezone": "Mars/Olympus"},
        {"name": "../../etc"},
        {"unexpected": True},
    ],
)
def test_invalid_profile_definitions_are_refused(changes):
    with pytest.raises(ValidationError):
        _profile(**changes)


def test_profile_zone_for_timestamps_without_an_offset(ctx):
    raw = b"transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price\n"
    raw += b"T1,1,S-001,2026-03-15T18:00:00,SKU-1,1,2\nT2,1,S-001,2026-03-15T18:00:00+08:00,SKU-1,1,2\n"
    profile = MappingProfile(name="tokyo-till", columns={}, timezone="Asia/Tokyo")
    typed, rejects = validate(parse(raw, "csv", profile).frame, ctx)
    assert rejects.empty
    assert typed["timestamp"].tolist() == [
        pd.Timestamp("2026-03-15T09:00:00Z"),  # 18:00 in Tokyo (+9), not in the store's Manila (+8)
        pd.Timestamp("2026-03-15T10:00:00Z"),  # an explicit offset wins
    ]
