"""Insert-or-update of many rows in one statement per chunk, in each dialect's own form.

SQLite and PostgreSQL: ``INSERT .. VALUES (..), (..) ON CONFLICT (keys) DO UPDATE``.
SQL Server: ``MERGE .. WITH (HOLDLOCK) USING (VALUES ..)`` (holding the key range so two
concurrent merges cannot both insert the same key).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

# Bound parameters per statement, under each driver's limit (SQL Server: 2,100).
_MAX_PARAMS = {"sqlite": 30_000, "postgresql": 60_000, "mssql": 2_000}
_MAX_ROWS = 1_000  # SQL Server's table value constructor takes at most 1,000 rows


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` (dicts with the same keys); rows whose key exists get ``update_columns``
    (default: every non-key column given) overwritten. Returns the rows affected as the driver counts."""
    affected = 0
    for statement in upsert_statements(conn.dialect, table, rows, key_columns, update_columns):
        result = conn.execute(statement)
        affected += max(result.rowcount, 0)
    return affected


def upsert_statements(
    dialect: Dialect,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key_columns: Sequence[str],
    update_columns: Sequence[str] | None = None,
) -> Iterator[Executable]:
    """The statements :func:`upsert` runs, one per chunk (tests compile them for ``mssql``)."""
    if not rows:
        return
    columns = list(rows[0])
    unknown = [name for name in [*columns, *key_columns] if name not in table.c]
    if unknown or not set(key_columns) <= set(columns):
        raise ValueError(f"upsert into {table.name}: unknown or missing key columns {unknown or key_columns}")
    updates = [c for c in columns if c not in key_columns] if update_columns is None else list(update_columns)
    chunk = max(1, min(_MAX_ROWS, _MAX_PARAMS.get(dialect.name, 2_000) // len(columns)))
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        if dialect.name == "mssql":
            yield _merge(dialect, table, part, columns, key_columns, updates)
        elif dialect.name in ("sqlite", "postgresql"):
            yield _on_conflict(dialect.name, table, part, key_columns, updates)
        else:
            raise ValueError(f"no upsert for dialect {dialect.name!r}")


def _on_conflict(
    dialect_name: str,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Sequence[str],
    updates: list[str],
) -> Executable:
    insert = (sqlite.insert if dialect_name == "sqlite" else postgresql.insert)(table).values(list(rows))
    if not updates:
        return insert.on_conflict_do_nothing(index_elements=list(keys))
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={name: insert.excluded[name] for name in updates}
    )


def _merge(
    dialect: Dialect,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    columns: list[str],
    keys: Sequence[str],
    updates: list[str],
) -> Executable:
    quote = dialect.identifier_preparer.quote
    target = dialect.identifier_preparer.format_table(table)
    names = ", ".join(quote(c) for c in columns)
    values = ", ".join(
        "(" + ", ".join(f":p{i}_{j}" for j in range(len(columns))) + ")" for i in range(len(rows))
    )
    match = " AND ".join(f"target.{quote(k)} = source.{quote(k)}" for k in keys)
    sources = ", ".join(f"source.{quote(c)}" for c in columns)
    # Identifiers come from the Table and are quoted; every value is a bound parameter.
    sql = f"MERGE INTO {target} WITH (HOLDLOCK) AS target USING (VALUES {values}) AS source ({names})"
    sql += f" ON {match}"
    if updates:
        sql += " WHEN MATCHED THEN UPDATE SET " + ", ".join(  # nosec B608 - quoted column names, bound values
            f"target.{quote(c)} = source.{quote(c)}" for c in updates
        )
    sql += f" WHEN NOT MATCHED THEN INSERT ({names}) VALUES ({sources});"  # noqa: S608
    params = [
        bindparam(f"p{i}_{j}", row[name], type_=table.c[name].type)
        for i, row in enumerate(rows)
        for j, name in enumerate(columns)
    ]
    return text(sql).bindparams(*params)
