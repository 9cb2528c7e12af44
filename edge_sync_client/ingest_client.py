"""One HTTP attempt at ``POST /api/ingest/transactions``, turned into an :class:`Result`."""

from __future__ import annotations

import httpx

from edge_sync_client.auth import TokenSource
from edge_sync_client.outcomes import Outcome, Result, from_network_error, from_response

INGEST_PATH = "/api/ingest/transactions"


class IngestClient:
    def __init__(
        self,
        base_url: str,
        tokens: TokenSource,
        function_key: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.tokens = tokens
        self.function_key = function_key
        self.http = httpx.Client(base_url=base_url, timeout=timeout)

    def close(self) -> None:
        self.http.close()

    def send(self, idempotency_key: str, body: bytes) -> Result:
        """POST one batch. A 401 gets one immediate retry with a freshly obtained token (a cached
        token may have been revoked or expired early); a second 401 stands."""
        result = self._post(idempotency_key, body)
        if result.status == 401:
            self.tokens.invalidate()
            result = self._post(idempotency_key, body)
        return result

    def _post(self, idempotency_key: str, body: bytes) -> Result:
        headers = {"Content-Type": "application/json", "Idempotency-Key": idempotency_key}
        if self.function_key:
            headers["x-functions-key"] = self.function_key
        try:
            token = self.tokens.token()
        except Exception as error:  # noqa: BLE001 - any failure to get a token: try again later
            return Result(Outcome.TRANSIENT, None, {"code": "token_unavailable", "message": str(error)})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            return from_response(self.http.post(INGEST_PATH, content=body, headers=headers))
        except httpx.TransportError as error:
            return from_network_error(error)
