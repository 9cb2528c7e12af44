"""Engine set-up per dialect. Azure SQL and Entra ID cannot run here: the token packing and the
``do_connect`` listener are exercised with a stand-in credential, the engine is built but never connects."""

from __future__ import annotations

import struct
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from shared.config import get_settings
from shared.db.engine import (
    AZURE_SQL_SCOPE,
    SQL_COPT_SS_ACCESS_TOKEN,
    get_engine,
    pack_access_token,
    ping,
    token_connect_handler,
)


def test_access_token_is_length_prefixed_utf16le() -> None:
    packed = pack_access_token("eyJ0")
    assert packed == b"\x08\x00\x00\x00e\x00y\x00J\x000\x00"
    token = "a" * 1500
    assert struct.unpack_from("<I", pack_access_token(token)) == (3000,)
    assert pack_access_token(token)[4:].decode("utf-16-le") == token


def test_do_connect_puts_a_fresh_token_and_drops_windows_auth() -> None:
    scopes: list[str] = []

    def get_token(scope: str) -> SimpleNamespace:  # stands in for DefaultAzureCredential.get_token
        scopes.append(scope)
        return SimpleNamespace(token=f"token-{len(scopes)}")

    handler = token_connect_handler(get_token)
    engine = get_engine("mssql+pyodbc://@x.database.windows.net/scout")
    args, cparams = engine.dialect.create_connect_args(engine.url)  # what pyodbc.connect would get
    cargs = list(args)
    assert "Trusted_Connection=Yes" in cargs[0]
    handler(engine.dialect, None, cargs, cparams)
    assert cargs[0].split(";")[1:] == ["Server=x.database.windows.net", "Database=scout", "Encrypt=yes"]
    assert cparams == {"attrs_before": {SQL_COPT_SS_ACCESS_TOKEN: pack_access_token("token-1")}}
    handler(None, None, cargs, cparams)
    assert cparams["attrs_before"][1256] == pack_access_token("token-2") and scopes == [AZURE_SQL_SCOPE] * 2


@pytest.mark.parametrize(
    "url",
    [
        "mssql+pyodbc://user:secret@x.database.windows.net/scout",
        "mssql+pyodbc:///?odbc_connect=Driver%3D%7BODBC+Driver+18%7D%3BServer%3Dx%3BUID%3Du%3BPWD%3Dsecret",
        "mssql+pyodbc:///?odbc_connect=Server%3Dx%3BPassword+%3D+secret",
    ],
)
def test_mssql_url_with_a_password_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="password"):
        get_engine(url)


def test_mssql_engine_uses_the_configured_driver_and_reports_it_missing(monkeypatch) -> None:
    monkeypatch.setenv("SCOUT_SQL_ODBC_DRIVER", "ODBC Driver 17 for SQL Server")
    get_settings.cache_clear()
    try:
        url = "mssql+pyodbc://@scout-sql.database.windows.net/scout"
        engine = get_engine(url)
        assert engine.dialect.name == "mssql"
        assert engine.url.query["driver"] == "ODBC Driver 17 for SQL Server"
        assert engine.url.query["Encrypt"] == "yes"
        import pyodbc

        if "ODBC Driver 17 for SQL Server" not in pyodbc.drivers():
            with pytest.raises(RuntimeError, match="ODBC Driver 17 for SQL Server' is not installed"):
                ping(url)
    finally:
        get_settings.cache_clear()


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'scout.db'}"
    engine = get_engine(url)
    assert get_engine(url) is engine  # one engine per URL
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 30_000
        assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
        assert conn.execute(text("PRAGMA cache_size")).scalar_one() == -65_536  # KiB
    assert (tmp_path / "nested" / "dir" / "scout.db").exists()


def test_default_engine_follows_settings(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SCOUT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SCOUT_SQL_URL", raising=False)
    get_settings.cache_clear()
    try:
        assert get_engine().url.database == str((tmp_path / "data" / "scout.db").resolve())
    finally:
        get_settings.cache_clear()


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported SQL URL"):
        get_engine("oracle://x/y")
