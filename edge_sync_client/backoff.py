"""Retry delays: exponential, doubling from ``base`` up to ``cap``, with full jitter.

Attempt ``n`` (0-based) waits a uniform random time in ``[0, min(cap, base * 2**n)]`` — the
"full jitter" schedule, which spreads a fleet of devices that lost the network at the same
moment instead of having them return in lockstep. A server's ``Retry-After`` is a floor.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Never wait longer than this for one retry, whatever a server asks.
MAX_RETRY_AFTER_SECONDS = 3600.0


class Backoff:
    def __init__(self, base: float = 1.0, cap: float = 300.0, rng: random.Random | None = None) -> None:
        if base <= 0 or cap < base:
            raise ValueError("backoff needs 0 < base <= cap")
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
        self.attempt = 0

    def ceiling(self, attempt: int) -> float:
        """The upper bound of the jittered delay for ``attempt`` (0-based)."""
        return min(self.cap, self.base * 2 ** min(attempt, 62))

    def next_delay(self, retry_after: float | None = None) -> float:
        delay = self.rng.uniform(0, self.ceiling(self.attempt))
        self.attempt += 1
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return delay

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
