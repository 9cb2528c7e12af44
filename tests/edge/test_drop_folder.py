"""Capturing CSV exports from a drop folder: typed values, each file once, bad files set aside."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_sync_client import drop_folder
from edge_sync_client.outbox import Outbox

HEADER = "transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price,discount,customer_id\n"


def test_rows_become_typed_lines_without_empty_cells() -> None:
    lines = drop_folder.parse_csv(HEADER + "T1,1,NCR-001,2026-03-15T18:42:07+08:00,SKU-1,2,25.50,,\n")
    assert lines == [
        {
            "transaction_id": "T1",
            "line_number": 1,
            "store_id": "NCR-001",
            "timestamp": "2026-03-15T18:42:07+08:00",
            "sku": "SKU-1",
            "quantity": 2.0,
            "unit_price": 25.5,
        }
    ]


@pytest.mark.parametrize(
    "text,message",
    [
        ("transaction_id,store_id\nT1,S1\n", "missing columns: line_number"),
        (HEADER + "T1,one,S,2026-01-01,K,1,1,,\n", "row 2, line_number"),
        (HEADER + "T1,1,S,2026-01-01,K,1,1,,,extra\n", "more cells than columns"),
    ],
)
def test_malformed_csv_is_refused_with_the_row(text: str, message: str) -> None:
    with pytest.raises(drop_folder.CsvError, match=message):
        drop_folder.parse_csv(text)


def test_each_file_is_captured_once_and_bad_files_are_set_aside(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    good = HEADER + "T1,1,NCR-001,2026-03-15T18:42:07+08:00,SKU-1,2,25.50,,\n"
    (folder / "a.csv").write_text(good)
    (folder / "bad.csv").write_text("nonsense\n")
    (folder / "partial.csv.tmp").write_text(good)  # still being written: not a *.csv yet
    with Outbox(tmp_path / "o.db") as outbox:
        first = drop_folder.scan(outbox, folder)
        assert (first.files, first.captured, first.rejected) == (2, 1, 1)
        assert (folder / "done" / "a.csv").exists()
        assert "missing columns" in (folder / "rejected" / "bad.csv.error").read_text()
        assert (folder / "partial.csv.tmp").exists()

        (folder / "a-again.csv").write_text(good)  # the same export dropped twice
        second = drop_folder.scan(outbox, folder)
        assert (second.captured, second.duplicates) == (0, 1)
        assert outbox.status()["unbatched_lines"] == 1
