"""Counting requests being served, so background work can wait for a pause in them."""

from __future__ import annotations

import threading


class RequestsInFlight:
    """``with requests:`` around serving one request; ``wait_idle`` for work that should go second."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    def __enter__(self) -> None:
        with self._changed:
            self._count += 1

    def __exit__(self, *_exc: object) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    def wait_idle(self, timeout_s: float) -> bool:
        """Wait until no request is in flight; False if ``timeout_s`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout_s)
