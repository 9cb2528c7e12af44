"""Settings: a TOML file (``--config``), then ``SCOUT_EDGE_*`` environment variables on top.

Keys in the file are the field names below; the environment uses ``SCOUT_EDGE_`` plus the name
in upper case (``SCOUT_EDGE_BASE_URL``). Secrets belong in the environment (or a token command),
not in the file. Entra client credentials use the ``SCOUT_CLIENT_*`` variables of
``shared/auth/client_credentials.py``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "SCOUT_EDGE_"


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class EdgeConfig:
    base_url: str = "http://127.0.0.1:7071"
    outbox: Path = Path("edge-outbox.db")
    drop_folder: Path | None = None  # CSV files dropped here are captured, then moved to done/
    batch_size: int = 500  # lines per request
    request_timeout: float = 30.0  # seconds per request
    backoff_base: float = 1.0  # first retry waits up to this many seconds
    backoff_cap: float = 300.0  # no retry waits longer (unless Retry-After asks)
    max_attempts_per_run: int = 8  # consecutive transient failures before a push run gives up
    idle_seconds: float = 30.0  # `run`: pause between cycles
    keep_acked_days: int = 7  # acknowledged lines are kept this long for inspection
    function_key: str | None = None  # x-functions-key for FUNCTION-level routes
    auth: str = "msal"  # msal | command | static | none
    token: str | None = None  # auth = static
    token_command: str | None = None  # auth = command

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError("base_url must be an http(s) URL")
        if self.base_url.startswith("http://") and not _is_loopback(self.base_url):
            raise ConfigError("plain http is only allowed to this machine; use https")
        if not 1 <= self.batch_size <= 100_000:
            raise ConfigError("batch_size must be between 1 and 100000")
        if self.request_timeout <= 0 or self.backoff_base <= 0 or self.backoff_cap < self.backoff_base:
            raise ConfigError("timeouts and backoff must be positive, with backoff_cap >= backoff_base")
        if self.max_attempts_per_run < 1:
            raise ConfigError("max_attempts_per_run must be at least 1")
        if self.auth not in {"msal", "command", "static", "none"}:
            raise ConfigError("auth must be msal, command, static or none")
        if self.auth == "static" and not self.token:
            raise ConfigError("auth = static needs token")
        if self.auth == "command" and not self.token_command:
            raise ConfigError("auth = command needs token_command")


def _is_loopback(url: str) -> bool:
    host = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
    return host in {"localhost", "127.0.0.1", "::1"} or host.startswith("127.")


def _coerce(name: str, kind: Any, value: Any) -> Any:
    kinds = str(kind)
    if value is None or value == "":
        return None if "None" in kinds else value
    try:
        if "Path" in kinds:
            return Path(value)
        if kinds.startswith("int"):
            return int(value)
        if kinds.startswith("float"):
            return float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: {value!r} is not a valid {kinds}") from exc
    return str(value)


def load_config(
    path: Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any
) -> EdgeConfig:
    env = os.environ if env is None else env
    known = {f.name: f.type for f in fields(EdgeConfig)}
    values: dict[str, Any] = {}
    if path is not None:
        with Path(path).open("rb") as handle:
            data = tomllib.load(handle)
        unknown = set(data) - set(known)
        if unknown:
            raise ConfigError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values.update(data)
    for name in known:
        if ENV_PREFIX + name.upper() in env:
            values[name] = env[ENV_PREFIX + name.upper()]
    values.update({k: v for k, v in overrides.items() if v is not None})
    return EdgeConfig(**{name: _coerce(name, known[name], value) for name, value in values.items()})


def redacted(config: EdgeConfig) -> dict[str, Any]:
    shown = dataclasses.asdict(config)
    for secret in ("function_key", "token"):
        if shown[secret]:
            shown[secret] = "***"
    return {k: str(v) if isinstance(v, Path) else v for k, v in shown.items()}
