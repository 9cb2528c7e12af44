"""Tokens for Scout's own clients (the store edge client, the sample POS client) by the OAuth 2.0
client credentials flow with msal: a certificate (preferred) or a client secret.

Configuration comes from the environment (``SCOUT_CLIENT_*``); on Azure hosts a Key Vault
reference in an app setting resolves into the same variable, and on a store device the
certificate is a file readable only by the client's user. Tokens are cached by msal and
renewed shortly before they expire.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msal

ENTRA_AUTHORITY_HOST = "https://login.microsoftonline.com"


class ClientCredentialsError(RuntimeError):
    pass


@dataclass(frozen=True)
class ClientConfig:
    tenant_id: str
    client_id: str
    scope: str  # e.g. "api://scout/.default": the API's app roles granted to this client
    client_secret: str | None = None
    certificate_path: Path | None = None  # PEM: private key and certificate
    certificate_password: str | None = None
    authority_host: str = ENTRA_AUTHORITY_HOST

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, prefix: str = "SCOUT_CLIENT_") -> ClientConfig:
        env = os.environ if env is None else env

        def value(name: str) -> str | None:
            return env.get(prefix + name) or None

        missing = [n for n in ("TENANT_ID", "CLIENT_ID", "SCOPE") if not value(n)]
        if missing:
            raise ClientCredentialsError("missing settings: " + ", ".join(prefix + n for n in missing))
        if not (value("SECRET") or value("CERTIFICATE_PATH")):
            raise ClientCredentialsError(f"set {prefix}CERTIFICATE_PATH (preferred) or {prefix}SECRET")
        cert = value("CERTIFICATE_PATH")
        return cls(
            tenant_id=str(value("TENANT_ID")),
            client_id=str(value("CLIENT_ID")),
            scope=str(value("SCOPE")),
            client_secret=value("SECRET"),
            certificate_path=Path(cert) if cert else None,
            certificate_password=value("CERTIFICATE_PASSWORD"),
            authority_host=value("AUTHORITY_HOST") or ENTRA_AUTHORITY_HOST,
        )

    def credential(self) -> str | dict[str, Any]:
        if self.certificate_path is not None:
            pem = self.certificate_path.read_text()
            credential: dict[str, Any] = {"private_key": pem, "public_certificate": pem}
            if self.certificate_password:
                credential["passphrase"] = self.certificate_password
            return credential
        if self.client_secret:
            return self.client_secret
        raise ClientCredentialsError("no certificate or secret configured")


class ClientCredentials:
    """``get_token()`` for one client: msal's token cache, one application per process."""

    def __init__(self, config: ClientConfig, *, http_client: Any | None = None) -> None:
        self.config = config
        authority = f"{config.authority_host.rstrip('/')}/{config.tenant_id}"
        known_host = config.authority_host.rstrip("/") == ENTRA_AUTHORITY_HOST
        self._app = msal.ConfidentialClientApplication(
            config.client_id,
            client_credential=config.credential(),
            authority=authority,
            token_cache=msal.TokenCache(),
            http_client=http_client,
            # Instance discovery asks login.microsoftonline.com about the authority's host;
            # it is skipped only for a host named explicitly in configuration.
            validate_authority=known_host,
            instance_discovery=None if known_host else False,
        )
        self._lock = threading.Lock()

    def get_token(self) -> str:
        with self._lock:
            result = self._app.acquire_token_for_client(scopes=[self.config.scope])
        token = result.get("access_token")
        if not token:
            raise ClientCredentialsError(
                f"token request failed: {result.get('error')}: {result.get('error_description')}"
            )
        return str(token)
