"""The push loop against a real HTTP server that fails on purpose (tests/edge/flaky_server.py):
every captured line is stored exactly once, each batch keeps its key across retries, fatal
answers dead-letter one batch without stopping the rest, and nothing here really sleeps."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from edge_sync_client.auth import StaticToken
from edge_sync_client.backoff import Backoff
from edge_sync_client.ingest_client import IngestClient
from edge_sync_client.outbox import Outbox
from edge_sync_client.push import Pusher, PushReport
from tests.edge.conftest import make_lines
from tests.edge.flaky_server import FUNCTION_KEY, TOKEN, FlakyIngestServer


class RecordingWaiter:
    """Stands in for ``threading.Event``: records each requested pause, returns at once, and
    can request a stop after a given number of pauses."""

    def __init__(self, stop_after: int | None = None) -> None:
        self.delays: list[float] = []
        self.stop_after = stop_after

    def wait(self, timeout: float) -> bool:
        if timeout:
            self.delays.append(timeout)
        return self.stop_after is not None and len(self.delays) >= self.stop_after


class CountingToken(StaticToken):
    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.invalidations = 0

    def invalidate(self) -> None:
        self.invalidations += 1


def push(
    server: FlakyIngestServer,
    outbox: Outbox,
    *,
    waiter: RecordingWaiter | None = None,
    tokens: StaticToken | None = None,
    batch_size: int = 10,
    max_attempts: int = 8,
    timeout: float = 5.0,
    seed: int = 99,
) -> PushReport:
    client = IngestClient(server.base_url, tokens or StaticToken(TOKEN), FUNCTION_KEY, timeout=timeout)
    try:
        pusher = Pusher(
            outbox,
            client,
            Backoff(base=1, cap=30, rng=random.Random(seed)),
            waiter or RecordingWaiter(),
            batch_size=batch_size,
            max_attempts_per_run=max_attempts,
        )
        return pusher.run()
    finally:
        client.close()


def assert_each_line_stored_once(server: FlakyIngestServer, count: int) -> None:
    expected = {(line["transaction_id"], line["line_number"]) for line in make_lines(count)}
    assert set(server.stores) == expected
    assert set(server.stores.values()) == {1}, "a line was stored more than once"


def test_every_line_arrives_once_through_drops_timeouts_and_throttling(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    flaky_server.script.extend(
        ["drop_before", "503", "429:3", "ok", "drop_after", "500", "409", "ok", "drop_after", "ok"]
    )
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(25))
        report = push(flaky_server, outbox)
        status = outbox.status()
    assert report.drained and report.acked_batches == 3 and report.acked_lines == 25
    assert report.transient_failures == 7
    assert status["acked"] == {"batches": 3, "lines": 25} and status["pending"]["batches"] == 0
    assert_each_line_stored_once(flaky_server, 25)


def test_a_batch_keeps_its_key_and_bytes_across_every_retry(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    flaky_server.script.extend(["503", "drop_after", "ok", "drop_before", "429", "ok"])
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(20))
        push(flaky_server, outbox)
    bodies = defaultdict(set)
    for attempt in flaky_server.attempts:
        bodies[attempt.key].add(attempt.body_sha)
    assert len(bodies) == 2, "two batches, two keys"
    assert all(len(shas) == 1 for shas in bodies.values()), "a retry changed the body"
    keys = flaky_server.keys_seen()
    assert keys == [keys[0]] * 3 + [keys[3]] * 3, "batches go in order, each retried with its key"


def test_backoff_schedule_follows_the_seeded_rng_and_retry_after(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    flaky_server.script.extend(["503", "503", "429:7", "503", "ok"])
    waiter = RecordingWaiter()
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(3))
        push(flaky_server, outbox, waiter=waiter, seed=2024)
    rng = random.Random(2024)
    expected = [rng.uniform(0, 1), rng.uniform(0, 2), max(7, rng.uniform(0, 4)), rng.uniform(0, 8)]
    assert waiter.delays == expected
    assert waiter.delays[2] >= 7


def test_fatal_answers_dead_letter_one_batch_and_the_loop_goes_on(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    flaky_server.script.extend(["ok", "422", "503", "413", "ok"])
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(40))
        report = push(flaky_server, outbox)
        status = outbox.status()
        assert report.drained and report.dead_batches == 2 and report.acked_batches == 2
        assert [d["status"] for d in status["dead_letters"]] == [422, 413]
        assert '"refused_422"' in status["dead_letters"][0]["error"], "the server's error JSON is kept"
        # An operator fixes the cause and requeues: the same keys go out again and succeed.
        assert outbox.requeue() == 2
        again = push(flaky_server, outbox)
        assert again.acked_batches == 2 and outbox.status()["dead"]["batches"] == 0
    assert_each_line_stored_once(flaky_server, 40)


def test_a_401_gets_one_fresh_token_then_counts_as_fatal(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    tokens = CountingToken(TOKEN)
    flaky_server.script.extend(["401", "ok", "401", "401", "ok"])
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(20))
        report = push(flaky_server, outbox, tokens=tokens)
        assert tokens.invalidations == 2
        assert report.acked_batches == 1 and report.dead_batches == 1
        assert outbox.status()["dead_letters"][0]["status"] == 401


def test_a_run_gives_up_after_its_retry_budget_and_keeps_the_lines(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    flaky_server.script.extend(["503"] * 50)
    waiter = RecordingWaiter()
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(5))
        report = push(flaky_server, outbox, waiter=waiter, max_attempts=4)
        assert report.gave_up and not report.drained
        assert len(flaky_server.attempts) == 4 and len(waiter.delays) == 3
        assert outbox.status()["pending"] == {"batches": 1, "lines": 5}
        flaky_server.script.clear()
        assert push(flaky_server, outbox).acked_lines == 5
    assert_each_line_stored_once(flaky_server, 5)


def test_a_stop_request_ends_the_run_between_attempts(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    flaky_server.script.extend(["503", "503", "503"])
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(5))
        report = push(flaky_server, outbox, waiter=RecordingWaiter(stop_after=1))
        assert report.stopped and len(flaky_server.attempts) == 1
        assert outbox.status()["pending"]["lines"] == 5


def test_a_read_timeout_after_the_server_stored_the_batch_is_resent_harmlessly(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    """The server stores the batch but answers too late: the client times out, resends with the
    same key, and the server replays its first answer instead of storing again."""
    flaky_server.script.extend(["hold_after"])
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(6))
        report = push(flaky_server, outbox, timeout=0.5)
        flaky_server.release()
        assert report.acked_lines == 6 and report.transient_failures == 1
    assert len(flaky_server.attempts) == 2 and len(set(flaky_server.keys_seen())) == 1
    assert_each_line_stored_once(flaky_server, 6)
