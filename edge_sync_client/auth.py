"""Where the bearer token comes from: Entra client credentials (msal), a command, or a fixed token.

In production the device holds a certificate for its own app registration and gets tokens by
the client credentials flow (``shared/auth/client_credentials.py``, configured by
``SCOUT_CLIENT_*``). For development, ``token_command`` runs e.g. ``python -m local_host token
--role Ingest.Write --vendor V001`` and ``token`` is a fixed string.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from collections.abc import Callable
from typing import Any, Protocol


class TokenSource(Protocol):
    def token(self) -> str | None: ...

    def invalidate(self) -> None:
        """Forget any cached token (the server said 401); the next ``token()`` gets a new one."""


class NoToken:
    def token(self) -> str | None:
        return None

    def invalidate(self) -> None:
        return None


class StaticToken:
    def __init__(self, value: str) -> None:
        self.value = value

    def token(self) -> str | None:
        return self.value

    def invalidate(self) -> None:
        return None


class CommandToken:
    """Runs ``command`` (no shell) and uses its trimmed stdout, cached for ``ttl`` seconds."""

    def __init__(
        self,
        command: str,
        ttl: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        timeout: float = 30.0,
    ) -> None:
        self.argv = shlex.split(command)
        self.ttl = ttl
        self.clock = clock
        self.timeout = timeout
        self._cached: tuple[str, float] | None = None

    def token(self) -> str | None:
        if self._cached is not None and self.clock() < self._cached[1]:
            return self._cached[0]
        done = subprocess.run(  # noqa: S603 - the operator's own configured command, no shell
            self.argv, capture_output=True, text=True, timeout=self.timeout, check=True
        )
        value = done.stdout.strip()
        if not value:
            raise RuntimeError(f"token command printed nothing: {self.argv[0]}")
        self._cached = (value, self.clock() + self.ttl)
        return value

    def invalidate(self) -> None:
        self._cached = None


class MsalToken:
    """Entra ID client credentials through ``shared.auth.client_credentials`` (msal's cache)."""

    def __init__(self) -> None:
        from shared.auth.client_credentials import ClientConfig

        self.config = ClientConfig.from_env()
        self._client = self._new_client()

    def _new_client(self) -> Any:
        from shared.auth.client_credentials import ClientCredentials

        return ClientCredentials(self.config)

    def token(self) -> str | None:
        return str(self._client.get_token())

    def invalidate(self) -> None:
        # msal serves a cached token until it nears expiry; a fresh client asks Entra again.
        self._client = self._new_client()
