"""A real HTTP ingest server (Starlette on uvicorn, in a thread) that fails on purpose.

It keeps the ingest contract the edge client relies on — ``Idempotency-Key`` scoped replays
(same key + same body: the first answer again; same key + other body: 422), bearer token and
function key required — and follows a script of faults, one per request:

``ok`` · ``503`` · ``500`` · ``429:<seconds>`` · ``409`` · ``400``/``401``/``403``/``413``/``422`` ·
``drop_before`` (connection cut before the batch is stored) · ``drop_after`` (stored, then the
connection is cut mid-answer) · ``hold_after`` (stored, then the answer waits for
:meth:`release`, e.g. while the test kills the client).

``stores`` counts how many times each line (transaction id, line number) was stored: exactly
once per line is the property the tests assert.
"""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route

from tests.support.host import free_port

TOKEN = "edge-test-token"  # noqa: S105 - a test server's fixed credential
FUNCTION_KEY = "edge-test-function-key"


@dataclass(frozen=True)
class Attempt:
    key: str | None
    body_sha: str
    action: str
    lines: int


class _Ingest:
    """Raw ASGI endpoint: cutting a connection mid-answer needs the ASGI ``send`` itself."""

    def __init__(self, server: FlakyIngestServer) -> None:
        self.server = server

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, answer, extra = await self.server.handle(headers, body, send)
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), *extra],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class FlakyIngestServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.script: collections.deque[str] = collections.deque()
        self.attempts: list[Attempt] = []
        self.stores: collections.Counter[tuple[str, int]] = collections.Counter()
        self.answers: dict[str, tuple[str, dict[str, Any]]] = {}  # key -> (body sha, first answer)
        self.held = threading.Event()  # set once a hold_after request has stored its batch
        self._release = threading.Event()
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/api/ingest/transactions", _Ingest(self), methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="critical", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, name="flaky-ingest", daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FlakyIngestServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("flaky server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._release.set()
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def release(self) -> None:
        self._release.set()

    def keys_seen(self) -> list[str | None]:
        return [a.key for a in self.attempts]

    async def handle(self, headers: dict[str, str], body: bytes, send: Any) -> tuple[int, Any, list]:
        with self._lock:
            action = self.script.popleft() if self.script else "ok"
        lines = json.loads(body) if body else []
        sha = hashlib.sha256(body).hexdigest()
        key = headers.get("idempotency-key")
        self.attempts.append(Attempt(key, sha, action, len(lines)))

        authorized = headers.get("authorization") == f"Bearer {TOKEN}"
        if not authorized or headers.get("x-functions-key") != FUNCTION_KEY:
            return 401, {"code": "invalid_token", "message": "token or function key missing"}, []
        if action == "drop_before":
            await self._cut(send)
        if action.startswith("429"):
            retry = action.partition(":")[2] or "1"
            return 429, {"code": "rate_limited", "message": "slow down"}, [(b"retry-after", retry.encode())]
        if action in {"500", "503"}:
            return int(action), {"code": "unavailable", "message": "try later"}, []
        if action == "409":
            return 409, {"code": "request_in_progress", "message": "retry"}, [(b"retry-after", b"1")]
        if action in {"400", "401", "403", "413", "422"}:
            return int(action), {"code": f"refused_{action}", "message": "refused on purpose", "row": 1}, []

        status, answer = self._accept(key, sha, lines)
        if action == "drop_after":
            await self._cut(send)
        if action == "hold_after":
            self.held.set()
            deadline = time.monotonic() + 30
            while not self._release.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        return status, answer, []

    def _accept(self, key: str | None, sha: str, lines: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if key is not None and key in self.answers:
                first_sha, first = self.answers[key]
                if first_sha != sha:
                    return 422, {"code": "idempotency_key_reused", "message": "different body"}
                return 202, first
            for line in lines:
                self.stores[(line["transaction_id"], int(line["line_number"]))] += 1
            answer = {"batch_id": uuid.uuid4().hex, "received": len(lines)}
            if key is not None:
                self.answers[key] = (sha, answer)
            return 202, answer

    @staticmethod
    async def _cut(send: Any) -> None:
        """Start an answer that promises a body, then fail: uvicorn drops the connection."""
        await send({"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"1000")]})
        raise ConnectionAbortedError("connection cut on purpose")
