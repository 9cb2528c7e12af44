"""Crashes and restarts: kill -9 mid-orchestration, timers missed while down, graceful SIGTERM."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from local_host.durable.store import TaskHubStore
from tests.local_host.conftest import TEST_APP, executions, start_orchestration, wait_final
from tests.support.polling import wait_for


def test_killed_host_resumes_the_same_instance_without_rerunning_completed_activities(
    local_host_factory,
) -> None:
    host = local_host_factory(app=TEST_APP)
    assert start_orchestration(host, "pipeline", "crash-1").status_code == 202
    # add_one twice, then `slow` blocks until release-slow exists: kill while it runs
    wait_for(lambda: executions(host.data_dir, "slow-start 3") == 1)
    assert executions(host.data_dir, "add_one") == 2
    host.kill()

    (host.data_dir / "release-slow").touch()
    host.start()
    status = wait_final(host, "crash-1", timeout=40)
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"]["chain"] == [2, 3, 30]
    assert status["output"]["squares"] == [i * i for i in range(10)]
    # completed before the kill: results came from history, not from running them again
    assert executions(host.data_dir, "add_one 1") == 1
    assert executions(host.data_dir, "add_one 2") == 1
    # running when killed, its completion never recorded: run again (at-least-once)
    assert executions(host.data_dir, "slow-start 3") == 2
    assert executions(host.data_dir, "slow-end 3") == 1
    # the history holds each completion once
    completed_ids = [
        e["TaskScheduledId"] for e in status["historyEvents"] if e["EventType"] == "TaskCompleted"
    ]
    assert len(completed_ids) == len(set(completed_ids))


def _recorded_completions(data_dir: Path, instance_id: str) -> set[str]:
    """Activities (name + input) whose completion the dead host had persisted, read from its store."""
    store = TaskHubStore(data_dir / "durable.db")
    try:
        events = store.history(instance_id) + [i.event for i in store.ready_inbox(instance_id, "9999")]
    finally:
        store.close()
    scheduled = {e["EventId"]: f"{e['Name']} {json.loads(e['Input'])}" for e in events if e["EventType"] == 4}
    return {scheduled[e["TaskScheduledId"]] for e in events if e["EventType"] == 5}


def _runs(data_dir: Path, line: str) -> int:
    return (data_dir / "executions.log").read_text().splitlines().count(line)


def test_repeated_kills_never_rerun_a_recorded_activity(local_host_factory) -> None:
    """Four kill -9 at random moments (seeded): after each, whatever the store had recorded as
    completed must never run again; the rest may (at-least-once); the result is exact."""
    rng = random.Random(20261123)
    host = local_host_factory(app=TEST_APP)
    start_orchestration(host, "stress", "stress-1")
    frozen: dict[str, int] = {}
    for _ in range(4):
        time.sleep(rng.uniform(0.3, 1.2))
        host.kill()
        for done in _recorded_completions(host.data_dir, "stress-1"):
            frozen.setdefault(done, _runs(host.data_dir, done))
        host.start()
    status = wait_final(host, "stress-1", timeout=60)
    assert status["runtimeStatus"] == "Completed" and status["output"] == sum(i * i for i in range(8))
    assert frozen, "no activity had completed before the kills; the test proves nothing"
    for done, count in frozen.items():
        assert _runs(host.data_dir, done) == count, done


def test_sigterm_stops_cleanly_and_work_left_queued_runs_after_restart(local_host_factory) -> None:
    host = local_host_factory(app=TEST_APP, shutdown_grace=1.0)
    start_orchestration(host, "pipeline", "term-1")
    wait_for(lambda: executions(host.data_dir, "slow-start 3") == 1)
    exit_code = host.stop(timeout=30)  # `slow` is still blocked: abandoned after the grace period
    assert exit_code in (0, -15)  # uvicorn re-raises SIGTERM once shutdown has finished
    stopped = [line for line in host.log_path.read_text().splitlines() if '"host stopped"' in line]
    assert stopped and "activity-" in stopped[-1]  # the blocked activity thread was abandoned
    (host.data_dir / "release-slow").touch()
    host.start()
    assert wait_final(host, "term-1", timeout=40)["output"]["chain"] == [2, 3, 30]
    assert executions(host.data_dir, "add_one 1") == 1


def test_timer_fires_on_schedule_and_past_due_after_downtime(local_host_factory) -> None:
    host = local_host_factory(app=TEST_APP)
    # `tick` runs every 2 seconds (NCRONTAB "*/2 * * * * *")
    wait_for(lambda: executions(host.data_dir, "tick past_due=False") >= 2, timeout=10)
    host.kill()
    time.sleep(3)  # a scheduled run is missed while the host is down
    host.start()
    wait_for(lambda: executions(host.data_dir, "tick past_due=True") == 1, timeout=10)
    assert executions(host.data_dir, "tick past_due=False next=True") >= 1  # ScheduleStatus is filled in
