"""Per-caller rate limit: an in-process token bucket per key (the caller's subject).

On the local host this is the limit; in Azure, API Management applies the same policy in front
(see ``infra/terraform``) and each Functions instance keeps its own buckets as a backstop.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from shared.config import get_settings
from shared.errors import ApiError


class TokenBucket:
    """``rate_per_minute`` requests per minute on average, bursts up to ``burst``, per key."""

    def __init__(
        self,
        rate_per_minute: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute <= 0 or burst < 1:
            raise ValueError("rate_per_minute must be > 0 and burst >= 1")
        self.rate = rate_per_minute / 60.0
        self.burst = burst
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._lock = threading.Lock()

    def acquire(self, key: str) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is available."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.pop(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self.rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)  # least recently seen: it had refilled anyway
            return wait


_limiter: tuple[tuple[int, int], TokenBucket] | None = None
_limiter_lock = threading.Lock()


def limiter() -> TokenBucket:
    global _limiter
    settings = get_settings()
    config = (settings.rate_limit_per_minute, settings.rate_limit_burst)
    with _limiter_lock:
        if _limiter is None or _limiter[0] != config:
            _limiter = (config, TokenBucket(*config))
        return _limiter[1]


def reset() -> None:
    """Forget every bucket (tests)."""
    global _limiter
    with _limiter_lock:
        _limiter = None


def check_rate(key: str) -> None:
    """Raise 429 ``rate_limited`` with ``Retry-After`` when ``key`` has used up its budget."""
    wait = limiter().acquire(key)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests; retry after {seconds} s.",
            headers={"Retry-After": str(seconds)},
        )
