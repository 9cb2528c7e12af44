"""No host process: orchestrators replayed from built histories, as the durable SDK's own tests do,
and the host's episode logic driven step by step over a real SQLite task hub."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import azure.functions as func
import pytest

from local_host.discovery import FunctionIndex, index_app
from local_host.durable.episode import retry_delay
from local_host.durable.events import format_time
from local_host.durable.runtime import DurableRuntime
from local_host.durable.store import NewInstance, TaskHubStore
from local_host.invoke import Invoker
from local_host.schedules import utcnow
from tests.local_host import app_under_test

T0 = "2026-01-01T00:00:00.000000Z"


def _event(kind: int, **fields) -> dict:
    return {
        "EventType": kind,
        "EventId": fields.pop("EventId", -1),
        "IsPlayed": False,
        "Timestamp": T0,
        **fields,
    }


@functools.cache
def _index() -> FunctionIndex:
    """Indexed once: ``get_functions()`` may be called only once per app object."""
    return index_app(app_under_test.app, Path(app_under_test.__file__).parent)


def _replay(orchestrator: str, history: list[dict], input_: str | None = None) -> dict:
    handle = _index().orchestrator(orchestrator).user_function  # the SDK's handle(context)
    body = {
        "history": history,
        "input": input_,
        "instanceId": "unit",
        "isReplaying": False,
        "parentInstanceId": None,
        "upperSchemaVersion": 2,
    }
    return json.loads(handle(func.OrchestrationContext(json.dumps(body))))


def _started(name: str) -> list[dict]:
    return [_event(12), _event(0, Name=name, Input=None, Version="")]


def test_first_episode_schedules_the_first_activity() -> None:
    state = _replay("pipeline", _started("pipeline"))
    assert state["isDone"] is False
    assert state["actions"] == [[{"actionType": 0, "functionName": "add_one", "input": "1"}]]


def test_replayed_completions_feed_the_next_activity() -> None:
    history = _started("pipeline") + [
        _event(4, EventId=0, Name="add_one", Input="1"),
        _event(13),
        _event(12),
        _event(5, TaskScheduledId=0, Result="2"),
    ]
    actions = _replay("pipeline", history)["actions"][0]
    assert [a["functionName"] for a in actions] == ["add_one", "add_one"]
    assert actions[1]["input"] == "2"


def test_fan_out_is_one_compound_action_of_ten() -> None:
    history = _started("pipeline")
    for task_id, (name, value, result) in enumerate([("add_one", 1, 2), ("add_one", 2, 3), ("slow", 3, 30)]):
        history += [
            _event(4, EventId=task_id, Name=name, Input=str(value)),
            _event(5, TaskScheduledId=task_id, Result=str(result)),
        ]
    state = _replay("pipeline", history)
    fan_out = state["actions"][0][3]
    assert fan_out["actionType"] == 12  # WhenAll
    assert [a["input"] for a in fan_out["compoundActions"]] == [str(i) for i in range(10)]
    assert state["customStatus"] == {"stage": "fan-out"}


def test_external_event_completes_the_orchestration() -> None:
    history = _started("approval") + [_event(13), _event(12), _event(15, Name="decision", Input='"yes"')]
    state = _replay("approval", history)
    assert state["isDone"] is True and state["output"] == {"decision": "yes"}


def test_exhausted_retries_raise_the_last_failure_in_the_orchestrator() -> None:
    history = _started("doomed") + [
        _event(4, EventId=0, Name="always_fails", Input="null"),
        _event(6, TaskScheduledId=0, Reason="boom", Details=""),
        _event(10, EventId=1, FireAt=T0),
        _event(11, TimerId=1, FireAt=T0),
        _event(4, EventId=2, Name="always_fails", Input="null"),
        _event(6, TaskScheduledId=2, Reason="boom again", Details=""),
        _event(10, EventId=3, FireAt=T0),
        _event(11, TimerId=3, FireAt=T0),
    ]
    with pytest.raises(Exception, match="boom again"):
        _replay("doomed", history)


@pytest.mark.parametrize(
    ("options", "attempt", "expected_ms"),
    [
        ({"firstRetryIntervalInMilliseconds": 100}, 3, 100),  # coefficient 1 by default
        ({"firstRetryIntervalInMilliseconds": 100, "backoffCoefficient": 2}, 3, 400),  # 100 * 2^2
        (
            {
                "firstRetryIntervalInMilliseconds": 100,
                "backoffCoefficient": 2,
                "maxRetryIntervalInMilliseconds": 250,
            },
            3,
            250,
        ),
    ],
)
def test_retry_backoff(options: dict, attempt: int, expected_ms: int) -> None:
    assert retry_delay(options, attempt) == timedelta(milliseconds=expected_ms)


@pytest.fixture
def hub(tmp_path: Path, monkeypatch) -> Iterator[tuple[TaskHubStore, DurableRuntime]]:
    """A real SQLite task hub and the host's runtime, stepped by the test (no threads, no server)."""
    monkeypatch.setenv("SCOUT_DATA_DIR", str(tmp_path))
    (tmp_path / "release-slow").touch()
    store = TaskHubStore(tmp_path / "durable.db")
    yield store, DurableRuntime(store, _index(), Invoker(lambda: "{}"))
    store.close()


