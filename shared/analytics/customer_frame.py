"""A process's in-memory copy of ``sum_customer_store_day``, for ``/api/customers``.

The customers answer needs, per customer, figures over any range of days in any set of stores;
in SQL that reads every customer's rows in the range (427k at 10M lines for two years). Here the
rows are sorted by one 64-bit key, customer | profile (age band, gender, loyalty tier) | store |
day, so each (customer, profile, store) run's rows in a range are found by two binary searches
and all runs are summed in one vectorised pass.

The copy follows the table as ``shared.analytics.followed`` describes: only changed days are
read again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, Connection, literal, select, type_coerce
from sqlalchemy.types import NullType

from shared.analytics.followed import SEPARATOR, Codes, DayRange, Followed, encoded, raw_chunks
from shared.analytics.summary_tables import TABLES

TABLE = TABLES["sum_customer_store_day"]
PROFILE = ("age_band", "gender", "loyalty_tier")
DAY_BITS, STORE_BITS, PROFILE_BITS, CUSTOMER_BITS = 15, 16, 8, 24  # 63 bits: the key stays positive
EPOCH = date(1970, 1, 1)  # day 0; 2^15 days reach into 2059


@dataclass(frozen=True)
class CustomerTotals:
    """Per customer and profile: figures, the day number (from :data:`EPOCH`) of the last purchase,
    and whether the customer bought before the range. Customers and profiles are codes."""

    customer: np.ndarray  # int64: equal codes, same customer
    profile: np.ndarray  # int64: row of ``profiles``
    profiles: np.ndarray  # object, one column per PROFILE name
    transactions: np.ndarray
    revenue: np.ndarray
    last_day: np.ndarray
    seen_before: np.ndarray

    @staticmethod
    def of(
        customer: Any,
        profile: Any,
        profiles: Any,
        transactions: Any,
        revenue: Any,
        last_day: Any,
        seen_before: Any,
    ) -> CustomerTotals:
        return CustomerTotals(
            np.asarray(customer, np.int64),
            np.asarray(profile, np.int64),
            np.array(list(profiles), dtype=object).reshape(-1, len(PROFILE)),
            np.asarray(transactions, np.int64),
            np.asarray(revenue, np.float64),
            np.asarray(last_day, np.int64),
            np.asarray(seen_before, bool),
        )

    def attribute(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Each row's code for the profile attribute ``name``, and the attribute's values in order."""
        values, codes = np.unique(self.profiles[:, PROFILE.index(name)], return_inverse=True)
        return codes.reshape(-1)[self.profile], values


class Runs:
    """The (customer, profile, store) of each run, by its joined text, as codes packed in a key."""

    def __init__(self) -> None:
        self.customers = Codes("customer", CUSTOMER_BITS)
        self.profiles = Codes("profile", PROFILE_BITS)
        self.stores = Codes("store", STORE_BITS)
        self._keys: dict[str, int] = {}

    def key(self, joined: str) -> int:
        found = self._keys.get(joined)
        if found is None:
            parts = joined.split(SEPARATOR)
            if len(parts) != len(PROFILE) + 2:
                raise ValueError(f"a customer summary value holds the separator: {joined!r}")
            customer, *profile, store = parts
            found = self._keys[joined] = (
                (self.customers.code(customer) << (PROFILE_BITS + STORE_BITS))
                | (self.profiles.code(tuple(profile)) << STORE_BITS)
                | self.stores.code(store)
            )
        return found


def day_number(value: date | str) -> int:
    return ((date.fromisoformat(value) if isinstance(value, str) else value) - EPOCH).days


@dataclass(frozen=True)
class Rows:
    """Rows sorted by ``key``, with their transactions and revenue."""

    key: np.ndarray  # int64
    transactions: np.ndarray  # int32
    revenue: np.ndarray  # float64

    def outside(self, first: int, last: int) -> Rows:
        days = self.key & ((1 << DAY_BITS) - 1)
        keep = (days < first) | (days > last)
        return Rows(self.key[keep], self.transactions[keep], self.revenue[keep])

    def merged(self, other: Rows) -> Rows:
        at = np.searchsorted(self.key, other.key)
        return Rows(
            np.insert(self.key, at, other.key),
            np.insert(self.transactions, at, other.transactions),
            np.insert(self.revenue, at, other.revenue),
        )


