"""One writer at a time per SQLite database within a process, request threads first.

SQLite lets one connection write at a time. The others wait in its busy handler, which polls with
growing sleeps (up to 100 ms) in no particular order, so under load a short write — an ingest
request's batch row — can wait seconds behind a stream of ETL transactions. The gate queues
writers in Python instead: a connection takes it before its first write statement (or its
``BEGIN IMMEDIATE``, after which the load writes through the driver) and gives it back at commit
or rollback, and a thread marked interactive (one serving a request) goes before
background work. Writers in other processes still meet SQLite's own lock and busy timeout.

Background writers (ETL stages, summary refresh) also step aside while requests are being served,
for at most :data:`BACKGROUND_YIELD_S` per transaction: on a small machine the CPU they would take
is what keeps request latency low; they catch up when requests pause.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, event

from shared.inflight import RequestsInFlight

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|BEGIN\s+IMMEDIATE)\b", re.IGNORECASE)
BACKGROUND_YIELD_S = 0.1
_HELD = "scout_write_gate"  # key in the pooled DBAPI connection's info: the gate it holds
# Per thread, and per asyncio task (each request's handler runs in its own task).
_interactive: ContextVar[bool] = ContextVar("scout_interactive_writer", default=False)
_gates: weakref.WeakKeyDictionary[Engine, WriteGate] = weakref.WeakKeyDictionary()
_requests = RequestsInFlight()


def mark_interactive() -> None:
    """Mark the calling thread as serving requests (a ``ThreadPoolExecutor`` initializer)."""
    _interactive.set(True)


def interactive() -> bool:
    """Whether writes from here go before background ones."""
    return _interactive.get()


@contextmanager
def serving_request() -> Iterator[None]:
    """Around the handling of one request: counted as in flight, and its writes (on this thread,
    or in this task and the threads it hands work to with ``asyncio.to_thread``) go first."""
    marked = _interactive.set(True)
    try:
        with _requests:
            yield
    finally:
        _interactive.reset(marked)


def _step_aside_for_requests() -> None:
    _requests.wait_idle(BACKGROUND_YIELD_S)


class WriteGate:
    def __init__(self, timeout_s: float) -> None:
        self._timeout_s = timeout_s
        self._changed = threading.Condition()
        self._held = False
        self._waiting = 0
        self._interactive_waiting = 0

    @property
    def waiting(self) -> int:
        """Threads waiting for the gate now (background ones stepping aside for requests included)."""
        return self._waiting

    def acquire(self) -> bool:
        """Wait for the gate; False if ``timeout_s`` passed first (SQLite's lock then decides,
        e.g. for a thread writing through a second connection while its first holds the gate)."""
        for_request = interactive()
        with self._changed:
            self._waiting += 1
            self._interactive_waiting += for_request
        try:
            if not for_request:
                _step_aside_for_requests()
            with self._changed:
                acquired = self._changed.wait_for(
                    lambda: not self._held and (for_request or self._interactive_waiting == 0),
                    self._timeout_s,
                )
                self._held = self._held or acquired
                return acquired
        finally:
            with self._changed:
                self._waiting -= 1
                self._interactive_waiting -= for_request
                self._changed.notify_all()

    def release(self) -> None:
        with self._changed:
            self._held = False
            self._changed.notify_all()


def install(engine: Engine, timeout_s: float) -> WriteGate:
    """Gate every write made through ``engine``'s connections; returns the gate."""
    gate = WriteGate(timeout_s)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _HELD not in conn.info and _WRITE.match(statement) and gate.acquire():
            conn.info[_HELD] = gate

    def _release(info: dict[str, Any]) -> None:
        held = info.pop(_HELD, None)
        if held is not None:
            held.release()

    # ``commit`` fires just before the COMMIT: the next writer may meet SQLite's lock for the
    # moment the COMMIT takes, and its busy handler's first retries are 1-5 ms apart.
    event.listen(engine, "commit", lambda conn: _release(conn.info))
    event.listen(engine, "rollback", lambda conn: _release(conn.info))
    event.listen(engine.pool, "checkin", lambda _dbapi, record: _release(record.info))
    _gates[engine] = gate
    return gate


def gate_of(engine: Engine) -> WriteGate | None:
    return _gates.get(engine)
