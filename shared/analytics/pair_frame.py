"""A process's in-memory copy of ``pair_region_month``, for the product pairs of ``/api/products``.

Pairs are counted over the three or four whole months ending the range; in SQL that groups every
pair row of those months (~30k at 10M lines) per request. Here the rows are held sorted by month,
with codes for region and pair: a request's counts are one slice and one ``bincount``. The copy
follows the table as ``shared.analytics.followed`` describes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Connection, literal, select, type_coerce
from sqlalchemy.types import NullType

from shared.analytics.calendar import first_of_month, month_end
from shared.analytics.followed import SEPARATOR, Codes, DayRange, Followed, encoded, raw_chunks
from shared.analytics.summary_tables import TABLES

TABLE = TABLES["pair_region_month"]


def month_number(value: date | str) -> int:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.year * 12 + day.month - 1


@dataclass(frozen=True)
class Rows:
    month: np.ndarray  # int64, ascending
    region: np.ndarray  # int64 codes
    pair: np.ndarray  # int64 codes
    transactions: np.ndarray  # int64

    def outside(self, first: int, last: int) -> Rows:
        keep = (self.month < first) | (self.month > last)
        return Rows(self.month[keep], self.region[keep], self.pair[keep], self.transactions[keep])

    def merged(self, other: Rows) -> Rows:
        at = np.searchsorted(self.month, other.month)
        return Rows(
            np.insert(self.month, at, other.month),
            np.insert(self.region, at, other.region),
            np.insert(self.pair, at, other.pair),
            np.insert(self.transactions, at, other.transactions),
        )


class PairFrame:
    """One version of the copy; a change builds a new one (the codes are shared, append-only)."""

    def __init__(self, rows: Rows, regions: Codes, pairs: Codes) -> None:
        self.rows, self.regions, self.pairs = rows, regions, pairs
        self.region_count, self.pair_count = len(regions.values), len(pairs.values)
        skus = pd.Series([sku for pair in pairs.values[: self.pair_count] for sku in pair], dtype=object)
        codes, self.skus = pd.factorize(skus)
        self.sku_a, self.sku_b = codes[0::2].astype(np.int64), codes[1::2].astype(np.int64)

    def counts(self, first: date, last: date, regions: Iterable[str] | None) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's transactions over the months from ``first``'s to ``last``'s (in ``regions``,
        or all): the codes of the pairs bought together at least once (``sku_a``/``sku_b`` give
        their SKUs' codes in ``skus``), and their counts."""
        lo = np.searchsorted(self.rows.month, month_number(first), "left")
        hi = np.searchsorted(self.rows.month, month_number(last), "right")
        pair, transactions = self.rows.pair[lo:hi], self.rows.transactions[lo:hi]
        if regions is not None:
            inside = self.regions.mask(regions, self.region_count)[self.rows.region[lo:hi]]
            pair, transactions = pair[inside], transactions[inside]
        totals = np.bincount(pair, weights=transactions, minlength=self.pair_count).astype(np.int64)
        found = np.flatnonzero(totals)
        return found, totals[found]


def _load(conn: Connection) -> PairFrame:
    regions, pairs = Codes("region", 31), Codes("pair", 31)
    return PairFrame(_read(conn, None, regions, pairs), regions, pairs)


def _update(conn: Connection, frame: PairFrame, ranges: list[DayRange]) -> PairFrame:
    rows = frame.rows
    for first, last in ranges:
        months = (first_of_month(first), month_end(last))
        fresh = _read(conn, months, frame.regions, frame.pairs)
        rows = rows.outside(month_number(months[0]), month_number(months[1])).merged(fresh)
    return PairFrame(rows, frame.regions, frame.pairs)


COPIES = Followed(TABLE.name, _load, _update)


def current(conn: Connection) -> PairFrame:
    """The copy of ``conn``'s database, up to date."""
    return COPIES.current(conn)


def _read(conn: Connection, months: DayRange | None, regions: Codes, pairs: Codes) -> Rows:
    """The table's rows (of the months from ``months[0]`` to ``months[1]``, or all), sorted by month."""
    c = TABLE.c
    query = select(
        *(type_coerce(column, NullType()) for column in (c.month, c.region)),
        type_coerce(c.sku_a + literal(SEPARATOR) + c.sku_b, NullType()),
        type_coerce(c.transactions, NullType()),
    )
    if months is not None:
        query = query.where(c.month >= months[0], c.month <= months[1])
    parts: list[tuple[np.ndarray, ...]] = [tuple(np.empty(0, np.int64) for _ in range(4))]
    for chunk in raw_chunks(conn, query):
        month, region, pair, transactions = zip(*chunk, strict=True)
        parts.append(
            (
                encoded(month, month_number),
                encoded(region, regions.code),
                encoded(pair, lambda joined: pairs.code(tuple(joined.split(SEPARATOR)))),
                np.asarray(transactions, np.int64),
            )
        )
    month_, region_, pair_, transactions_ = (np.concatenate(column) for column in zip(*parts, strict=True))
    order = np.argsort(month_, kind="stable")
    return Rows(month_[order], region_[order], pair_[order], transactions_[order])
