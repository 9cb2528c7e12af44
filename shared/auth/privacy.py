"""Pseudonymous customer keys: HMAC-SHA256 of the vendor's customer id with a secret key.

The key comes from configuration (``SCOUT_PSEUDONYM_KEY``, a Key Vault reference in Azure);
without one, in ``dev`` mode only, a random key is generated once under ``{data_dir}/keys/``.
The same id always maps to the same key, so returning customers are recognised, but the id
cannot be recovered without the secret.
"""

from __future__ import annotations

import hmac
import os
import secrets
import uuid
from pathlib import Path

import pandas as pd

from shared.config import get_settings

KEY_HEX_CHARS = 32
DEV_KEY_FILE = "pseudonym.key"


def pseudonymise(values: pd.Series, key: bytes) -> pd.Series:
    """Each non-null value -> hex HMAC-SHA256 truncated to 32 chars; nulls stay null.

    Hashes each distinct value once (customer ids repeat across lines).
    """
    if not key:
        raise ValueError("an empty pseudonym key would make customer keys guessable")
    present = values.notna()
    codes, uniques = pd.factorize(values[present].astype(str), sort=False)
    digests = [hmac.digest(key, u.encode(), "sha256").hex()[:KEY_HEX_CHARS] for u in uniques]
    out = pd.Series(None, index=values.index, dtype=object)
    if len(codes):
        out[present] = pd.Index(digests, dtype=object).take(codes).to_numpy()
    return out


def _dev_key(data_dir: Path) -> bytes:
    path = data_dir / "keys" / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        tmp = path.with_name(f".{DEV_KEY_FILE}.{uuid.uuid4().hex}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, secrets.token_hex(32).encode())
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # first writer wins; the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
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
