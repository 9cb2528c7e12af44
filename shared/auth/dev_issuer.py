"""The development token issuer: an RSA key pair under ``{data_dir}/dev-issuer/``.

The local host serves :func:`jwks` and :func:`openid_configuration`; :func:`mint_token` signs
tokens shaped like Entra ID v2 access tokens, so the same validation code
(``shared/auth/tokens.py``) runs on a laptop as in Azure. Never enabled in ``entra`` mode.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from shared.auth import directory
from shared.auth.key_files import create_once
from shared.config import get_settings
from shared.db.engine import ensure_schema

DEV_TENANT_ID = "de7e1000-5c07-4000-8000-000000000001"
DEV_CLIENT_APP = "scout-dev-issuer"
DEFAULT_DEV_ISSUER = "http://127.0.0.1:7071/dev-issuer"
KEY_FILE = "private.pem"


def issuer_url() -> str:
    return get_settings().auth_issuer or DEFAULT_DEV_ISSUER


def key_dir(data_dir: Path | None = None) -> Path:
    return (data_dir or get_settings().data_dir) / "dev-issuer"


@lru_cache(maxsize=8)
def _load_key(path: Path) -> rsa.RSAPrivateKey:
    if not path.exists():
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = new_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        create_once(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def private_key(data_dir: Path | None = None) -> rsa.RSAPrivateKey:
    return _load_key((key_dir(data_dir) / KEY_FILE).resolve())


def key_id(public: rsa.RSAPublicKey) -> str:
    """RFC 7638 thumbprint of the public key (base64url, no padding)."""
    numbers = public.public_numbers()

    def b64(n: int) -> str:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    canonical = json.dumps({"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def public_jwk(public: rsa.RSAPublicKey) -> dict[str, Any]:
    jwk: dict[str, Any] = RSAAlgorithm.to_jwk(public, as_dict=True)
    jwk.update({"kid": key_id(public), "use": "sig", "alg": "RS256"})
    return jwk


def jwks(data_dir: Path | None = None) -> dict[str, Any]:
    return {"keys": [public_jwk(private_key(data_dir).public_key())]}


def openid_configuration(issuer: str) -> dict[str, Any]:
    issuer = issuer.rstrip("/")
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/keys",
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [],
        "response_types_supported": [],
        "subject_types_supported": ["pairwise"],
        "claims_supported": ["iss", "aud", "tid", "oid", "sub", "roles", "scp", "exp", "nbf", "iat"],
    }


def _role_list(roles: str | Iterable[str]) -> list[str]:
    items = [roles] if isinstance(roles, str) else list(roles)
    return [r.strip() for item in items for r in item.split(",") if r.strip()]


def _record_mappings(
    subject: str, vendor: str | None, regions: Sequence[str] | None, sql_url: str | None
) -> None:
    with ensure_schema(sql_url).begin() as conn:
        if vendor is not None:
            directory.ensure_vendor(conn, vendor)
            directory.set_caller_vendor(
                conn, subject, vendor, tenant_id=DEV_TENANT_ID, description="dev token"
            )
        if regions is not None:
            directory.set_reader_regions(conn, subject, regions)


def sign(claims: dict[str, Any], data_dir: Path | None = None) -> str:
    """``claims`` signed RS256 with the development key, ``kid`` in the header."""
    key = private_key(data_dir)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def mint_token(
    roles: str | Iterable[str],
    vendor: str | None = None,
    regions: Sequence[str] | None = None,
    subject: str | None = None,
    lifetime: int = 3600,
    extra_claims: dict[str, Any] | None = None,
    *,
    data_dir: Path | None = None,
    issuer: str | None = None,
    audience: str | None = None,
    sql_url: str | None = None,
) -> str:
    """A signed RS256 token for ``roles``; ``vendor``/``regions`` are recorded in SQL for ``subject``.

    The keyword-only arguments default to the current settings; tests minting for a host
    running in another process pass that host's.
    """
    subject = subject or str(uuid.uuid4())
    if vendor is not None or regions is not None:
        _record_mappings(subject, vendor, regions, sql_url)
    claims = token_claims(roles, subject, issuer=issuer, audience=audience, lifetime=lifetime)
    claims.update(extra_claims or {})
    return sign(claims, data_dir)


def token_claims(
    roles: str | Iterable[str],
    subject: str,
    *,
    issuer: str | None = None,
    audience: str | None = None,
    lifetime: int = 3600,
) -> dict[str, Any]:
    """The claims of a valid development token for ``subject``, issued now."""
    now = int(time.time())
    return {
        "iss": issuer or issuer_url(),
        "aud": audience or get_settings().auth_audience.split(",")[0].strip(),
        "tid": DEV_TENANT_ID,
        "oid": subject,
        "sub": subject,
        "azp": DEV_CLIENT_APP,
        "roles": _role_list(roles),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "ver": "2.0",
    }


def cli_token(argv: Sequence[str]) -> int:
    """``python -m local_host token --role ROLE [--vendor V] [--regions R,...] [--subject S]``."""
    parser = argparse.ArgumentParser(prog="python -m local_host token", description=cli_token.__doc__)
    parser.add_argument(
        "--role", action="append", required=True, help="Ingest.Write, Dashboard.Read or Admin"
    )
    parser.add_argument("--vendor", help="vendor the caller writes for (created if missing)")
    parser.add_argument("--regions", help="comma-separated regions a reader may see")
    parser.add_argument("--subject", help="token subject (oid); default a new id")
    parser.add_argument("--lifetime", type=int, default=3600, help="seconds")
    args = parser.parse_args(list(argv))
    regions = [r.strip() for r in args.regions.split(",") if r.strip()] if args.regions else None
    print(
        mint_token(
            args.role, vendor=args.vendor, regions=regions, subject=args.subject, lifetime=args.lifetime
        )
    )
    return 0
