"""``etl_orchestrator`` replayed from built histories through the SDK's own executor (no host).

Each history is what the Durable Task runtime would have stored; the executor replays it and
says what the orchestrator asks for next. Nothing here touches SQL, blobs or the clock.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.etl import STAGE_RETRY
from tests.support.app_functions import app_functions

BATCH = "b0000000000000000000000000000001"
T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
EXTRACTED = {
    "batch_id": BATCH,
    "processed_blob": f"processed/{BATCH}.parquet",
    "quarantine_blob": f"quarantine/{BATCH}.jsonl",
    "received": 10,
    "clean": 8,
    "rejected": 1,
    "duplicate_in_batch": 1,
}
LOADED = {"loaded": 6, "updated": 1, "duplicate_loaded": 1}
FINAL = {"batch_id": BATCH, "status": "partially_succeeded"}


def _handle() -> Any:
    handle = app_functions().get("etl_orchestrator")
    assert handle is not None, "etl_orchestrator is not registered"
    return handle


class History:
    """Builds the event list the runtime would persist for one orchestration instance."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.clock = T0
        self.next_task = 0
        self._started()
        self.events.append(
            {
                "EventType": 0,
                "EventId": -1,
                "IsPlayed": False,
                "Timestamp": self._ts(),
                "Name": "etl_orchestrator",
                "Input": json.dumps({"batch_id": BATCH}),
                "Version": "",
            }
        )

    def _ts(self) -> str:
        return self.clock.isoformat().replace("+00:00", "Z")

    def _started(self) -> None:
        self.clock += timedelta(seconds=1)
        self.events.append({"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": self._ts()})

    def _scheduled(self, name: str, payload: Any) -> int:
        task_id = self.next_task
        self.next_task += 1
        event = {"EventType": 4, "EventId": task_id, "IsPlayed": False, "Timestamp": self._ts()}
        event.update(Name=name, Input=json.dumps(payload))
        self.events.append(event)
        self._started()
        return task_id

    def completed(self, name: str, payload: Any, result: Any) -> History:
        task_id = self._scheduled(name, payload)
        event = {"EventType": 5, "EventId": -1, "IsPlayed": False, "Timestamp": self._ts()}
        event.update(TaskScheduledId=task_id, Result=json.dumps(result))
        self.events.append(event)
        return self

    def failed(self, name: str, payload: Any, reason: str, attempts: int) -> History:
        """``attempts`` failures, each followed by the SDK's retry timer (as DTFx records them)."""
        for _ in range(attempts):
            task_id = self._scheduled(name, payload)
            event = {"EventType": 6, "EventId": -1, "IsPlayed": False, "Timestamp": self._ts()}
            event.update(TaskScheduledId=task_id, Reason=reason, Details=reason)
            self.events.append(event)
            timer_id = self.next_task
            self.next_task += 1
            fire_at = self._ts()
            self.events.append(
                {
                    "EventType": 10,
                    "EventId": timer_id,
                    "IsPlayed": False,
                    "Timestamp": fire_at,
                    "FireAt": fire_at,
                }
            )
            self._started()
            self.events.append(
                {
                    "EventType": 11,
                    "EventId": -1,
                    "IsPlayed": False,
                    "Timestamp": self._ts(),
                    "TimerId": timer_id,
                }
            )
        return self

    def replay(self) -> dict[str, Any]:
        context = {
            "history": self.events,
            "input": json.dumps({"batch_id": BATCH}),
            "instanceId": BATCH,
            "isReplaying": False,
            "parentInstanceId": None,
            "upperSchemaVersion": 2,
        }
        return json.loads(_handle()(json.dumps(context)))


def _next_call(state: dict[str, Any]) -> tuple[str, Any, dict[str, Any]]:
    """(activity name, its input, its retry options) of the one action the orchestrator asks for."""
    pending = [action for group in state["actions"] for action in group]
    while pending[-1]["actionType"] in (11, 12):  # schema v2 wraps new actions in a compound action
        pending = pending[-1]["compoundActions"]
    last = pending[-1]
    assert last["actionType"] == 1, "every stage is called with retry"
    return last["functionName"], json.loads(last["input"]), last["retryOptions"]


def test_a_new_batch_starts_with_extract_and_shows_the_stage() -> None:
    state = History().replay()
    assert state["isDone"] is False
    name, payload, retry = _next_call(state)
    assert (name, payload) == ("extract_validate_clean_enrich", {"batch_id": BATCH})
    assert retry["maxNumberOfAttempts"] >= 3 and retry["firstRetryIntervalInMilliseconds"] >= 1000
    assert retry["backoffCoefficient"] == 2.0  # exponential backoff, applied by the host
    assert state["customStatus"] == {"stage": "extract_validate_clean_enrich"}


def test_stages_pass_blob_references_and_counts_never_rows() -> None:
    history = History().completed("extract_validate_clean_enrich", {"batch_id": BATCH}, EXTRACTED)
    name, payload, _ = _next_call(history.replay())
    assert (name, payload) == ("load", EXTRACTED)
    history.completed("load", EXTRACTED, LOADED)
    name, payload, _ = _next_call(history.replay())
    assert (name, payload) == ("aggregate", EXTRACTED)
    assert history.replay()["customStatus"] == {"stage": "aggregate"}


def test_the_happy_path_finalises_with_every_count_and_returns_its_answer() -> None:
    history = (
        History()
        .completed("extract_validate_clean_enrich", {"batch_id": BATCH}, EXTRACTED)
        .completed("load", EXTRACTED, LOADED)
        .completed("aggregate", EXTRACTED, {"touched": 3})
    )
    name, payload, _ = _next_call(history.replay())
    assert name == "finalise"
    assert payload == {**EXTRACTED, **LOADED, "error": None}
    outcome = payload
    history.completed("finalise", outcome, FINAL)
    state = history.replay()
    assert state["isDone"] is True
    assert state["output"] == FINAL
    assert state["customStatus"] == {"stage": "done", "status": "partially_succeeded"}


@pytest.mark.parametrize("failing", ["extract_validate_clean_enrich", "load", "aggregate"])
def test_a_stage_that_fails_after_its_retries_ends_the_batch_failed_with_the_reason(failing: str) -> None:
    history = History()
    steps = [
        ("extract_validate_clean_enrich", {"batch_id": BATCH}, EXTRACTED),
        ("load", EXTRACTED, LOADED),
        ("aggregate", EXTRACTED, {"touched": 3}),
    ]
    for name, payload, result in steps:
        if name == failing:
            history.failed(name, payload, f"{name} broke: disk full", STAGE_RETRY.max_number_of_attempts)
            break
        history.completed(name, payload, result)
    name, payload, _ = _next_call(history.replay())
    assert name == "finalise"
    assert payload["batch_id"] == BATCH
    assert f"{failing} broke: disk full" in payload["error"]


def test_replay_is_deterministic() -> None:
    history = History().completed("extract_validate_clean_enrich", {"batch_id": BATCH}, EXTRACTED)
    assert history.replay() == history.replay()


def test_a_stage_that_fails_once_is_retried_and_the_batch_goes_on() -> None:
    history = History().failed("extract_validate_clean_enrich", {"batch_id": BATCH}, "blob timeout", 1)
    name, payload, _ = _next_call(history.replay())
    assert (name, payload) == ("extract_validate_clean_enrich", {"batch_id": BATCH})
    history.completed("extract_validate_clean_enrich", {"batch_id": BATCH}, EXTRACTED)
    name, payload, _ = _next_call(history.replay())
    assert (name, payload) == ("load", EXTRACTED)
