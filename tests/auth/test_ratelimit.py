"""Per-caller token bucket, alone (controlled clock) and through ``authorize_request``."""

from __future__ import annotations

import threading

import pytest

from shared.auth import authorize_request
from shared.auth.principal import ROLE_READ
from shared.config import get_settings
from shared.errors import ApiError
from shared.ratelimit import TokenBucket
from tests.support.tokens import auth_header, token_for


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_bucket_allows_burst_then_refills_at_the_rate() -> None:
    clock = _Clock()
    bucket = TokenBucket(60, 3, clock=clock)  # 1 per second, bursts of 3
    assert [bucket.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.acquire("a") == pytest.approx(1.0)
    assert bucket.acquire("b") == 0.0  # another caller has its own bucket
    clock.now += 0.5
    assert bucket.acquire("a") == pytest.approx(0.5)
    clock.now += 0.5
    assert bucket.acquire("a") == 0.0
    clock.now += 100
    assert [bucket.acquire("a") for _ in range(4)][-1] > 0  # refilled only up to the burst


def test_bucket_forgets_least_recent_keys_beyond_the_bound() -> None:
    bucket = TokenBucket(60, 1, max_keys=2, clock=_Clock())
    bucket.acquire("a")
    bucket.acquire("b")
    bucket.acquire("c")
    assert bucket.acquire("a") == 0.0  # "a" was evicted: a fresh bucket
    assert bucket.acquire("c") > 0


def test_bucket_is_thread_safe() -> None:
    bucket = TokenBucket(1, 100)
    allowed = []

    def worker() -> None:
        allowed.extend(1 for _ in range(50) if bucket.acquire("same") == 0.0)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(allowed) == 100  # exactly the burst, never more


def test_authorize_request_answers_429_with_retry_after(auth_env, monkeypatch) -> None:
    monkeypatch.setenv("SCOUT_RATE_LIMIT_PER_MINUTE", "6")
    monkeypatch.setenv("SCOUT_RATE_LIMIT_BURST", "3")
    get_settings.cache_clear()
    busy = auth_header(token_for(auth_env, ROLE_READ, subject="busy"))
    for _ in range(3):
        authorize_request(busy, frozenset({ROLE_READ}))
    with pytest.raises(ApiError) as caught:
        authorize_request(busy, frozenset({ROLE_READ}))
    assert (caught.value.status, caught.value.code) == (429, "rate_limited")
    assert 1 <= int(caught.value.headers["Retry-After"]) <= 10
    other = auth_header(token_for(auth_env, ROLE_READ, subject="calm"))
    assert authorize_request(other, frozenset({ROLE_READ})).subject == "calm"
