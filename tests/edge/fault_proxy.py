"""A TCP proxy (asyncio, in a thread) that injects network failures in front of a real server.

Each new client connection takes the next mode from ``script`` (``pass`` when it is empty):

- ``pass``: relay both ways;
- ``refuse``: close at once, before anything reaches the server;
- ``cut``: relay the request to the server, wait until the server starts answering, then close
  both sides without relaying the answer — the server did the work, the client never hears.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import threading

from tests.support.host import free_port


class FaultProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = free_port()
        self.script: collections.deque[str] = collections.deque()
        self.connections: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("fault proxy did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port)
        )
        self._started.set()
        self._loop.run_forever()
        self._server.close()
        self._loop.close()

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        mode = self.script.popleft() if self.script else "pass"
        self.connections.append(mode)
        if mode == "refuse":
            client_w.close()
            return
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_w.close()
            return
        to_server = asyncio.ensure_future(self._pipe(client_r, server_w))
        if mode == "cut":
            with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
                await asyncio.wait_for(server_r.read(1), timeout=60)  # the server has answered
            to_server.cancel()
            for writer in (client_w, server_w):
                writer.transport.abort()
            return
        await asyncio.gather(to_server, self._pipe(server_r, client_w), return_exceptions=True)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