def _drive(hub: tuple[TaskHubStore, DurableRuntime], name: str, instance_id: str, input_: str | None = None):
    """Run episodes and activities with a clock advanced 1 s per step until the instance is final."""
    store, runtime = hub
    clock = utcnow()
    store.create_instance(NewInstance(instance_id, name, input_), f"exec-{instance_id}", format_time(clock))
    for _ in range(100):
        clock += timedelta(seconds=1)
        runtime.run_ready_episodes(format_time(clock))
        for item in store.pending_work():
            runtime.run_activity(item)
        if store.instance(instance_id).is_final:
            break
    return store.instance(instance_id)


def test_episodes_over_sqlite_number_retries_the_way_the_sdk_does(hub) -> None:
    """`pipeline` run by the host's episode logic: the retried activity's attempts and backoff
    timers take the ids the SDK expects, or the replay would not complete."""
    instance = _drive(hub, "pipeline", "unit-1")
    assert instance.status == "Completed", instance.output
    assert json.loads(instance.output)["flaky"] == "recovered"
    history = hub[0].history("unit-1")
    flaky = [e["EventId"] for e in history if e["EventType"] == 4 and e["Name"] == "flaky"]
    timers = [e["EventId"] for e in history if e["EventType"] == 10]
    # 3 chained (0-2), 10 fanned out (3-12), then attempt 13, timer 14, attempt 15, timer 16, attempt 17
    assert flaky == [13, 15, 17] and timers == [14, 16]
    # every episode is bracketed, and the orchestration's clock only moves forward
    started = [e["Timestamp"] for e in history if e["EventType"] == 12]
    assert started == sorted(started)
    assert sum(e["EventType"] == 12 for e in history) == sum(e["EventType"] == 13 for e in history)


def test_continue_as_new_starts_a_fresh_history(hub) -> None:
    instance = _drive(hub, "counter", "count-1", "0")
    assert instance.status == "Completed" and json.loads(instance.output) == 3
    history = hub[0].history("count-1")
    started = [e for e in history if e["EventType"] == 0]
    assert len(started) == 1 and started[0]["Input"] == "3"  # only the last execution remains


def test_sub_orchestration_retried_with_new_child_instances(hub) -> None:
    instance = _drive(hub, "parent_retrying_child", "kid-1")
    assert instance.status == "Completed" and json.loads(instance.output) == "recovered"
    created = [e["InstanceId"] for e in hub[0].history("kid-1") if e["EventType"] == 7]
    assert created == ["kid-1:0", "kid-1:0:2", "kid-1:0:3"]
    assert [hub[0].instance(c).status for c in created] == ["Failed", "Failed", "Completed"]


def test_a_replay_that_asks_for_different_work_fails_the_instance(hub) -> None:
    store, runtime = hub
    clock = utcnow()
    store.create_instance(NewInstance("shift-1", "shifty", None), "exec-shift", format_time(clock))
    runtime.run_ready_episodes(format_time(clock + timedelta(seconds=1)))
    app_under_test.SHIFTY[0] = "square"
    try:
        for item in store.pending_work():
            runtime.run_activity(item)
        runtime.run_ready_episodes(format_time(clock + timedelta(seconds=2)))
    finally:
        app_under_test.SHIFTY[0] = "add_one"
    instance = store.instance("shift-1")
    assert instance.status == "Failed"
    assert "Non-deterministic" in json.loads(instance.output)


def test_event_before_deadline_cancels_the_timer(hub) -> None:
    store, runtime = hub
    clock = utcnow()
    store.create_instance(
        NewInstance("wait-1", "approval_with_deadline", None), "exec-wait", format_time(clock)
    )
    runtime.run_ready_episodes(format_time(clock + timedelta(seconds=1)))
    assert store.next_visible_at() > format_time(clock + timedelta(seconds=29))  # the deadline timer
    raised = _event(15, Timestamp=format_time(clock), Name="decision", Input='"approved"')
    store.add_event("wait-1", raised, format_time(clock + timedelta(seconds=2)))
    runtime.run_ready_episodes(format_time(clock + timedelta(seconds=2)))
    instance = store.instance("wait-1")
    assert instance.status == "Completed" and json.loads(instance.output) == "approved"
    assert store.next_visible_at() is None  # the cancelled timer will not fire


def test_deadline_wins_when_no_event_comes(hub) -> None:
    store, runtime = hub
    clock = utcnow()
    store.create_instance(
        NewInstance("wait-2", "approval_with_deadline", None), "exec-wait2", format_time(clock)
    )
    runtime.run_ready_episodes(format_time(clock + timedelta(seconds=1)))
    runtime.run_ready_episodes(format_time(clock + timedelta(seconds=31)))
    assert json.loads(store.instance("wait-2").output) == "timed out"
