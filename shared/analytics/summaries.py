"""Keeping the summary tables equal to the fact table: add a load's new transactions, refresh
what else a batch touched, rebuild all, and measure drift.

A load adds the grouped rows of the lines it writes to every summary (sums added, first/last
dates widened) in its own transaction, so the summaries move with the facts in one commit and a
rerun of the load, which writes nothing, adds nothing (``add_new_lines``). That is exact for
transactions new to the fact table. For a transaction the table already held (a resent, changed
or split one) it is not (distinct counts, baskets and pairs are not sums of parts; a changed
line's old version is not taken away), so the summary rows of its store-days are recomputed
whole (delete + insert from a grouped SELECT), which can be repeated any number of times with
the same result. A refresh commits after each table, finer tables first, so other writers (the
ingest accept path) get the write lock in between; a refresh interrupted part-way is completed
by running it again. Both hold the database's writer lock (``shared.db.writer_lock``), so
neither sees half of the other.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Dialect,
    Engine,
    Executable,
    MetaData,
    String,
    Table,
    bindparam,
    case,
    delete,
    func,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.dialects import mssql, postgresql, sqlite
from sqlalchemy.schema import CreateTable, DropTable

from shared.analytics.calendar import first_of_month, month_end
from shared.analytics.sources import Scope, Source, SummarySource, fact_source
from shared.analytics.summary_tables import SPECS, SPECS_BY_NAME, UNKNOWN, SummarySpec
from shared.db import writer_lock
from shared.db.tables import dim_store, summary_change
from shared.db.tables import fact_sales_line as fact
from shared.telemetry import get_logger

log = get_logger("analytics.summaries")
CHANGES_KEPT = 1000  # a copy further behind than this reloads whole


def _source(spec: SummarySpec, scope: Scope | None) -> Source:
    if spec.source is None:
        return fact_source(spec.dims, scope, only_identified=spec.only_identified)
    return SummarySource(SPECS_BY_NAME[spec.source].table, spec.dims)


def _recompute(conn: Connection, spec: SummarySpec, scope: Scope | None) -> None:
    table = spec.table
    statement = delete(table)
    if scope is not None:
        times = scope.months if spec.time_dim == "month" else scope.dates
        statement = statement.where(table.c[spec.time_dim].in_(list(times or [])))
        locations = {"store_id": scope.stores, "region": scope.regions}.get(spec.location or "")
        if spec.location is not None and locations is not None:
            statement = statement.where(table.c[spec.location].in_(list(locations)))
    conn.execute(statement)
    grouped = _source(spec, scope).grouped(spec.dims, spec.measures, scope)
    conn.execute(table.insert().from_select([*spec.dims, *spec.measures], grouped))
    if spec.in_memory:
        days = (None, None) if scope is None else (scope.date_from, scope.date_to)
        _record_changes(conn, [spec], *days)


def _record_changes(conn: Connection, specs: list[SummarySpec], first: Any, last: Any) -> None:
    """Note in ``summary_change`` that this transaction changed the rows of ``specs`` from day
    ``first`` to ``last`` (None: every day), and forget all but the latest changes."""
    if not specs:
        return
    conn.execute(
        summary_change.insert(),
        [
            {"table_name": spec.name, "stamp": uuid.uuid4().hex, "date_from": first, "date_to": last}
            for spec in specs
        ],
    )
    newest = select(func.max(summary_change.c.version)).scalar_subquery()
    conn.execute(delete(summary_change).where(summary_change.c.version <= newest - CHANGES_KEPT))


def add_new_lines(conn: Connection, batch_id: str) -> None:
    """Add to every summary the lines ``batch_id`` wrote.

    Run inside the load's transaction, after its lines are written. Each table's rows for the new
    lines are grouped into a temporary table (finer tables from the fact table, the others rolled
    up from their source's new rows), then merged into the summary. Exact for transactions new to
    the fact table; the load leaves the store-days of the others for ``refresh`` to recompute.
    """
    additions = _additions(conn.dialect)
    for addition in additions:
        conn.exec_driver_sql(addition.create)
        conn.execute(addition.fill, {"batch_id": batch_id} if addition.from_facts else {})
    for addition in additions:
        conn.execute(addition.merge)
    days = fact.c.local_date
    first, last = conn.execute(
        select(func.min(days), func.max(days)).where(fact.c.batch_id == batch_id)
    ).one()
    _record_changes(conn, [spec for spec in SPECS if spec.in_memory], first, last)
    # on an error the load rolls back, which takes the temporary tables with it (DDL is
    # transactional in SQLite, PostgreSQL and SQL Server)
    for addition in reversed(additions):
        conn.exec_driver_sql(addition.drop)


@dataclass(frozen=True)
class _Addition:
    """The statements that add one load's new rows to one summary table."""

    create: str  # the temporary table for the new rows
    fill: Executable  # group the new rows into it
    from_facts: bool  # ``fill`` reads the fact table (and binds ``batch_id``)
    merge: Executable  # insert them into the summary, or add them to its rows
    drop: str


_ADDITIONS: dict[str, list[_Addition]] = {}


def _additions(dialect: Dialect) -> list[_Addition]:
    """Built once per dialect: the same statement objects each time, so SQLAlchemy compiles them once."""
    if dialect.name in _ADDITIONS:
        return _ADDITIONS[dialect.name]
    scope = Scope(date.min, date.max, batch_id=bindparam("batch_id", type_=String))
    additions, new_rows = [], {}
    for spec in SPECS:
        columns = [Column(c.name, c.type) for c in spec.table.c]
        if dialect.name == "mssql":
            rows = Table(f"#new_{spec.name}", MetaData(), *columns)
        else:
            rows = Table(f"new_{spec.name}", MetaData(), *columns, prefixes=["TEMPORARY"])
        new_rows[spec.name] = rows
        if spec.source is None:
            grouped = _source(spec, scope).grouped(spec.dims, spec.measures, scope)
        else:
            grouped = SummarySource(new_rows[spec.source], spec.dims).grouped(spec.dims, spec.measures, None)
        additions.append(
            _Addition(
                create=str(CreateTable(rows).compile(dialect=dialect)),
                fill=rows.insert().from_select([*spec.dims, *spec.measures], grouped),
                from_facts=spec.source is None,
                merge=_merge_added(spec, rows, dialect.name),
                drop=str(DropTable(rows).compile(dialect=dialect)),
            )
        )
    _ADDITIONS[dialect.name] = additions
    return additions


def _combined(measure: str, stored: Any, added: Any) -> Any:
    if measure == "first_date":
        return case((added < stored, added), else_=stored)
    if measure == "last_date":
        return case((added > stored, added), else_=stored)
    return stored + added


def _merge_added(spec: SummarySpec, rows: Table, dialect: str) -> Any:
    """Insert ``rows`` into the summary, or add them to the rows already there (same dimensions)."""
    if dialect == "mssql":
        return text(_merge_statement(spec, rows))
    table, columns = spec.table, [*spec.dims, *spec.measures]
    module = sqlite if dialect == "sqlite" else postgresql
    # WHERE: SQLite would read ON CONFLICT right after FROM as a join constraint
    statement = module.insert(table).from_select(columns, select(*(rows.c[c] for c in columns)).where(true()))
    return statement.on_conflict_do_update(
        index_elements=list(spec.dims),
        set_={m: _combined(m, table.c[m], statement.excluded[m]) for m in spec.measures},
    )


def _merge_statement(spec: SummarySpec, rows: Table) -> str:
    """SQL Server's form of :func:`_merge_added`, run only against Azure SQL (tests check its text)."""

    def combined(m: str) -> str:
        both = _combined(m, literal_column(f"target.{m}"), literal_column(f"source.{m}"))
        return str(both.compile(dialect=mssql.dialect()))

    columns = [*spec.dims, *spec.measures]
    match = " AND ".join(f"target.{d} = source.{d}" for d in spec.dims)
    updates = ", ".join(f"target.{m} = {combined(m)}" for m in spec.measures)
    values = ", ".join(f"source.{c}" for c in columns)
    return " ".join(  # schema identifiers only, no values in the text
        (
            f"MERGE {spec.name} WITH (HOLDLOCK) AS target USING {rows.name} AS source ON {match}",
            f"WHEN MATCHED THEN UPDATE SET {updates}",  # nosec B608 - schema identifiers only
            f"WHEN NOT MATCHED BY TARGET THEN INSERT ({', '.join(columns)}) VALUES ({values});",  # noqa: S608
        )
    )


def _regions_of(conn: Connection, stores: Iterable[str]) -> dict[str, str]:
    stores = sorted(set(stores))
    found = dict(
        conn.execute(
            select(dim_store.c.store_id, dim_store.c.region).where(dim_store.c.store_id.in_(stores))
        ).all()
    )
    return {store: found.get(store, UNKNOWN) for store in stores}


def _scope_for(spec: SummarySpec, dates: list[date], stores: list[str], regions: list[str]) -> Scope:
    """The rows of ``spec`` that contain the touched (store, day) pairs, as a scope."""
    at_stores = stores if spec.location == "store_id" else None
    in_regions = regions if spec.location == "region" else None
    if spec.time_dim == "month":
        months = sorted({first_of_month(d) for d in dates})
        return Scope(months[0], month_end(months[-1]), months=months, stores=at_stores, regions=in_regions)
    return Scope(dates[0], dates[-1], dates=dates, stores=at_stores, regions=in_regions)


def refresh(engine: Engine, touched: list[tuple[str, date]]) -> None:
    """Recompute every summary row containing one of the touched (store_id, local_date) pairs.

    Pairs are grouped by day; each group recomputes its days for the union of its stores, and
    the months/regions containing them, one table per transaction.
    """
    if not touched:
        return
    by_stores: dict[tuple[str, ...], set[date]] = defaultdict(set)
    stores_by_day: dict[date, set[str]] = defaultdict(set)
    for store, day in touched:
        stores_by_day[day].add(store)
    for day, day_stores in stores_by_day.items():
        by_stores[tuple(sorted(day_stores))].add(day)
    with engine.connect() as conn:
        regions_of = _regions_of(conn, (s for s, _d in touched))
    for stores, days in by_stores.items():
        dates = sorted(days)
        regions = sorted({regions_of[s] for s in stores})
        for spec in SPECS:
            with engine.begin() as conn:
                writer_lock.hold(conn)
                _recompute(conn, spec, _scope_for(spec, dates, list(stores), regions))


def rebuild_all(engine: Engine) -> None:
    """Recompute every summary table from the fact table (finer tables first)."""
    with engine.begin() as conn:
        writer_lock.hold(conn)
        for spec in SPECS:
            _recompute(conn, spec, None)


def _rows(conn: Connection, query: Any, spec: SummarySpec) -> dict[tuple[str, ...], tuple[Any, ...]]:
    def value(raw: Any) -> Any:
        return float(raw or 0) if not isinstance(raw, (str, date)) else str(raw)

    return {
        tuple(str(row._mapping[d]) for d in spec.dims): tuple(value(row._mapping[m]) for m in spec.measures)
        for row in conn.execute(query)
    }


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return all(
        x == y if isinstance(x, str) else math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6)
        for x, y in zip(a, b, strict=True)
    )


