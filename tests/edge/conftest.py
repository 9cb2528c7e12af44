"""Fixtures for the edge client tests: a flaky ingest server and lines to capture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.edge.flaky_server import FlakyIngestServer


@pytest.fixture
def flaky_server() -> Iterator[FlakyIngestServer]:
    server = FlakyIngestServer().start()
    try:
        yield server
    finally:
        server.stop()


def make_lines(count: int, store: str = "NCR-001", start: int = 0) -> list[dict[str, Any]]:
    """``count`` lines, three per transaction, with distinct (transaction id, line number)."""
    return [
        {
            "transaction_id": f"T-{(start + i) // 3:06d}",
            "line_number": (start + i) % 3 + 1,
            "store_id": store,
            "timestamp": "2026-03-15T18:42:07+08:00",
            "sku": f"SKU-{(start + i) % 17:05d}",
            "quantity": 1 + (start + i) % 4,
            "unit_price": 25.5,
            "payment_method": "gcash",
        }
        for i in range(count)
    ]
