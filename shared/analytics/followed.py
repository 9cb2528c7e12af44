"""In-memory copies of summary tables, each kept equal to its table through ``summary_change``.

Every transaction that writes a table marked ``in_memory`` (``summary_tables.SummarySpec``) adds a
row to ``summary_change`` naming the days it changed (``shared.analytics.summaries``). Before a
copy is used, the changes after its version are read (one indexed query); the copy reloads only
their days. A copy of another database at the same URL (a different stamp at its version), one
further behind than the kept changes, or one whose changes include "every day" is read whole.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from shared.db.tables import summary_change

T = TypeVar("T")
DayRange = tuple[date, date]
SEPARATOR = "\x1f"  # joins a row's text columns in SQL into one value (ASCII unit separator)
CHUNK_ROWS = 16_384


@dataclass
class _Copy(Generic[T]):
    value: T
    version: int
    stamp: str


class Followed(Generic[T]):
    """One table's copies, one per database URL.

    ``load(conn)`` builds a copy from the whole table; ``update(conn, copy, ranges)`` returns it with
    the rows of those (disjoint, ascending) day ranges read again."""

    def __init__(
        self,
        table: str,
        load: Callable[[Connection], T],
        update: Callable[[Connection, T, list[DayRange]], T],
    ) -> None:
        self.table, self._load, self._update = table, load, update
        self._copies: dict[str, _Copy[T]] = {}
        self._lock = threading.Lock()

    def current(self, conn: Connection) -> T:
        """The copy for ``conn``'s database, with every change committed before this call."""
        url = conn.engine.url.render_as_string(hide_password=False)
        with self._lock:
            copy = self._copies.get(url)
            since = copy.version if copy is not None else 0
            log = summary_change.c
            changes = conn.execute(
                select(log.version, log.stamp, log.date_from, log.date_to)
                .where(log.table_name == self.table, log.version >= since)
                .order_by(log.version)
            ).all()
            copy = self._brought_up_to_date(conn, copy, changes)
            self._copies[url] = copy
            return copy.value

    def _brought_up_to_date(
        self, conn: Connection, copy: _Copy[T] | None, changes: Sequence[Any]
    ) -> _Copy[T]:
        newest = (changes[-1][0], changes[-1][1]) if changes else (0, "")
        if copy is not None and (copy.version, copy.stamp) == (0, "") and not changes:
            return copy
        if copy is None or not changes or (changes[0][0], changes[0][1]) != (copy.version, copy.stamp):
            ranges = None  # new, from another database, or further behind than the kept changes
        elif len(changes) == 1:
            return copy
        else:
            ranges = [(first, last) for _v, _s, first, last in changes[1:]]
            if any(first is None or last is None for first, last in ranges):
                ranges = None  # every day changed
        if copy is None or ranges is None:
            with _small_page_cache(conn):
                return _Copy(self._load(conn), *newest)
        return _Copy(self._update(conn, copy.value, coalesced(ranges)), *newest)

    def forget(self) -> None:
        """Drop every copy (tests that reuse a database path)."""
        with self._lock:
            self._copies.clear()


class Codes:
    """Values <-> integers from 0, append-only, so a code keeps its meaning in every version."""

    def __init__(self, what: str, bits: int) -> None:
        self.what, self.limit = what, 1 << bits
        self.values: list[Any] = []
        self._index: dict[Any, int] = {}

    def mask(self, values: Iterable[Any], count: int) -> np.ndarray:
        """Of the first ``count`` codes, which stand for one of ``values``."""
        allowed = np.zeros(count, bool)
        found = (self._index.get(v) for v in values)
        allowed[[c for c in found if c is not None and c < count]] = True
        return allowed

    def code(self, value: Any) -> int:
        found = self._index.get(value)
        if found is None:
            if len(self.values) == self.limit:
                raise RuntimeError(f"more than {self.limit} {self.what}s: too many for the in-memory copy")
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found


@contextmanager
def _small_page_cache(conn: Connection, kib: int = 2048) -> Iterator[None]:
    """On SQLite, read a whole table with a small page cache: pages read stay in the connection's
    cache (64 MB, kept for the analytics queries), which they would fill for nothing. Shrinking the
    cache empties it; it grows back as the queries ask."""
    if conn.dialect.name != "sqlite":
        yield
        return
    size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0)
    conn.exec_driver_sql(f"PRAGMA cache_size=-{kib}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={size}")


def encoded(values: Sequence[Any], code: Callable[[Any], int]) -> np.ndarray:
    """``code`` of each value, called once per distinct value."""
    positions, uniques = pd.factorize(pd.Series(values, dtype=object))
    return np.array([code(u) for u in uniques], dtype=np.int64)[positions]


def raw_chunks(conn: Connection, query: Any) -> Iterator[Sequence[Any]]:
    """The rows of ``query`` as the driver gives them, ``CHUNK_ROWS`` at a time: a copy reads up to
    millions of rows, and SQLAlchemy's row objects would cost more than the reading. Unbuffered:
    with ``stream_results`` SQLAlchemy's own buffer would hold rows back from the cursor."""
    cursor = conn.execute(query).cursor
    while chunk := cursor.fetchmany(CHUNK_ROWS):
        yield chunk


def coalesced(ranges: list[DayRange]) -> list[DayRange]:
    """Overlapping or touching ranges joined, in order."""
    out: list[list[date]] = []
    for first, last in sorted(ranges):
        if out and (first - out[-1][1]).days <= 1:
            out[-1][1] = max(out[-1][1], last)
        else:
            out.append([first, last])
    return [(a, b) for a, b in out]
