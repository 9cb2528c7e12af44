"""Tokens for a running ``LocalHost``: signed by the host's development issuer (same data dir,
same issuer URL and audience), and every kind of attack token the API must refuse.

    token = token_for(host, "Ingest.Write", vendor="V001")
    httpx.post(..., headers={"Authorization": f"Bearer {token}"})
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import dev_issuer
from shared.config import Settings

# every attack ``bad_tokens`` builds, in the order tests report them
ATTACKS = (
    "alg_none",
    "hs256_with_public_key",
    "unknown_kid",
    "forged_with_known_kid",
    "wrong_iss",
    "wrong_aud",
    "foreign_tid",
    "expired",
    "nbf_in_future",
    "missing_tid",
    "garbage",
)


class HostLike(Protocol):
    """What tokens need from ``tests.support.host.LocalHost``."""

    data_dir: Any
    env: dict[str, str]

    @property
    def base_url(self) -> str: ...


def issuer_for(host: HostLike) -> str:
    return host.env.get("SCOUT_AUTH_ISSUER") or f"{host.base_url}/dev-issuer"


def audience_for(host: HostLike) -> str:
    audience = host.env.get("SCOUT_AUTH_AUDIENCE") or Settings.model_fields["auth_audience"].default
    return str(audience).split(",")[0].strip()


def sql_url_for(host: HostLike) -> str:
    return host.env.get("SCOUT_SQL_URL") or f"sqlite:///{(host.data_dir / 'scout.db').resolve()}"


def token_for(
    host: HostLike,
    roles: str | Iterable[str],
    vendor: str | None = None,
    regions: Sequence[str] | None = None,
    subject: str | None = None,
    lifetime: int = 3600,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """A valid token for ``host``; ``vendor``/``regions`` are recorded in the host's database."""
    return dev_issuer.mint_token(
        roles,
        vendor=vendor,
        regions=regions,
        subject=subject,
        lifetime=lifetime,
        extra_claims=extra_claims,
        data_dir=host.data_dir,
        issuer=issuer_for(host),
        audience=audience_for(host),
        sql_url=sql_url_for(host),
    )


def auth_header(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())


def claims_for(host: HostLike, roles: Sequence[str], subject: str | None = None) -> dict[str, Any]:
    """The claims a valid token for ``host`` carries (attack tokens start from these)."""
    return dev_issuer.token_claims(
        roles, subject or str(uuid.uuid4()), issuer=issuer_for(host), audience=audience_for(host)
    )


@lru_cache(maxsize=1)
def _stranger_key() -> rsa.RSAPrivateKey:
    """A key no issuer publishes (one per test run: RSA generation is slow)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def bad_tokens(
    host: HostLike, roles: Sequence[str] = ("Ingest.Write",), subject: str | None = None
) -> dict[str, str]:
    """Attack name -> token, each of which the host must refuse with 401 (``invalid_token``).

    ``subject`` lets a test map the attacker to a vendor first, so a refusal can only come from
    the token check itself.
    """
    good = claims_for(host, roles, subject)
    key = dev_issuer.private_key(host.data_dir)
    kid = dev_issuer.key_id(key.public_key())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())

    def signed(**changes: Any) -> str:
        return dev_issuer.sign({**good, **changes}, host.data_dir)

    hs256_body = _unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, good)
    hs256_sig = _b64(hmac.new(public_pem, hs256_body.encode(), hashlib.sha256).digest())
    stranger = _stranger_key()
    return {
        "alg_none": _unsigned({"alg": "none", "typ": "JWT", "kid": kid}, good) + ".",
        "hs256_with_public_key": f"{hs256_body}.{hs256_sig}",
        "unknown_kid": jwt.encode(good, stranger, algorithm="RS256", headers={"kid": "not-a-known-key"}),
        "forged_with_known_kid": jwt.encode(good, stranger, algorithm="RS256", headers={"kid": kid}),
        "wrong_iss": signed(iss="https://login.microsoftonline.com/attacker/v2.0"),
        "wrong_aud": signed(aud="api://some-other-api"),
        "foreign_tid": signed(tid="ffffffff-0000-4000-8000-00000000beef"),
        "expired": signed(iat=now - 7200, nbf=now - 7200, exp=now - 3600),
        "nbf_in_future": signed(nbf=now + 3600, exp=now + 7200),
        "missing_tid": dev_issuer.sign({k: v for k, v in good.items() if k != "tid"}, host.data_dir),
        "garbage": "not.a.jwt",
    }
