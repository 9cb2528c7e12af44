# ruff: noqa: S608 - SQL text is built only from the schema's own identifiers; values are bound
"""The ETL's load stage: enriched lines into ``fact_sales_line``, all in one transaction.

A line is keyed by (transaction_id, line_number). Against what the table holds, each line is
*inserted* (new key), a *duplicate* (same key, same ``content_hash``: nothing written) or
*updated* (same key, new hash: the old row is copied to ``fact_sales_line_history`` with the
replacing batch, then overwritten). A rerun of the same load therefore writes nothing and
reports every line as a duplicate.

In the same transaction the lines written are added to the summaries
(``summaries.add_new_lines``), which is exact for transactions the table did not hold yet; the
store-days of the others (changed or split transactions) are returned as ``touched`` and left
in ``summary_refresh_pending`` for the aggregate stage to recompute.

Loads hold the writer lock for their transaction (``shared.db.writer_lock``), so two batches
carrying the same line cannot both insert it. The bulk path uses the driver directly:
``executemany`` on sqlite3 and ``COPY`` on psycopg (several times SQLAlchemy Core with dicts,
see ``bench/load.py``); SQL Server stages into a temp table and ``MERGE``s from it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    Numeric,
    SmallInteger,
    String,
    delete,
    select,
)

from shared.analytics import summaries
from shared.db import writer_lock
from shared.db.tables import (
    FACT_COLUMN_NAMES,
    fact_sales_line,
    fact_sales_line_history,
    summary_refresh_pending,
)

KEY = ("transaction_id", "line_number")
FACT = fact_sales_line.name
HISTORY = fact_sales_line_history.name
_COLUMNS = ", ".join(FACT_COLUMN_NAMES)
_MARKS = ", ".join("?" * len(FACT_COLUMN_NAMES))
_CHUNK = 50_000  # lines converted and sent at a time
# SQLite page cache of a load's connection while it loads (KiB; restored after): the fact
# table's four indexes of a large batch stay in memory instead of being spilled and re-read.
_SQLITE_LOAD_CACHE_KIB = 262_144

# Statement text below is built only from the schema's table and column names; values are bound.
_INSERT = f"INSERT INTO {FACT} ({_COLUMNS}) VALUES ({_MARKS})"  # nosec B608 - schema identifiers only
# One statement per this many rows (3,100 bound values, far below SQLite's 32,766): fewer
# statement steps than a row at a time, measured in bench/load.py.
_ROWS_PER_INSERT = 100
_INSERT_ROWS = _INSERT + f", ({_MARKS})" * (_ROWS_PER_INSERT - 1)
_COPY = f"COPY {FACT} ({_COLUMNS}) FROM STDIN WITH (FORMAT csv)"
_STORED = f"SELECT transaction_id, line_number, content_hash, store_id, local_date FROM {FACT} WHERE "  # nosec B608 - schema identifiers only
_STORED_SQLITE = _STORED + "transaction_id IN (SELECT value FROM json_each(?))"  # nosec B608 - a constant
_STORED_PG = _STORED + "transaction_id = ANY(%s)"
_TO_HISTORY = (
    f"INSERT INTO {HISTORY} ({_COLUMNS}, replaced_by_batch, replaced_at) "  # nosec B608 - schema identifiers only
    f"SELECT {_COLUMNS}, ?, ? FROM {FACT} WHERE transaction_id = ? AND line_number = ?"
)
_DELETE = f"DELETE FROM {FACT} WHERE transaction_id = ? AND line_number = ?"  # nosec B608 - schema identifiers only


@dataclass(frozen=True)
class LoadResult:
    inserted: int
    updated: int
    duplicates: int
    # (store_id, local_date) pairs of the transactions the table held before whose lines the load
    # wrote: adding is exact for new transactions only, so these summary rows are recomputed
    touched: list[tuple[str, date]] = field(default_factory=list)


def load_lines(engine: Engine, df: pd.DataFrame, batch_id: str, now: datetime) -> LoadResult:
    """Load ``df`` (exactly :data:`FACT_COLUMN_NAMES`, keys unique) into the fact table."""
    missing = set(FACT_COLUMN_NAMES) - set(df.columns)
    extra = set(df.columns) - set(FACT_COLUMN_NAMES)
    if missing or extra:
        raise ValueError(
            f"load_lines needs exactly the fact columns; missing {sorted(missing)}, extra {sorted(extra)}"
        )
    if df.empty:
        return LoadResult(0, 0, 0, [])
    dialect = engine.dialect.name
    if dialect == "mssql":
        return _load_mssql(engine, df, batch_id, now)
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"no load for dialect {dialect!r}")
    rows = storage_table(df)
    with engine.connect() as conn:
        driver = _Driver(conn, dialect)
        try:
            with driver.cache_for_load():
                writer_lock.hold(conn)
                result = _load(driver, rows, batch_id, now)
                if result.inserted or result.updated:
                    summaries.add_new_lines(conn, batch_id)
                    _leave_for_refresh(conn, batch_id, result.touched)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
    return result


def _leave_for_refresh(conn: Connection, batch_id: str, touched: list[tuple[str, date]]) -> None:
    """Record ``touched`` for the aggregate stage (a rerun that rewrites lines adds only new days)."""
    if not touched:
        return
    already = set(_pending_days(conn, batch_id))
    rows = [
        {"batch_id": batch_id, "store_id": s, "local_date": d} for s, d in touched if (s, d) not in already
    ]
    if rows:
        conn.execute(summary_refresh_pending.insert(), rows)


def _pending_days(conn: Connection, batch_id: str) -> list[tuple[str, date]]:
    pending = summary_refresh_pending
    found = conn.execute(
        select(pending.c.store_id, pending.c.local_date).where(pending.c.batch_id == batch_id)
    ).all()
    return sorted((str(store), _as_date(day)) for store, day in found)


def pending_refresh(engine: Engine, batch_id: str) -> list[tuple[str, date]]:
    """The store-days ``batch_id``'s load left for the aggregate stage to recompute."""
    with engine.connect() as conn:
        return _pending_days(conn, batch_id)


