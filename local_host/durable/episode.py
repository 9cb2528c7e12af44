"""One orchestrator episode: replay the history plus new events through the SDK's own executor,
then turn the actions it returns into history events, work and timers (nothing is done here; the
caller commits the :class:`EpisodeChanges` in one transaction and only then acts).

Task ids follow the SDK's sequence numbers: every action except an external-event wait takes the
next number in the order the SDK lists them, and a ``*_with_retry`` task takes one more for each
backoff timer and each rescheduled attempt, at the moment the SDK processes the failure or the
timer. To know that moment exactly, an event that makes the SDK take a retry number is always
the last event of its episode.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .events import (
    ActionType,
    EventType,
    RuntimeStatus,
    event,
    flatten_actions,
    format_time,
    parse_time,
)
from .store import EpisodeChanges, InboxEvent, Instance, NewInstance, new_bookkeeping

OUT_OF_PROC_MARKER = "$OutOfProcData$:"
UNSUPPORTED = {ActionType.CALL_ENTITY, ActionType.CALL_HTTP, ActionType.SIGNAL_ENTITY}

# Runs the orchestrator function on the orchestration JSON; returns the SDK's state JSON or raises.
OrchestratorCall = Callable[[str], str]


@dataclass
class SdkOutcome:
    state: dict[str, Any]
    error: str | None


def call_orchestrator(run: OrchestratorCall, body: str) -> SdkOutcome:
    try:
        return SdkOutcome(json.loads(run(body)), None)
    except Exception as exc:  # noqa: BLE001 - an orchestrator failure is the orchestration's outcome
        message = str(exc)
        if OUT_OF_PROC_MARKER in message:
            head, _, state = message.partition(OUT_OF_PROC_MARKER)
            parsed = json.loads(state)
            return SdkOutcome(parsed, parsed.get("error") or head.strip())
        return SdkOutcome({"isDone": False, "actions": []}, f"{type(exc).__name__}: {exc}")


def choose_batch(inbox: list[InboxEvent], bookkeeping: dict[str, Any]) -> list[InboxEvent]:
    """Events for this episode: in order, up to and including the first that takes a retry number."""
    batch: list[InboxEvent] = []
    for item in inbox:
        batch.append(item)
        if _takes_retry_number(item.event, bookkeeping):
            break
    return batch


def _takes_retry_number(ev: dict[str, Any], bookkeeping: dict[str, Any]) -> bool:
    kind = ev["EventType"]
    if kind in (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED):
        return str(ev.get("TaskScheduledId")) in bookkeeping["retries"]
    if kind == EventType.TIMER_FIRED:
        return str(ev.get("TimerId")) in bookkeeping["retry_timers"]
    return False


def orchestration_body(
    instance: Instance, history: list[dict[str, Any]], new_events: list[dict[str, Any]]
) -> str:
    played = [{**e, "IsPlayed": True} for e in history]
    return json.dumps(
        {
            "history": played + new_events,
            "input": instance.input,
            "instanceId": instance.instance_id,
            "isReplaying": False,
            "parentInstanceId": instance.parent_instance_id,
            "upperSchemaVersion": 2,
        }
    )


def run_episode(
    instance: Instance,
    history: list[dict[str, Any]],
    inbox: list[InboxEvent],
    now: str,
    run: OrchestratorCall,
) -> EpisodeChanges:
    batch = choose_batch(inbox, instance.bookkeeping)
    new_events = [event(EventType.ORCHESTRATOR_STARTED, now)] + [item.event for item in batch]
    outcome = call_orchestrator(run, orchestration_body(instance, history, new_events))
    return _Decider(instance, now, batch, new_events).decide(outcome)


class _Decider:
    def __init__(
        self, instance: Instance, now: str, batch: list[InboxEvent], new_events: list[dict[str, Any]]
    ):
        self.instance = instance
        self.now = now
        self.batch = batch
        self.bk = copy.deepcopy(instance.bookkeeping)
        self.history_append = list(new_events)
        self.changes = EpisodeChanges(
            instance_id=instance.instance_id,
            execution_id=instance.execution_id,
            consumed_inbox_ids=[item.id for item in batch],
            history_append=self.history_append,
            status=RuntimeStatus.RUNNING,
            output=None,
            custom_status=instance.custom_status,
            bookkeeping=self.bk,
            updated_at=now,
        )

    def decide(self, outcome: SdkOutcome) -> EpisodeChanges:
        state = outcome.state
        if "customStatus" in state:
            self.changes.custom_status = json.dumps(state["customStatus"])
        error = outcome.error
        actions = flatten_actions(state.get("actions") or [])
        continue_as_new: dict[str, Any] | None = None
        known = len(self.bk["action_ids"])
        if error is None:
            error = self._diverged(actions[:known])
        if error is None:
            self._cancel_timers(actions[:known])
            for action in actions[known:]:
                kind = action.get("actionType")
                self.bk["action_sigs"].append(_signature(action))
                if kind == ActionType.WAIT_FOR_EXTERNAL_EVENT:
                    self.bk["action_ids"].append(None)
                    continue
                task_id = self._take_number()
                self.bk["action_ids"].append(task_id)
                if kind in UNSUPPORTED:
                    error = f"action type {ActionType(kind).name} is not supported by the local host"
                    break
                if kind == ActionType.CONTINUE_AS_NEW:
                    continue_as_new = action
                    continue
                self._schedule(action, task_id)
        if error is None and not state.get("isDone"):
            self._advance_retries()
        if error is not None:
            self._finish(RuntimeStatus.FAILED, error, failed=True)
        elif continue_as_new is not None:
            self._continue_as_new(continue_as_new)
        elif state.get("isDone"):
            self._finish(RuntimeStatus.COMPLETED, state.get("output"), failed=False)
        self.history_append.append(event(EventType.ORCHESTRATOR_COMPLETED, self.now))
        return self.changes

    def _diverged(self, replayed: list[dict[str, Any]]) -> str | None:
        """Azure's non-determinism check: a replay must ask for the same work as the first run."""
        for position, (action, recorded) in enumerate(zip(replayed, self.bk["action_sigs"], strict=False)):
            if _signature(action) != recorded:
                return (
                    f"Non-deterministic workflow detected: action {position} was {recorded!r} "
                    f"when first run and is {_signature(action)!r} on replay"
                )
        return None

    def _take_number(self) -> int:
        number = int(self.bk["next_seq"])
        self.bk["next_seq"] = number + 1
        return number

    # --- scheduling --------------------------------------------------------------------------
    def _schedule(self, action: dict[str, Any], task_id: int) -> None:
        kind = action["actionType"]
        if kind in (ActionType.CALL_ACTIVITY, ActionType.CALL_ACTIVITY_WITH_RETRY):
            self._schedule_activity(task_id, action["functionName"], action.get("input"))
        elif kind in (ActionType.CALL_SUB_ORCHESTRATOR, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
            self._schedule_sub_orchestration(task_id, action, first_task_id=task_id, attempt=1)
        elif kind == ActionType.CREATE_TIMER:
            self._schedule_timer(task_id, action["fireAt"])
        if kind in (ActionType.CALL_ACTIVITY_WITH_RETRY, ActionType.CALL_SUB_ORCHESTRATOR_WITH_RETRY):
            self.bk["retries"][str(task_id)] = {"action": action, "attempt": 1, "first_task_id": task_id}

    def _schedule_activity(self, task_id: int, name: str, input_: str | None) -> None:
        self.history_append.append(
            event(EventType.TASK_SCHEDULED, self.now, task_id, Name=name, Input=input_)
        )
        self.changes.work.append((task_id, name, input_))

    def _schedule_sub_orchestration(
        self, task_id: int, action: dict[str, Any], *, first_task_id: int, attempt: int
    ) -> None:
        base = action.get("instanceId") or f"{self.instance.instance_id}:{first_task_id}"
        child_id = base if attempt == 1 else f"{base}:{attempt}"
        self.history_append.append(
            event(
                EventType.SUB_ORCHESTRATION_CREATED,
                self.now,
                task_id,
                Name=action["functionName"],
                Input=action.get("input"),
                InstanceId=child_id,
            )
        )
        self.changes.new_instances.append(
            NewInstance(
                child_id, action["functionName"], action.get("input"), self.instance.instance_id, task_id
            )
        )

    def _schedule_timer(self, task_id: int, fire_at: str) -> None:
        self.history_append.append(event(EventType.TIMER_CREATED, self.now, task_id, FireAt=fire_at))
        fired = event(EventType.TIMER_FIRED, fire_at, TimerId=task_id, FireAt=fire_at)
        self.changes.inbox.append((self.instance.instance_id, fired, format_time(parse_time(fire_at))))

    def _cancel_timers(self, known_actions: list[dict[str, Any]]) -> None:
        for action, task_id in zip(known_actions, self.bk["action_ids"], strict=False):
            if (
                action.get("actionType") == ActionType.CREATE_TIMER
                and action.get("isCanceled")
                and task_id is not None
            ):
                self.changes.cancelled_timer_ids.append(task_id)

    # --- retries (the host applies RetryOptions, as the Durable extension does) ---------------------
    def _advance_retries(self) -> None:
        for item in self.batch:
            ev = item.event
            kind = ev["EventType"]
            if kind in (EventType.TASK_COMPLETED, EventType.SUB_ORCHESTRATION_COMPLETED):
                self.bk["retries"].pop(str(ev.get("TaskScheduledId")), None)
            elif kind in (EventType.TASK_FAILED, EventType.SUB_ORCHESTRATION_FAILED):
                retry = self.bk["retries"].pop(str(ev.get("TaskScheduledId")), None)
                if retry is not None:
                    self._start_backoff(retry)
            elif kind == EventType.TIMER_FIRED:
                retry = self.bk["retry_timers"].pop(str(ev.get("TimerId")), None)
                if retry is not None:
                    self._retry_now(retry)

    def _start_backoff(self, retry: dict[str, Any]) -> None:
        timer_id = self._take_number()
        fire_at = format_time(
            parse_time(self.now) + retry_delay(retry["action"]["retryOptions"], retry["attempt"])
        )
        self._schedule_timer(timer_id, fire_at)
        self.bk["retry_timers"][str(timer_id)] = retry

    def _retry_now(self, retry: dict[str, Any]) -> None:
        action = retry["action"]
        if retry["attempt"] >= int(action["retryOptions"].get("maxNumberOfAttempts", 1)):
            return  # the SDK fails the task with the last error
        task_id = self._take_number()
        retry = {**retry, "attempt": retry["attempt"] + 1}
        if action["actionType"] == ActionType.CALL_ACTIVITY_WITH_RETRY:
            self._schedule_activity(task_id, action["functionName"], action.get("input"))
        else:
            self._schedule_sub_orchestration(
                task_id, action, first_task_id=retry["first_task_id"], attempt=retry["attempt"]
            )
        self.bk["retries"][str(task_id)] = retry

    # --- endings -----------------------------------------------------------------------------
    def _finish(self, status: str, result: Any, *, failed: bool) -> None:
        encoded = json.dumps(result)
        self.changes.status = status
        self.changes.output = encoded
        self._drop_own_work()
        self.history_append.append(
            event(EventType.EXECUTION_COMPLETED, self.now, OrchestrationStatus=status, Result=encoded)
        )
        parent, task_id = self.instance.parent_instance_id, self.instance.parent_task_id
        if parent is not None and task_id is not None:
            if failed:
                done = event(
                    EventType.SUB_ORCHESTRATION_FAILED,
                    self.now,
                    TaskScheduledId=task_id,
                    Reason=f"Orchestrator function '{self.instance.name}' failed: {result}",
                    Details=None,
                )
            else:
                done = event(
                    EventType.SUB_ORCHESTRATION_COMPLETED, self.now, TaskScheduledId=task_id, Result=encoded
                )
            self.changes.inbox.append((parent, done, self.now))

    def _continue_as_new(self, action: dict[str, Any]) -> None:
        self.changes.continued_as_new = True
        self.changes.continue_as_new_input = action.get("input")
        self.changes.status = RuntimeStatus.RUNNING
        self.changes.bookkeeping = new_bookkeeping()
        self._drop_own_work()

    def _drop_own_work(self) -> None:
        """An execution that ends schedules nothing more for itself."""
        self.changes.work.clear()
        self.changes.new_instances.clear()
        self.changes.inbox = [entry for entry in self.changes.inbox if entry[0] != self.instance.instance_id]


def _signature(action: dict[str, Any]) -> str:
    name = action.get("functionName") or action.get("externalEventName") or ""
    try:
        kind = ActionType(int(action.get("actionType", -1))).name
    except ValueError:
        kind = str(action.get("actionType"))
    return f"{kind}:{name}"


def retry_delay(options: dict[str, Any], attempt: int) -> timedelta:
    """DTFx's backoff: first interval x coefficient^(attempt-1), capped by the max interval."""
    first = float(options.get("firstRetryIntervalInMilliseconds", 1000))
    coefficient = float(options.get("backoffCoefficient", 1.0))
    cap = options.get("maxRetryIntervalInMilliseconds")
    delay_ms = first * coefficient ** (attempt - 1)
    if cap is not None:
        delay_ms = min(delay_ms, float(cap))
    return timedelta(milliseconds=delay_ms)
