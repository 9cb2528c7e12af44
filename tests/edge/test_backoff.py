"""The retry schedule: doubling to a cap, full jitter, Retry-After as a floor — deterministic
with a seeded RNG, and no test sleeps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from edge_sync_client.backoff import MAX_RETRY_AFTER_SECONDS, Backoff, parse_retry_after


def test_ceiling_doubles_from_base_up_to_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=10)
    assert [backoff.ceiling(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 10, 10, 10]
    assert backoff.ceiling(10_000) == 10  # no overflow on a very long outage


def test_delays_are_full_jitter_over_the_ceiling_and_reproducible_with_a_seed() -> None:
    first = Backoff(base=1, cap=60, rng=random.Random(1234))
    second = Backoff(base=1, cap=60, rng=random.Random(1234))
    delays = [first.next_delay() for _ in range(10)]
    assert delays == [second.next_delay() for _ in range(10)]
    # The same seed drawn by hand: uniform(0, ceiling) per attempt, ceilings 1, 2, 4, ... 60.
    by_hand = random.Random(1234)
    assert delays == [by_hand.uniform(0, min(60, 2**n)) for n in range(10)]
    assert all(0 <= d <= min(60, 2**n) for n, d in enumerate(delays))


def test_full_jitter_spreads_delays_over_the_whole_range() -> None:
    """A fleet must not come back in lockstep: at the cap, delays cover [0, cap] (mean ~cap/2)."""
    backoff = Backoff(base=1, cap=30, rng=random.Random(7))
    backoff.attempt = 20
    samples = [backoff.next_delay() for _ in range(2000)]
    assert max(samples) <= 30
    assert min(samples) < 1.5 and max(samples) > 28.5
    assert 13.5 < sum(samples) / len(samples) < 16.5


def test_retry_after_is_a_floor_and_is_bounded() -> None:
    backoff = Backoff(base=1, cap=4, rng=random.Random(3))
    assert backoff.next_delay(retry_after=42) == 42
    assert backoff.next_delay(retry_after=0.0) <= backoff.ceiling(1)
    assert backoff.next_delay(retry_after=10**9) == MAX_RETRY_AFTER_SECONDS


def test_reset_starts_the_schedule_over() -> None:
    backoff = Backoff(base=2, cap=100, rng=random.Random(0))
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert backoff.attempt == 0
    assert backoff.next_delay() <= 2


@pytest.mark.parametrize("base,cap", [(0, 10), (-1, 10), (5, 1)])
def test_nonsense_settings_are_refused(base: float, cap: float) -> None:
    with pytest.raises(ValueError):
        Backoff(base=base, cap=cap)


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90
    assert parse_retry_after(format_datetime(now - timedelta(seconds=90), usegmt=True), now) == 0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("", now) is None
