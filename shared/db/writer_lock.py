"""One writer of facts and summaries at a time, held by the database for a transaction.

A load adds its new lines to the summaries in its own transaction, and a refresh recomputes
summary rows from the fact table; either must see the other whole or not at all. SQLite has one
writer anyway (``BEGIN IMMEDIATE`` takes its lock at the start rather than at the first write);
PostgreSQL and SQL Server get an application lock released at commit or rollback.
"""

from __future__ import annotations

from sqlalchemy import Connection

POSTGRES_KEY = 0x5C0_0002  # advisory lock id
MSSQL_LOCK = (
    "EXEC sp_getapplock @Resource = 'scout_load', @LockMode = 'Exclusive', "
    "@LockOwner = 'Transaction', @LockTimeout = 600000"
)


def hold(conn: Connection) -> None:
    """Take the writer lock; call first thing in a transaction (it is released when it ends)."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%(key)s)", {"key": POSTGRES_KEY})
    elif dialect == "mssql":
        conn.exec_driver_sql(MSSQL_LOCK)
    else:
        raise ValueError(f"no writer lock for dialect {dialect!r}")
