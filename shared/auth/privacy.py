"""Pseudonymous customer keys: HMAC-SHA256 of the vendor's customer id with a secret key.

The key comes from configuration (``SCOUT_PSEUDONYM_KEY``, a Key Vault reference in Azure);
without one, in ``dev`` mode only, a random key is generated once under ``{data_dir}/keys/``.
The same id always maps to the same key, so returning customers are recognised, but the id
cannot be recovered without the secret.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import numpy as np
import pandas as pd

from shared.auth.key_files import create_once
from shared.config import get_settings

KEY_HEX_CHARS = 32
DEV_KEY_FILE = "pseudonym.key"


class _KeyedHash:
    """HMAC-SHA256 (RFC 2104) with the padded key states computed once: copying two hash states
    per value is several times faster than ``hmac.digest``, which sets the key up on every call."""

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))

    def hex(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()[:KEY_HEX_CHARS]


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Each non-null value -> hex HMAC-SHA256 truncated to 32 chars; nulls stay null.

    Each distinct value is hashed once (customer ids repeat across lines).
    """
    if not key:
        raise ValueError("an empty pseudonym key would make customer keys guessable")
    present = values.notna().to_numpy()
    keyed = _KeyedHash(key)
    seen: dict[object, str] = {}
    hashed = []
    for value in values.to_numpy(dtype=object)[present]:
        digest = seen.get(value)
        if digest is None:
            digest = seen[value] = keyed.hex(str(value))
        hashed.append(digest)
    out = np.full(len(values), None, dtype=object)
    out[present] = hashed
    return pd.Series(out, index=values.index, dtype=object)


def _dev_key(data_dir: Path) -> bytes:
    path = data_dir / "keys" / DEV_KEY_FILE
    if not path.exists():
        create_once(path, secrets.token_hex(32).encode())
    return path.read_bytes().strip()


def pseudonym_key() -> bytes:
    settings = get_settings()
    if settings.pseudonym_key:
        return settings.pseudonym_key.encode()
    if settings.auth_mode != "dev":
        raise RuntimeError(
            "SCOUT_PSEUDONYM_KEY must be set outside development (a Key Vault reference in Azure)"
        )
    return _dev_key(settings.data_dir)