class CustomerFrame:
    """One version of the copy: the rows and their (customer, profile, store) runs. Never changed
    once built; a change builds a new one."""

    def __init__(self, rows: Rows, runs: Runs) -> None:
        self.rows, self.runs = rows, runs
        customers, self.profiles, self.stores = runs.customers, runs.profiles, runs.stores
        # codes are shared with later versions, which may add some: these rows use the first n
        self.customer_count, self.store_count = len(customers.values), len(self.stores.values)
        run_of_row = rows.key >> DAY_BITS
        self.run_start = np.flatnonzero(np.diff(run_of_row, prepend=-1))
        self.run_key = run_of_row[self.run_start]

    def totals(self, first: date, last: date, stores: Iterable[str] | None) -> CustomerTotals:
        """Per customer and profile with purchases from ``first`` to ``last`` (in ``stores``, or
        anywhere), and whether they bought there before ``first``."""
        run_key, run_start = self.run_key, self.run_start
        if stores is not None:
            inside = self.stores.mask(stores, self.store_count)[run_key & ((1 << STORE_BITS) - 1)]
            run_key, run_start = run_key[inside], run_start[inside]
        base = run_key << DAY_BITS
        lo = np.searchsorted(self.rows.key, base | _clip(day_number(first)), "left")
        hi = np.searchsorted(self.rows.key, base | _clip(day_number(last)), "right")
        seen = np.zeros(self.customer_count, bool)
        seen[(run_key >> (STORE_BITS + PROFILE_BITS))[lo > run_start]] = True
        bought = hi > lo
        lo, hi, person = lo[bought], hi[bought], run_key[bought] >> STORE_BITS
        # runs of one customer and profile are adjacent (the key sorts by them first)
        starts = np.flatnonzero(np.diff(person, prepend=-1))
        person = person[starts]
        customer = person >> PROFILE_BITS
        # each run's rows lo..hi-1 summed in one pass: runs are disjoint and in key order
        bounds = np.empty(2 * len(lo), np.int64)
        bounds[0::2], bounds[1::2] = lo, hi
        if len(bounds) and bounds[-1] == len(self.rows.key):
            bounds = bounds[:-1]  # the last run reaches the end: its sum is the last one reduceat takes

        def per_person(values: np.ndarray) -> np.ndarray:
            wide = np.float64 if values.dtype.kind == "f" else np.int64
            if not len(bounds):
                return np.zeros(0, wide)
            return np.add.reduceat(np.add.reduceat(values, bounds, dtype=wide)[0::2], starts)

        return CustomerTotals.of(
            customer,
            person & ((1 << PROFILE_BITS) - 1),
            self.profiles.values,
            per_person(self.rows.transactions),
            per_person(self.rows.revenue),
            np.maximum.reduceat(self.rows.key[hi - 1] & ((1 << DAY_BITS) - 1), starts),
            seen[customer],
        )


def _clip(day: int) -> int:
    return min(max(day, 0), (1 << DAY_BITS) - 1)


def _load(conn: Connection) -> CustomerFrame:
    runs = Runs()
    return CustomerFrame(_read(conn, None, runs), runs)


def _update(conn: Connection, frame: CustomerFrame, ranges: list[DayRange]) -> CustomerFrame:
    rows = frame.rows
    for first, last in ranges:
        days = (day_number(first), day_number(last))
        rows = rows.outside(*days).merged(_read(conn, days, frame.runs))
    return CustomerFrame(rows, frame.runs)


COPIES = Followed(TABLE.name, _load, _update)


def current(conn: Connection) -> CustomerFrame:
    """The copy of ``conn``'s database, up to date."""
    return COPIES.current(conn)


def _read(conn: Connection, days: tuple[int, int] | None, runs: Runs) -> Rows:
    """The table's rows (of days ``days``, or all), encoded, sorted by key.

    Each row comes back as four values (the run's columns joined in SQL): at 10M lines that is 1.9M
    rows, and Python objects per value are the cost."""
    c = TABLE.c
    run: ColumnElement[Any] = c.customer_key
    for name in (*PROFILE, "store_id"):
        run = run + literal(SEPARATOR) + c[name]
    query = select(
        type_coerce(run, NullType()),
        *(type_coerce(column, NullType()) for column in (c.local_date, c.transactions, c.revenue)),
    )
    if days is not None:
        query = query.where(
            c.local_date >= date.fromordinal(EPOCH.toordinal() + days[0]),
            c.local_date <= date.fromordinal(EPOCH.toordinal() + days[1]),
        )
    keys: list[np.ndarray] = [np.empty(0, np.int64)]
    transactions: list[np.ndarray] = [np.empty(0, np.int32)]
    revenue: list[np.ndarray] = [np.empty(0, np.float64)]
    for chunk in raw_chunks(conn, query):
        run_ids, local_date, chunk_transactions, chunk_revenue = zip(*chunk, strict=True)
        keys.append((encoded(run_ids, runs.key) << DAY_BITS) | encoded(local_date, day_number))
        transactions.append(np.asarray(chunk_transactions, np.int32))
        revenue.append(np.asarray(chunk_revenue, np.float64))
    # each list is dropped once joined: at 10M lines the rows are ~40 MB, and the load peaks ~90 MB above
    key = np.concatenate(keys)
    keys.clear()
    order = np.argsort(key, kind="stable")
    key = key[order]
    joined_transactions = np.concatenate(transactions)[order]
    transactions.clear()
    return Rows(key, joined_transactions, np.concatenate(revenue)[order])
