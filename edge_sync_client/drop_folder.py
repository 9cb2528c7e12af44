"""Capture from a drop folder: a POS export writes ``*.csv`` files, each is captured in one
transaction and then moved to ``done/`` (or ``rejected/`` with a ``.error`` note).

A file is recognised by its content hash, so a crash between capture and move, or the same
export dropped twice, never captures its lines twice. Write files under another name and rename
them to ``*.csv`` when complete, so a half-written file is never read.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_sync_client.outbox import Outbox

INTEGER_COLUMNS = frozenset({"line_number", "age"})
NUMBER_COLUMNS = frozenset({"quantity", "unit_price", "discount"})
REQUIRED_COLUMNS = ("transaction_id", "line_number", "store_id", "timestamp", "sku", "quantity", "unit_price")


class CsvError(ValueError):
    pass


@dataclass(frozen=True)
class FolderScan:
    files: int
    captured: int
    duplicates: int
    rejected: int


def parse_csv(text: str) -> list[dict[str, Any]]:
    """Rows as dicts with numbers typed and empty cells left out (the server fills defaults)."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise CsvError(f"missing columns: {', '.join(missing)}")
    lines = []
    for number, row in enumerate(reader, start=2):
        line: dict[str, Any] = {}
        for column, raw in row.items():
            if column is None:
                raise CsvError(f"row {number}: more cells than columns")
            value = (raw or "").strip()
            if not value:
                continue
            try:
                if column in INTEGER_COLUMNS:
                    line[column] = int(value)
                elif column in NUMBER_COLUMNS:
                    line[column] = float(value)
                else:
                    line[column] = value
            except ValueError as exc:
                raise CsvError(f"row {number}, {column}: {value!r} is not a number") from exc
        lines.append(line)
    return lines


def capture_file(outbox: Outbox, path: Path) -> tuple[int, int]:
    """Capture one CSV file (idempotent by content). Returns (captured, duplicates)."""
    data = path.read_bytes()
    lines = parse_csv(data.decode("utf-8-sig"))
    result = outbox.capture(lines, source=(hashlib.sha256(data).hexdigest(), path.name))
    return result.captured, result.duplicates


def scan(outbox: Outbox, folder: Path) -> FolderScan:
    done, rejected_dir = folder / "done", folder / "rejected"
    files = captured = duplicates = rejected = 0
    for path in sorted(folder.glob("*.csv")):
        files += 1
        try:
            got, dup = capture_file(outbox, path)
        except (CsvError, UnicodeDecodeError) as error:
            rejected_dir.mkdir(exist_ok=True)
            path.replace(rejected_dir / path.name)
            (rejected_dir / f"{path.name}.error").write_text(f"{error}\n")
            rejected += 1
            continue
        captured += got
        duplicates += dup
        done.mkdir(exist_ok=True)
        path.replace(done / path.name)
    return FolderScan(files, captured, duplicates, rejected)
