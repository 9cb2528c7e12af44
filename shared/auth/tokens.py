"""Bearer token validation: RS256 JWTs checked against the issuer's JWKS.

Checks, in order: a ``Bearer`` token is present; the header names RS256 (nothing else is
accepted, so ``alg: none`` and HS256-with-the-public-key fail) and a ``kid`` the JWKS knows;
the signature; ``exp``/``nbf`` with a small leeway; ``aud``; ``tid`` in the tenant allow-list;
``iss`` equal to that tenant's Entra v2 issuer (or the configured/development issuer).
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from shared.auth.principal import ROLE_READ, Principal
from shared.config import Settings, get_settings
from shared.errors import ApiError
from shared.telemetry import get_logger

log = get_logger("auth")

ALGORITHM = "RS256"
ENTRA_ISSUER = "https://login.microsoftonline.com/{tid}/v2.0"
ENTRA_JWKS = "https://login.microsoftonline.com/common/discovery/v2.0/keys"
REQUIRED_CLAIMS = ["exp", "iat", "nbf", "iss", "aud", "tid"]
# Delegated scopes (``scp``) a signed-in user's token may carry, and the role each grants.
SCOPE_ROLES = {"Dashboard.Read": ROLE_READ}
MAX_TOKEN_CHARS = 16_384


def invalid_token(message: str) -> ApiError:
    return ApiError(
        401,
        "invalid_token",
        message,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


def missing_token() -> ApiError:
    return ApiError(
        401, "missing_token", "A bearer token is required.", headers={"WWW-Authenticate": "Bearer"}
    )


class JwksUnavailable(Exception):
    pass


class JwksCache:
    """Signing keys by ``kid`` from a JWKS URL (or any fetch function).

    Keys are refetched when older than ``max_age`` seconds, and on an unknown ``kid`` (key
    rotation) at most once per ``refresh_interval`` seconds, so a flood of tokens with made-up
    ``kid`` values cannot turn into a flood of requests to the identity provider. After a failed
    fetch the next attempt waits ``retry_after_failure`` seconds (cached keys keep serving), so
    an outage does not make every request wait for the fetch timeout.
    """

    def __init__(
        self,
        fetch: Callable[[], dict[str, Any]],
        *,
        refresh_interval: float = 60.0,
        max_age: float = 3600.0,
        retry_after_failure: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._refresh_interval = refresh_interval
        self._max_age = max_age
        self._retry_after_failure = retry_after_failure
        self._clock = clock
        self._keys: dict[str, Any] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._failed = False
        self._lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, timeout: float, **kw: Any) -> JwksCache:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"JWKS URL must be http(s): {url!r}")

        def fetch() -> dict[str, Any]:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310  # nosec B310 - scheme checked above
                    return json.loads(resp.read(1_000_000))
            except (OSError, ValueError) as exc:
                raise JwksUnavailable(f"cannot read JWKS from {url}: {exc}") from exc

        return cls(fetch, **kw)

    def _refresh(self) -> None:
        document = self._fetch()
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise JwksUnavailable("the JWKS document has no key list")
        keys = {}
        for jwk in document["keys"]:
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[str(jwk["kid"])] = RSAAlgorithm.from_jwk(jwk)
            except (KeyError, ValueError, jwt.InvalidKeyError):
                log.warning("jwks: skipped a malformed key", extra={"kid": jwk.get("kid")})
        self._keys = keys
        self._fetched_at = self._clock()
        log.info("jwks refreshed", extra={"kids": sorted(keys)})

    def _due(self, now: float, kid: str) -> bool:
        if self._attempted_at is None:
            return True
        since_attempt = now - self._attempted_at
        if self._failed:
            return since_attempt >= self._retry_after_failure
        stale = self._fetched_at is None or now - self._fetched_at > self._max_age
        return stale or (kid not in self._keys and since_attempt >= self._refresh_interval)

    def key(self, kid: str) -> Any | None:
        with self._lock:
            now = self._clock()
            if self._due(now, kid):
                self._attempted_at = now
                try:
                    self._refresh()
                    self._failed = False
                except JwksUnavailable:
                    self._failed = True
                    if not self._keys:
                        raise
                    log.warning("jwks refresh failed; using cached keys")
            elif self._failed and not self._keys:
                raise JwksUnavailable("signing keys could not be fetched recently")
            return self._keys.get(kid)


@dataclass(frozen=True)
class TokenPolicy:
    audiences: tuple[str, ...]
    tenants: frozenset[str]
    issuers: frozenset[str]  # accepted whatever the tenant (configured or development issuer)
    entra_issuers: bool  # accept https://login.microsoftonline.com/{tid}/v2.0 for allowed tenants
    leeway: int

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenPolicy:
        from shared.auth import dev_issuer

        audiences = tuple(a.strip() for a in settings.auth_audience.split(",") if a.strip())
        if settings.auth_mode == "dev":
            tenants = frozenset(settings.auth_tenants or [dev_issuer.DEV_TENANT_ID])
            return cls(
                audiences, tenants, frozenset({dev_issuer.issuer_url()}), False, settings.auth_leeway_seconds
            )
        issuers = frozenset({settings.auth_issuer} if settings.auth_issuer else set())
        return cls(audiences, frozenset(settings.auth_tenants), issuers, True, settings.auth_leeway_seconds)

    def issuer_allowed(self, issuer: str, tenant: str) -> bool:
        return issuer in self.issuers or (self.entra_issuers and issuer == ENTRA_ISSUER.format(tid=tenant))


class TokenValidator:
    def __init__(self, policy: TokenPolicy, keys: JwksCache) -> None:
        self.policy = policy
        self.keys = keys

    def validate(self, token: str) -> dict[str, Any]:
        """The token's claims, or :class:`ApiError` 401 ``invalid_token`` (503 when keys are unreachable)."""
        if len(token) > MAX_TOKEN_CHARS:
            raise invalid_token("The token is too large.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise invalid_token("The token is malformed.") from exc
        if header.get("alg") != ALGORITHM:
            raise invalid_token(f"The token must be signed with {ALGORITHM}.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise invalid_token("The token names no signing key (kid).")
        try:
            key = self.keys.key(kid)
        except JwksUnavailable as exc:
            log.error("jwks unavailable", extra={"error": str(exc)})
            raise ApiError(
                503,
                "identity_provider_unavailable",
                "Signing keys cannot be fetched; try again shortly.",
                headers={"Retry-After": "30"},
            ) from exc
        if key is None:
            raise invalid_token("The token is signed with an unknown key.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=list(self.policy.audiences),
                leeway=self.policy.leeway,
                options={"require": REQUIRED_CLAIMS, "verify_iss": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise invalid_token("The token has expired.") from exc
        except jwt.ImmatureSignatureError as exc:
            raise invalid_token("The token is not valid yet.") from exc
        except jwt.InvalidAudienceError as exc:
            raise invalid_token("The token is for another audience.") from exc
        except jwt.PyJWTError as exc:
            raise invalid_token(f"The token is invalid: {exc}.") from exc
        tenant = claims["tid"]
        if tenant not in self.policy.tenants:
            raise invalid_token("The token's tenant is not allowed.")
        if not self.policy.issuer_allowed(claims["iss"], tenant):
            raise invalid_token("The token's issuer is not trusted.")
        if not (claims.get("oid") or claims.get("sub")):
            raise invalid_token("The token names no subject.")
        return claims


def principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    if isinstance(roles, str):
        roles = [roles]
    scopes = frozenset(str(claims.get("scp", "")).split())
    granted = {r for r in roles if isinstance(r, str)} | {SCOPE_ROLES[s] for s in scopes if s in SCOPE_ROLES}
    return Principal(
        subject=str(claims.get("oid") or claims["sub"]),
        tenant_id=str(claims["tid"]),
        roles=frozenset(granted),
        scopes=scopes,
        client_app=claims.get("azp") or claims.get("appid"),
        claims=dict(claims),
    )


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = _header(headers, "authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def build_validator(settings: Settings) -> TokenValidator:
    from shared.auth import dev_issuer

    if settings.auth_mode == "dev" and os.environ.get("WEBSITE_INSTANCE_ID"):
        raise RuntimeError("SCOUT_AUTH_MODE=dev on Azure App Service: set SCOUT_AUTH_MODE=entra")
    if settings.auth_jwks_url:
        keys = JwksCache.from_url(settings.auth_jwks_url, settings.auth_jwks_timeout_seconds)
    elif settings.auth_mode == "dev":
        data_dir = settings.data_dir
        keys = JwksCache(lambda: dev_issuer.jwks(data_dir))
    else:
        keys = JwksCache.from_url(ENTRA_JWKS, settings.auth_jwks_timeout_seconds)
    return TokenValidator(TokenPolicy.from_settings(settings), keys)


_current: tuple[Settings, TokenValidator] | None = None
_current_lock = threading.Lock()


def get_validator() -> TokenValidator:
    """The validator for the current settings; its JWKS cache lives as long as they do."""
    global _current
    settings = get_settings()
    with _current_lock:
        if _current is None or _current[0] is not settings:
            _current = (settings, build_validator(settings))
        return _current[1]