def _months_present(conn: Connection) -> list[date]:
    """Every month from the earliest to the latest day in the fact table or any summary."""
    bounds = [conn.execute(select(func.min(fact.c.local_date), func.max(fact.c.local_date))).one()]
    for spec in SPECS:
        column = spec.table.c[spec.time_dim]
        bounds.append(conn.execute(select(func.min(column), func.max(column))).one())
    days = [_as_date(d) for pair in bounds for d in pair if d is not None]
    months, cursor = [], first_of_month(min(days)) if days else None
    while cursor is not None and cursor <= max(days):
        months.append(cursor)
        cursor = month_end(cursor) + timedelta(days=1)
    return months


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _month_drift(conn: Connection, spec: SummarySpec, month: date) -> dict[str, int]:
    """Rows of ``spec`` in ``month`` missing, extra or different against the fact table."""
    scope = Scope(month, month_end(month), months=[month])
    source = fact_source(spec.dims, None, only_identified=spec.only_identified)
    expected = _rows(conn, source.grouped(spec.dims, spec.measures, scope), spec)
    time = spec.table.c[spec.time_dim]
    columns = [spec.table.c[c] for c in (*spec.dims, *spec.measures)]
    actual = _rows(conn, select(*columns).where(time >= month, time <= month_end(month)), spec)
    return {
        "missing": sum(1 for key in expected if key not in actual),
        "extra": sum(1 for key in actual if key not in expected),
        "different": sum(
            1 for key, value in expected.items() if key in actual and not _same(value, actual[key])
        ),
    }


