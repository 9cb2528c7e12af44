"""Clean: defaults filled; one row per (transaction_id, line_number); repeats counted or refused."""

from __future__ import annotations

from shared.etl.clean import clean
from shared.etl.validate import validate
from tests.etl.conftest import raw_frame


def test_defaults_for_optional_fields(ctx):
    valid, _ = validate(raw_frame({"discount": None, "currency": None, "payment_method": None}), ctx)
    cleaned, rejects, duplicates = clean(valid)
    row = cleaned.iloc[0]
    assert (row.discount, row.currency, row.payment_method) == (0.0, "PHP", "other")
    assert rejects.empty and duplicates == 0


def test_identical_repeats_are_dropped_and_counted(ctx):
    valid, _ = validate(raw_frame({}, {}, {"line_number": "2"}, {}), ctx)  # rows 1, 2, 4 are the same line
    cleaned, rejects, duplicates = clean(valid)
    assert cleaned["_row"].tolist() == [1, 3]  # the first copy goes on
    assert duplicates == 2
    assert rejects.empty


def test_repeats_that_differ_only_in_whitespace_or_case_are_identical(ctx):
    valid, _ = validate(raw_frame({}, {"store_id": " s-001", "payment_method": "GCASH"}), ctx)
    cleaned, rejects, duplicates = clean(valid)
    assert (len(cleaned), duplicates, len(rejects)) == (1, 1, 0)


def test_conflicting_repeats_are_all_refused(ctx):
    valid, _ = validate(raw_frame({}, {"quantity": "3"}, {}, {"transaction_id": "T-2"}), ctx)
    cleaned, rejects, duplicates = clean(valid)
    assert cleaned["transaction_id"].tolist() == ["T-2"]
    assert rejects["_row"].tolist() == [1, 2, 3]  # nothing says which version of T-1001/1 is right
    assert set(rejects["code"]) == {"conflicting_duplicate"}
    assert duplicates == 0
