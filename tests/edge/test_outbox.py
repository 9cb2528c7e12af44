"""The outbox on disk: captures are durable when ``capture`` returns, batches are sealed in
order and never change, so an idempotency key is the same on every retry and after a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from edge_sync_client.outbox import Outbox
from tests.edge.conftest import make_lines
from tests.support.host import REPO_ROOT


def test_capture_counts_identical_lines_once(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as outbox:
        first = outbox.capture(make_lines(10))
        again = outbox.capture(make_lines(12))  # 10 already there, 2 new
        assert (first.captured, first.duplicates) == (10, 0)
        assert (again.captured, again.duplicates) == (2, 10)
        assert outbox.status()["unbatched_lines"] == 12


def test_a_changed_line_is_captured_as_a_correction(tmp_path: Path) -> None:
    """Same (transaction, line) with other content is new data: the server keeps both versions."""
    line = make_lines(1)[0]
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture([line])
        assert outbox.capture([{**line, "quantity": 9}]).captured == 1


def test_seal_groups_lines_in_capture_order_into_batches_of_n(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(25))
        assert outbox.seal(10) == 3
        assert outbox.seal(10) == 0  # nothing left unbatched
        sizes, seqs = [], []
        while (batch := outbox.next_pending()) is not None:
            sizes.append(batch.line_count)
            seqs.append((batch.first_seq, batch.last_seq))
            outbox.ack(batch, "server-id")
        assert sizes == [10, 10, 5]
        assert seqs == [(1, 10), (11, 20), (21, 25)]


def test_the_idempotency_key_and_body_survive_retries_and_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "o.db"
    with Outbox(path) as outbox:
        outbox.capture(make_lines(7))
        outbox.seal(5)
        batch = outbox.next_pending()
        assert batch is not None
        key, body = batch.idempotency_key, outbox.body(batch)
        outbox.record_attempt(batch, "503")
        outbox.record_attempt(batch, "network")
        outbox.capture(make_lines(3, start=100))  # new lines never join a sealed batch
        assert outbox.body(batch) == body
    with Outbox(path) as reopened:
        again = reopened.next_pending()
        assert again is not None
        assert (again.idempotency_key, reopened.body(again)) == (key, body)
        assert again.attempts == 2
        assert [line["transaction_id"] for line in json.loads(body)] == [
            line["transaction_id"] for line in make_lines(5)
        ]


def test_keys_differ_between_batches_and_between_devices(tmp_path: Path) -> None:
    keys = set()
    for device in ("a", "b"):
        with Outbox(tmp_path / f"{device}.db") as outbox:
            outbox.capture(make_lines(4))  # identical content on both devices
            outbox.seal(2)
            while (batch := outbox.next_pending()) is not None:
                keys.add(batch.idempotency_key)
                outbox.ack(batch, None)
    assert len(keys) == 4
    assert all(len(k) <= 200 and k.isprintable() for k in keys)


def test_dead_letters_keep_the_servers_error_and_can_be_requeued(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(6))
        outbox.seal(3)
        bad = outbox.next_pending()
        assert bad is not None
        outbox.dead_letter(bad, 422, json.dumps({"code": "validation_failed", "row": 2}))
        good = outbox.next_pending()
        assert good is not None and good.id != bad.id
        outbox.ack(good, "srv")
        status = outbox.status()
        assert status["dead"] == {"batches": 1, "lines": 3}
        assert status["acked"] == {"batches": 1, "lines": 3}
        assert status["dead_letters"][0]["status"] == 422
        assert json.loads(status["dead_letters"][0]["error"])["code"] == "validation_failed"
        assert status["acked_through_seq"] == 6  # nothing below seq 6 awaits the server
        assert outbox.requeue() == 1
        again = outbox.next_pending()
        assert again is not None and again.idempotency_key == bad.idempotency_key
        assert outbox.status()["dead_letters"] == []


def test_the_acknowledged_position_stops_at_the_first_waiting_batch(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as outbox:
        outbox.capture(make_lines(9))
        outbox.seal(3)
        first = outbox.next_pending()
        assert first is not None
        outbox.ack(first, None)
        assert outbox.status()["acked_through_seq"] == 3
        outbox.capture(make_lines(2, start=50))
        assert outbox.status()["last_seq"] == 11


def test_prune_forgets_old_acknowledged_lines_only(tmp_path: Path) -> None:
    clock = [datetime(2026, 1, 1, tzinfo=UTC)]
    with Outbox(tmp_path / "o.db", now=lambda: clock[0]) as outbox:
        outbox.capture(make_lines(4))
        outbox.seal(2)
        batch = outbox.next_pending()
        assert batch is not None
        outbox.ack(batch, None)
        clock[0] += timedelta(days=8)
        assert outbox.prune(timedelta(days=7)) == 2
        pending = outbox.next_pending()
        assert pending is not None and len(json.loads(outbox.body(pending))) == 2


CAPTURE_LOOP = textwrap.dedent(
    """
    import sys
    from edge_sync_client.outbox import Outbox
    from tests.edge.conftest import make_lines

    outbox = Outbox(sys.argv[1])
    for i in range(100_000):
        result = outbox.capture(make_lines(1, start=i))
        print(result.last_seq, flush=True)  # printed only after capture returned
    """
)


def test_a_capture_that_returned_survives_kill_9(tmp_path: Path) -> None:
    """Kill the capturing process at a random moment: every line whose capture had returned is
    on disk (WAL with synchronous=FULL), and the file opens cleanly."""
    path = tmp_path / "o.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CAPTURE_LOOP, str(path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert child.stdout is not None
    confirmed = [int(child.stdout.readline()) for _ in range(300)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)
    confirmed += [int(line) for line in child.stdout.read().split()]  # anything printed before death
    assert child.returncode == -signal.SIGKILL
    with Outbox(path) as outbox:
        stored = outbox.status()["last_seq"]
        integrity = outbox.conn.execute("PRAGMA integrity_check").fetchone()[0]
    assert integrity == "ok"
    assert stored >= max(confirmed) >= 300
    assert confirmed == list(range(1, len(confirmed) + 1))