def refreshed(engine: Engine, batch_id: str) -> None:
    """Forget ``batch_id``'s pending store-days once their summaries are recomputed."""
    with engine.begin() as conn:
        conn.execute(delete(summary_refresh_pending).where(summary_refresh_pending.c.batch_id == batch_id))


def storage_table(df: pd.DataFrame, temporal_as_text: bool = True) -> pa.Table:
    """The frame as Arrow columns in the form the databases store: timestamps naive UTC, as
    ``YYYY-MM-DD HH:MM:SS.ffffff`` text and dates as ``YYYY-MM-DD`` when ``temporal_as_text``
    (SQLAlchemy's SQLite forms, which PostgreSQL also parses), booleans as 0/1."""
    arrays = []
    for name in FACT_COLUMN_NAMES:
        column = df[name]
        sql_type = fact_sales_line.c[name].type
        if isinstance(sql_type, DateTime):
            stamps = pa.array(pd.to_datetime(column, utc=True).dt.tz_localize(None)).cast(pa.timestamp("us"))
            arrays.append(stamps.cast(pa.string()) if temporal_as_text else stamps)
        elif isinstance(sql_type, Date):
            days = pa.array(pd.to_datetime(column).dt.date, type=pa.date32())
            arrays.append(days.cast(pa.string()) if temporal_as_text else days)
        elif isinstance(sql_type, Boolean):
            arrays.append(pa.array(column.astype(bool)).cast(pa.int8()))
        else:
            arrays.append(pa.array(column, from_pandas=True).cast(_ARROW_TYPE[type(sql_type)]))
    return pa.Table.from_arrays(arrays, names=list(FACT_COLUMN_NAMES))


# A safe cast: 8.0 becomes 8, 8.5 in an integer column raises instead of being truncated.
_ARROW_TYPE = {
    Integer: pa.int64(),
    SmallInteger: pa.int64(),
    Numeric: pa.float64(),
    String: pa.large_string(),
}


