"""The pydantic models: refuse unknown fields (mass assignment), agree with the canonical columns."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.schema import (
    CANONICAL_COLUMNS,
    CANONICAL_DTYPES,
    REQUIRED_COLUMNS,
    BatchStatus,
    IngestAccepted,
    ProductIn,
    RowError,
    StoreIn,
    TransactionLine,
)

LINE = {
    "transaction_id": "T-1",
    "line_number": 1,
    "store_id": "S-001",
    "timestamp": "2026-03-15T18:42:07+08:00",
    "sku": "SKU-1",
    "quantity": 2,
    "unit_price": 15.5,
}


def test_transaction_line_fields_are_the_canonical_columns():
    assert tuple(TransactionLine.model_fields) == CANONICAL_COLUMNS == tuple(CANONICAL_DTYPES)
    required = tuple(n for n, f in TransactionLine.model_fields.items() if f.is_required())
    assert required == REQUIRED_COLUMNS


@pytest.mark.parametrize(
    ("model", "body", "smuggled"),
    [
        (TransactionLine, LINE, "vendor_id"),
        (TransactionLine, LINE, "batch_id"),
        (TransactionLine, LINE, "status"),
        (
            StoreIn,
            {"store_id": "S", "vendor_id": "v", "name": "n", "region": "r", "province": "p", "city": "c"},
            "is_admin",
        ),
        (ProductIn, {"sku": "S", "product_name": "n", "brand": "b", "category": "c"}, "margin"),
    ],
)
def test_unknown_fields_are_refused(model, body, smuggled):
    model.model_validate(body)
    with pytest.raises(ValidationError) as caught:
        model.model_validate({**body, smuggled: "x"})
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("change", "error_field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"unit_price": -1}, "unit_price"),
        ({"payment_method": "bitcoin"}, "payment_method"),
        ({"age": 121}, "age"),
        ({"currency": "PESO"}, "currency"),
        ({"line_number": 0}, "line_number"),
    ],
)
def test_line_constraints(change, error_field):
    with pytest.raises(ValidationError) as caught:
        TransactionLine.model_validate({**LINE, **change})
    assert caught.value.errors()[0]["loc"] == (error_field,)


def test_line_normalises_payment_case_and_defaults():
    line = TransactionLine.model_validate({**LINE, "payment_method": " GCash "})
    assert (line.payment_method, line.discount, line.currency) == ("gcash", 0, "PHP")


def test_json_schemas_for_the_openapi_document():
    for model in (TransactionLine, StoreIn, ProductIn, IngestAccepted, BatchStatus, RowError):
        schema = model.model_json_schema()
        assert schema["type"] == "object" and schema["properties"]
    line = TransactionLine.model_json_schema()
    assert line["additionalProperties"] is False
    assert line["properties"]["quantity"]["exclusiveMinimum"] == 0
    assert "examples" in line["properties"]["payment_method"]
