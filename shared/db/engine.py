"""One SQLAlchemy engine per URL, Alembic migrations run in-process, and the health probe.

Dialects: ``sqlite`` (embedded default, WAL), ``mssql+pyodbc`` (Azure SQL, Entra ID access token,
never a password) and ``postgresql+psycopg`` (on-premise).
"""

from __future__ import annotations

import fcntl
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL

from shared.config import get_settings
from shared.db import write_gate

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
AZURE_SQL_SCOPE = "https://database.windows.net/.default"
SQL_COPT_SS_ACCESS_TOKEN = 1256  # pyodbc connection attribute for an Entra ID access token
SQLITE_BUSY_TIMEOUT_MS = 30_000
SQLITE_CACHE_KIB = 65_536  # page cache per connection, allocated as used: fact indexes stay cached
_MIGRATION_LOCK_KEY = 0x5C0_0001  # PostgreSQL advisory lock id held while migrating

_engines: dict[str, Engine] = {}
_migrated: set[str] = set()
_lock = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: the configured ``SCOUT_SQL_URL``)."""
    key = url or get_settings().resolved_sql_url
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = _create_engine(key)
        return engine


def dispose_engines() -> None:
    """Close every pooled connection and forget the engines (tests dropping databases use it)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _migrated.clear()


def _create_engine(url_text: str) -> Engine:
    url = make_url(url_text)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "mssql":
        return _mssql_engine(url)
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ValueError(f"unsupported SQL URL {url.drivername!r}: use sqlite, mssql+pyodbc, postgresql+psycopg")


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # LIFO: requests reuse the most recently used connection (its page cache warm) rather than cycling
    # through the pool and growing every connection's cache to SQLITE_CACHE_KIB
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    write_gate.install(engine, timeout_s=SQLITE_BUSY_TIMEOUT_MS / 1000)
    return engine


def pack_access_token(token: str) -> bytes:
    """``SQL_COPT_SS_ACCESS_TOKEN`` value: 4-byte little-endian length, then the token in UTF-16-LE."""
    encoded = token.encode("utf-16-le")
    return struct.pack(f"<I{len(encoded)}s", len(encoded), encoded)


def token_connect_handler(get_token: Callable[[str], Any]) -> Callable[..., None]:
    """A ``do_connect`` listener putting a fresh Entra ID token on every new ODBC connection.

    ``get_token`` is ``credential.get_token`` (azure-identity caches and refreshes tokens).
    """

    def _do_connect(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        if cargs and isinstance(cargs[0], str):
            # SQLAlchemy asks for Windows auth when the URL has no user; the token replaces it.
            cargs[0] = ";".join(
                part for part in cargs[0].split(";") if part.lower() != "trusted_connection=yes"
            )
        token = get_token(AZURE_SQL_SCOPE).token
        cparams["attrs_before"] = {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token(token)}

    return _do_connect


def _mssql_engine(url: URL) -> Engine:
    raw_odbc = str(url.query.get("odbc_connect", "")).lower().replace(" ", "")
    if url.password or "pwd=" in raw_odbc or "password=" in raw_odbc:
        raise ValueError("refusing an mssql URL with a password: Azure SQL is reached with an Entra ID token")
    if url.get_driver_name() != "pyodbc":
        raise ValueError("Azure SQL is reached through mssql+pyodbc")
    query = dict(url.query)
    query.setdefault("driver", get_settings().sql_odbc_driver)
    query.setdefault("Encrypt", "yes")
    from azure.identity import DefaultAzureCredential

    credential = DefaultAzureCredential()
    engine = create_engine(
        url.set(query=query),
        pool_pre_ping=True,
        pool_recycle=1800,  # tokens live about an hour; reconnect (new token) well before
        fast_executemany=True,
    )
    event.listen(engine, "do_connect", token_connect_handler(credential.get_token))
    return engine


# --- migrations --------------------------------------------------------------------------
def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest revision. Idempotent; concurrent callers serialise.

    The loser of a race waits for the winner's lock, then finds the database at head.
    """
    with _migration_lock(engine), engine.begin() as conn:
        _lock_in_transaction(conn)
        if current_revision(conn) == head_revision():
            return
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    # SQLite has no lock a connection can wait on around DDL: a file lock beside the database.
    with open(f"{database}.migrate-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _lock_in_transaction(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    elif conn.dialect.name == "mssql":
        conn.execute(
            text(
                "EXEC sp_getapplock @Resource = 'scout_migrate', @LockMode = 'Exclusive', "
                "@LockOwner = 'Transaction', @LockTimeout = 120000"
            )
        )


def ensure_schema(url: str | None = None) -> Engine:
    """The engine for ``url``, migrated to head once per process. Every entry point calls it."""
    engine = get_engine(url)
    key = str(engine.url)
    if key not in _migrated:
        migrate(engine)
        _migrated.add(key)
    return engine


def ping(url: str | None = None) -> dict[str, Any]:
    """``SELECT 1`` and the schema revision; for Azure SQL also the ODBC drivers. Raises on failure."""
    engine = get_engine(url)
    detail: dict[str, Any] = {"dialect": engine.dialect.name}
    if engine.dialect.name == "mssql":
        import pyodbc

        drivers = pyodbc.drivers()
        configured = engine.url.query.get("driver")
        if configured not in drivers:
            raise RuntimeError(f"ODBC driver {configured!r} is not installed; present: {drivers}")
        detail.update(odbc_driver=configured, odbc_drivers=drivers)
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar_one()
        detail["revision"] = current_revision(conn)
    return detail