class _Driver:
    """The few statements whose text differs between sqlite3 and psycopg."""

    def __init__(self, conn: Connection, dialect: str) -> None:
        self.connection: Any = conn.connection.driver_connection
        self.dialect = dialect
        self.mark = "?" if dialect == "sqlite" else "%s"

    @contextmanager
    def cache_for_load(self) -> Iterator[None]:
        if self.dialect != "sqlite":
            yield
            return
        cursor = self.connection.cursor()
        (before,) = cursor.execute("PRAGMA cache_size").fetchone()
        cursor.execute(f"PRAGMA cache_size=-{_SQLITE_LOAD_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size={int(before)}")  # shrinking frees the extra pages

    def existing(self, transaction_ids: list[str]) -> list[tuple[Any, ...]]:
        """(key, content_hash, store_id, local_date) of stored lines of these transactions."""
        cursor = self.connection.cursor()
        if self.dialect == "sqlite":
            cursor.execute(_STORED_SQLITE, (json.dumps(transaction_ids),))
        else:
            cursor.execute(_STORED_PG, (transaction_ids,))
        return cursor.fetchall()

    def many(self, sql: str, params: Iterable[Sequence[Any]]) -> None:
        self.connection.cursor().executemany(sql.replace("?", self.mark), params)

    def insert(self, rows: pa.Table) -> None:
        if self.dialect == "sqlite":
            cursor = self.connection.cursor()
            # Python values exist for one chunk at a time (a million lines as objects take ~1 GB).
            for chunk in rows.to_batches(max_chunksize=_CHUNK):
                columns = [c.to_pylist() for c in chunk.columns]
                whole = chunk.num_rows - chunk.num_rows % _ROWS_PER_INSERT
                values = list(chain.from_iterable(zip(*(c[:whole] for c in columns), strict=True)))
                width = _ROWS_PER_INSERT * len(columns)
                statements = (values[i : i + width] for i in range(0, len(values), width))
                cursor.executemany(_INSERT_ROWS, statements)
                cursor.executemany(_INSERT, zip(*(c[whole:] for c in columns), strict=True))
            return
        options = pa_csv.WriteOptions(include_header=False)
        with self.connection.cursor().copy(_COPY) as copy:
            for chunk in rows.to_batches(max_chunksize=_CHUNK):
                buffer = io.BytesIO()
                # Strings are always quoted: an unquoted empty field is NULL, "" an empty string.
                pa_csv.write_csv(chunk, buffer, options)
                copy.write(buffer.getbuffer())


def _load(driver: _Driver, rows: pa.Table, batch_id: str, now: datetime) -> LoadResult:
    keys = rows.select(list(KEY)).to_pandas()
    stored = driver.existing(pd.unique(keys["transaction_id"]).tolist())
    if not stored:
        driver.insert(rows)
        return LoadResult(len(keys), 0, 0, [])

    old = pd.DataFrame(stored, columns=[*KEY, "old_hash", "old_store", "old_date"])
    # A left merge on unique keys keeps the frame's order, so masks line up with ``rows``.
    merged = keys.assign(new_hash=rows.column("content_hash").to_pandas()).merge(
        old, on=list(KEY), how="left"
    )
    present = merged["old_hash"].notna()
    changed = present & (merged["old_hash"] != merged["new_hash"])
    replaced = [(tx, int(line)) for tx, line in merged.loc[changed, list(KEY)].itertuples(index=False)]
    if replaced:
        driver.many(_TO_HISTORY, [(batch_id, _sql_timestamp(now), tx, line) for tx, line in replaced])
        driver.many(_DELETE, replaced)
    written = rows.filter(pa.array((~present | changed).to_numpy()))
    if written.num_rows:
        driver.insert(written)
    # Held transactions this load wrote lines of: every day their lines lay on, before and after.
    held = old["transaction_id"].unique().tolist()
    written_held = written.filter(pc.is_in(written.column("transaction_id"), pa.array(held)))
    changed_held = old[old["transaction_id"].isin(set(written_held.column("transaction_id").to_pylist()))]
    before = {
        (store, _as_date(day))
        for store, day in changed_held[["old_store", "old_date"]].itertuples(index=False)
    }
    return LoadResult(
        inserted=int((~present).sum()),
        updated=len(replaced),
        duplicates=int((present & ~changed).sum()),
        touched=sorted(set(_pairs(written_held)) | before),
    )


def _sql_timestamp(moment: datetime) -> str:
    stamp = pd.Timestamp(moment)
    stamp = stamp.tz_convert("UTC").tz_localize(None) if stamp.tz is not None else stamp
    return stamp.strftime("%Y-%m-%d %H:%M:%S.%f")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _pairs(rows: pa.Table) -> list[tuple[str, date]]:
    pairs = rows.select(["store_id", "local_date"]).group_by(["store_id", "local_date"]).aggregate([])
    days = map(date.fromisoformat, pairs.column("local_date").to_pylist())
    return sorted(zip(pairs.column("store_id").to_pylist(), days, strict=True))


# --- SQL Server --------------------------------------------------------------------------
_SET = ", ".join(f"target.{c} = source.{c}" for c in FACT_COLUMN_NAMES if c not in KEY)
_SOURCE = ", ".join(f"source.{c}" for c in FACT_COLUMN_NAMES)
_MATCH = "target.transaction_id = source.transaction_id AND target.line_number = source.line_number"

