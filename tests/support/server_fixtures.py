"""Pytest plugin: real servers started by the test session — Azurite (blob) and PostgreSQL.

``sql_url`` runs a test on SQLite and on PostgreSQL: it yields a migrated database URL and
points ``SCOUT_SQL_URL`` at it, so code using the default engine talks to that database.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.config import get_settings
from shared.db.engine import dispose_engines, get_engine, migrate
from tests.support.host import REPO_ROOT, free_port

AZURITE = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
PG_BIN = Path(os.environ.get("SCOUT_PG_BIN", "/usr/lib/postgresql/15/bin"))
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
START_TIMEOUT_S = 30


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on port {port} within {START_TIMEOUT_S} s")


def _stop(process: subprocess.Popen[bytes], graceful_s: float = 10) -> None:
    process.terminate()
    try:
        process.wait(timeout=graceful_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


# --- Azurite -----------------------------------------------------------------------------
@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Connection string of a fresh Azurite blob service (the well-known development account)."""
    if not AZURITE.exists():
        pytest.fail(f"{AZURITE} is missing: run `make setup` (npm install) first", pytrace=False)
    port = free_port()
    location = tmp_path_factory.mktemp("azurite")
    process = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(location),
         "--silent", "--skipApiVersionCheck", "--loose"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process, "azurite")
        yield (
            f"DefaultEndpointsProtocol=http;AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
            f"BlobEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};"
        )
    finally:
        _stop(process, graceful_s=0)  # Azurite waits for idle keep-alive clients; its data is throwaway


# --- PostgreSQL --------------------------------------------------------------------------
class PostgresServer:
    """A throwaway cluster; ``template`` is a migrated database that fresh databases copy."""

    template = "scout_template"

    def __init__(self, port: int) -> None:
        self.port = port
        self._names = itertools.count(1)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://scout@127.0.0.1:{self.port}/{database}"

    def admin_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=scout dbname=postgres"

    def create_database(self, name: str | None = None, template: str | None = None) -> str:
        import psycopg

        name = name or f"scout_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url(name)

    def drop_database(self, url: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _as_postgres_user(args: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as ``nobody`` then."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "nobody", "--", *args]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not (PG_BIN / "initdb").exists():
        pytest.fail(f"PostgreSQL binaries not found in {PG_BIN}: run .ci/run (apt postgresql)", pytrace=False)
    root = Path(tempfile.mkdtemp(prefix="scout-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        root.chmod(0o755)
        for path in (root, sockets):
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
    port = free_port()
    subprocess.run(
        _as_postgres_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", "scout", "--auth=trust",
                           "--encoding=UTF8", "--no-sync"]),
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
    )  # fmt: skip
    process = subprocess.Popen(
        _as_postgres_user([str(PG_BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
                           "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                           "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                           "-c", "max_connections=200"]),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, process, "postgres")
        server = PostgresServer(port)
        _wait_accepting(server)
        engine = get_engine(server.create_database(name=server.template))
        migrate(engine)
        engine.dispose()  # a template database must have no open connections
        yield server
    finally:
        subprocess.run(
            _as_postgres_user([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30, check=False,
        )  # fmt: skip
        _stop(process)
        shutil.rmtree(root, ignore_errors=True)


def _wait_accepting(server: PostgresServer) -> None:
    import psycopg

    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            psycopg.connect(server.admin_dsn()).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of a fresh, empty PostgreSQL database (not migrated) for the session."""
    return postgres_server.create_database()


# --- both SQL backends -------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database on each backend; ``SCOUT_SQL_URL`` points at it for the test."""
    server: PostgresServer | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scout.db'}"
        migrate(get_engine(url))
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(template=server.template)
    monkeypatch.setenv("SCOUT_SQL_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        get_settings.cache_clear()
        dispose_engines()
        if server is not None:
            server.drop_database(url)
