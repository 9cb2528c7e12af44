"""Fixtures for identity tests: an isolated data dir and SQLite database, and a real HTTP server
publishing a JWKS document (what Entra ID's discovery endpoint does), whose keys, delay and
request count a test controls.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from shared import ratelimit
from shared.auth import dev_issuer, tokens
from shared.config import get_settings
from shared.db.engine import dispose_engines, ensure_schema
from tests.support.threaded_server import serving


@dataclass
class JwksServer:
    keys: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    hits: int = 0
    url: str = ""


class _Handler(BaseHTTPRequestHandler):
    state: JwksServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.state.hits += 1
        if self.state.delay:
            time.sleep(self.state.delay)
        body = json.dumps({"keys": self.state.keys}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    state = JwksServer()
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with serving(server) as port:
        state.url = f"http://127.0.0.1:{port}/dev-issuer/keys"
        yield state


@dataclass
class FakeHost:
    """Enough of ``LocalHost`` for ``tests.support.tokens``: the same data dir and issuer settings."""

    data_dir: Path
    base_url: str
    env: dict[str, str] = field(default_factory=dict)


def _reset() -> None:
    get_settings.cache_clear()
    ratelimit.reset()
    tokens._current = None


@pytest.fixture(scope="session")
def template_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with a dev-issuer key and a migrated SQLite database, made once and copied per
    test (key generation and migrations dominate these tests' run time otherwise)."""
    data_dir = tmp_path_factory.mktemp("auth-template") / "data"
    dev_issuer.private_key(data_dir)
    ensure_schema(f"sqlite:///{data_dir / 'scout.db'}")
    dispose_engines()
    return data_dir


@pytest.fixture
def auth_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jwks_server: JwksServer, template_data_dir: Path
) -> Iterator[FakeHost]:
    """Dev-mode settings whose JWKS is fetched over HTTP from ``jwks_server`` (serving the dev key)."""
    data_dir = tmp_path / "data"
    shutil.copytree(template_data_dir, data_dir)
    issuer = jwks_server.url.rsplit("/keys", 1)[0]
    env = {
        "SCOUT_DATA_DIR": str(data_dir),
        "SCOUT_SQL_URL": f"sqlite:///{data_dir / 'scout.db'}",
        "SCOUT_AUTH_MODE": "dev",
        "SCOUT_AUTH_ISSUER": issuer,
        "SCOUT_AUTH_JWKS_URL": jwks_server.url,
        "SCOUT_AUTH_JWKS_TIMEOUT_SECONDS": "0.5",
    }
    for name in (
        "SCOUT_AUTH_TENANTS",
        "SCOUT_AUTH_AUDIENCE",
        "SCOUT_TRUST_SWA_PRINCIPAL",
        "SCOUT_PSEUDONYM_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _reset()
    jwks_server.keys = dev_issuer.jwks(data_dir)["keys"]
    yield FakeHost(data_dir=data_dir, base_url=issuer.rsplit("/dev-issuer", 1)[0], env=env)
    _reset()