MSSQL_LOAD = {
    "stage": f"SELECT TOP 0 {_COLUMNS} INTO #load_stage FROM {FACT}; "  # nosec B608 - schema identifiers only
    "CREATE TABLE #load_changes (action NVARCHAR(10) NOT NULL, transaction_id NVARCHAR(64) NOT NULL, "
    "old_store NVARCHAR(32) NULL, old_date DATE NULL, "
    "new_store NVARCHAR(32) NOT NULL, new_date DATE NOT NULL)",
    "fill": f"INSERT INTO #load_stage ({_COLUMNS}) VALUES ({_MARKS})",  # nosec B608 - schema identifiers only
    "history": f"INSERT INTO {HISTORY} ({_COLUMNS}, replaced_by_batch, replaced_at) "  # nosec B608 - schema identifiers only
    f"SELECT {', '.join(f'target.{c}' for c in FACT_COLUMN_NAMES)}, ?, ? FROM {FACT} AS target "  # nosec B608 - schema identifiers only
    f"JOIN #load_stage AS source ON {_MATCH} WHERE target.content_hash <> source.content_hash",
    # transactions the table holds already: the summary rows of their days are recomputed
    "held": f"SELECT DISTINCT target.transaction_id INTO #load_held FROM {FACT} AS target "  # nosec B608 - schema identifiers only
    "JOIN #load_stage AS source ON target.transaction_id = source.transaction_id",
    "merge": f"MERGE {FACT} WITH (HOLDLOCK) AS target USING #load_stage AS source ON {_MATCH} "  # nosec B608 - schema identifiers only
    f"WHEN MATCHED AND target.content_hash <> source.content_hash THEN UPDATE SET {_SET} "
    f"WHEN NOT MATCHED BY TARGET THEN INSERT ({_COLUMNS}) VALUES ({_SOURCE}) "
    "OUTPUT $action, inserted.transaction_id, deleted.store_id, deleted.local_date, inserted.store_id, "
    "inserted.local_date INTO #load_changes;",
    "counts": "SELECT action, COUNT(*) FROM #load_changes GROUP BY action",
    # every day the lines of held transactions it wrote lay on, before and after
    "touched": f"SELECT store_id, local_date FROM {FACT} WHERE transaction_id IN "  # nosec B608 - schema identifiers only
    "(SELECT c.transaction_id FROM #load_changes AS c "
    "JOIN #load_held AS h ON h.transaction_id = c.transaction_id) "
    "UNION SELECT old_store, old_date FROM #load_changes WHERE action = 'UPDATE'",
    "drop": "DROP TABLE #load_stage; DROP TABLE #load_changes; DROP TABLE #load_held",
}


def _load_mssql(engine: Engine, df: pd.DataFrame, batch_id: str, now: datetime) -> LoadResult:
    """Stage into a temp table (pyodbc ``fast_executemany``), copy changed lines to history, then
    one ``MERGE`` whose OUTPUT says what it inserted and updated, then add the lines written to
    the summaries. Runs only against Azure SQL: the tests check the statements, since no SQL
    Server runs here."""
    rows = storage_table(df, temporal_as_text=False)
    stamp = pd.Timestamp(_sql_timestamp(now)).to_pydatetime()
    with engine.begin() as conn:
        writer_lock.hold(conn)
        conn.exec_driver_sql(MSSQL_LOAD["stage"])
        conn.exec_driver_sql(
            MSSQL_LOAD["fill"], list(zip(*(c.to_pylist() for c in rows.columns), strict=True))
        )
        conn.exec_driver_sql(MSSQL_LOAD["history"], (batch_id, stamp))
        conn.exec_driver_sql(MSSQL_LOAD["held"])
        conn.exec_driver_sql(MSSQL_LOAD["merge"])
        counts = {str(action): int(n) for action, n in conn.exec_driver_sql(MSSQL_LOAD["counts"]).all()}
        touched = sorted(
            (str(store), _as_date(day)) for store, day in conn.exec_driver_sql(MSSQL_LOAD["touched"]).all()
        )
        if counts:  # something was written
            summaries.add_new_lines(conn, batch_id)
            _leave_for_refresh(conn, batch_id, touched)
        conn.exec_driver_sql(MSSQL_LOAD["drop"])
    inserted, updated = counts.get("INSERT", 0), counts.get("UPDATE", 0)
    return LoadResult(inserted, updated, len(df) - inserted - updated, touched)
