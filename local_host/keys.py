"""Host keys like Azure's: a master key, function keys, and the durable extension's system key.

Kept in ``{data_dir}/host-keys.json`` (mode 0600), generated with ``secrets`` on first start.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "host-keys.json"
SYSTEM_KEY_NAME = "durabletask_extension"


@dataclass(frozen=True)
class HostKeys:
    master: str
    function: dict[str, str]
    system: dict[str, str]

    @property
    def default_function_key(self) -> str:
        return self.function["default"]

    @property
    def durable_system_key(self) -> str:
        return self.system[SYSTEM_KEY_NAME]

    def is_master(self, candidate: str | None) -> bool:
        return bool(candidate) and hmac.compare_digest(candidate or "", self.master)

    def is_function_key(self, candidate: str | None) -> bool:
        """A function key or the master key (which Azure accepts wherever a function key is)."""
        return self.is_master(candidate) or _matches_any(candidate, self.function.values())

    def is_system_key(self, candidate: str | None) -> bool:
        return self.is_master(candidate) or _matches_any(candidate, self.system.values())


def _matches_any(candidate: str | None, keys: Iterable[str]) -> bool:
    if not candidate:
        return False
    # compare against every key so timing does not reveal which one matched
    return any([hmac.compare_digest(candidate, key) for key in keys])


def _new_key() -> str:
    return secrets.token_urlsafe(40)


def load_or_create(data_dir: Path | str) -> HostKeys:
    path = Path(data_dir) / KEY_FILE
    if path.exists():
        raw = json.loads(path.read_text())
        return HostKeys(raw["masterKey"], dict(raw["functionKeys"]), dict(raw["systemKeys"]))
    keys = HostKeys(_new_key(), {"default": _new_key()}, {SYSTEM_KEY_NAME: _new_key()})
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"masterKey": keys.master, "functionKeys": keys.function, "systemKeys": keys.system}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(body, fh, indent=2)
    os.replace(tmp, path)  # two hosts racing on first start still end with one complete file
    return load_or_create(data_dir)
