"""Customer pseudonyms: keyed, deterministic, null-preserving; the development key."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pandas as pd
import pytest

from shared.auth import pseudonym_key, pseudonymise
from shared.config import get_settings


def test_pseudonymise_matches_hmac_sha256_and_keeps_nulls() -> None:
    key = b"k" * 32
    values = pd.Series(["C-1", None, "C-2", "C-1", float("nan")], index=[10, 11, 12, 13, 14])
    out = pseudonymise(values, key)
    expected = hmac.new(key, b"C-1", hashlib.sha256).hexdigest()[:32]
    assert out[10] == expected and out[13] == expected  # same customer, same key
    assert out[12] != expected and len(out[12]) == 32
    assert out[[11, 14]].isna().all()
    assert list(out.index) == [10, 11, 12, 13, 14]
    assert pseudonymise(values, b"other-key")[10] != expected
    assert pseudonymise(pd.Series([], dtype=object), key).empty


@pytest.mark.parametrize("key", [b"short", b"x" * 64, b"long-key-" * 20])  # < block, = block, > block
def test_matches_the_standard_hmac_for_every_key_length(key: bytes) -> None:
    values = pd.Series(["", "C-1", "Ñoño 😀", 12345])
    expected = [hmac.new(key, str(v).encode(), hashlib.sha256).hexdigest()[:32] for v in values]
    assert pseudonymise(values, key).tolist() == expected


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        pseudonymise(pd.Series(["a"]), b"")


def test_dev_key_is_created_once_private_and_reused(auth_env) -> None:
    first = pseudonym_key()
    assert first == pseudonym_key() and len(first) == 64
    path = auth_env.data_dir / "keys" / "pseudonym.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_configured_key_wins_and_entra_mode_requires_one(auth_env, monkeypatch) -> None:
    monkeypatch.setenv("SCOUT_AUTH_MODE", "entra")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="SCOUT_PSEUDONYM_KEY"):
        pseudonym_key()
    monkeypatch.setenv("SCOUT_PSEUDONYM_KEY", "from-key-vault")
    get_settings.cache_clear()
    assert pseudonym_key() == b"from-key-vault"