def _add(report: dict[str, dict[str, int]], name: str, counts: dict[str, int]) -> None:
    if any(counts.values()):
        total = report.setdefault(name, {"missing": 0, "extra": 0, "different": 0})
        for kind, n in counts.items():
            total[kind] += n


def drift(engine: Engine) -> dict[str, dict[str, int]]:
    """Per summary table, how many rows are missing, extra or different compared with a fresh
    recomputation from the fact table. Tables that match are left out: ``{}`` means no drift.

    Compared one month at a time, so memory stays bounded whatever the table sizes."""
    report: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        months = _months_present(conn)
        for spec in SPECS:
            for month in months:
                _add(report, spec.name, _month_drift(conn, spec, month))
    if report:
        log.warning("summary drift", extra={"drift": report})
    return report


def reconcile(engine: Engine) -> dict[str, dict[str, int]]:
    """Find drift month by month (reads only) and recompute just the drifted months of each table
    (finer tables first), one transaction each: the nightly run writes nothing when nothing
    drifted, and never holds the write lock longer than one table's month. Returns the drift found.
    """
    report: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        months = _months_present(conn)
    for spec in SPECS:
        for month in months:
            with engine.connect() as conn:
                counts = _month_drift(conn, spec, month)
            if any(counts.values()):
                days = [month + timedelta(days=n) for n in range((month_end(month) - month).days + 1)]
                with engine.begin() as conn:
                    writer_lock.hold(conn)
                    _recompute(conn, spec, Scope(month, month_end(month), months=[month], dates=days))
                _add(report, spec.name, counts)
    if report:
        log.warning("summary drift repaired", extra={"drift": report})
    return report
