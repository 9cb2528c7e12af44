"""The workers around the task hub: one orchestrator dispatcher thread (episodes are short and
must not interleave per instance) and a bounded pool of activity threads, which run each activity
here or hand it to the activity worker process (:mod:`.worker_process`).

Activities are at-least-once: a work item is deleted only in the transaction that records its
result, so an activity running when the host dies runs again after restart, and one whose
result was recorded is never run again.
"""

from __future__ import annotations

import queue
import threading
from datetime import timedelta
from typing import Any

import azure.functions as func

from shared.inflight import RequestsInFlight
from shared.telemetry import get_logger

from ..discovery import FunctionIndex
from ..invoke import Invoker
from ..schedules import utcnow
from .activity import ActivityOutcome, run_activity_function
from .episode import run_episode
from .events import EventType, event, format_time, parse_time
from .store import TaskHubStore, WorkItem
from .worker_process import ActivityWorker

log = get_logger("local_host.durable")
IDLE_POLL_SECONDS = 1.0
REQUEUE_EVERY = timedelta(seconds=30)
# An activity waits at most this long for the HTTP requests being served to finish before it starts:
# on a small machine, request latency comes first (bench/ingest: with 0.5 s the ETL ran during a
# burst and p95 accept latency was 560-880 ms; with 5 s, 350-375 ms, and the ETL caught up after).
ACTIVITY_YIELD_SECONDS = 5.0


class DurableRuntime:
    def __init__(
        self,
        store: TaskHubStore,
        index: FunctionIndex,
        invoker: Invoker,
        max_activities: int = 4,
        wake: threading.Event | None = None,
        requests: RequestsInFlight | None = None,
        worker: ActivityWorker | None = None,
    ):
        self.store = store
        self.index = index
        self.invoker = invoker
        self.max_activities = max(1, max_activities)
        self._stopping = threading.Event()
        self._wake = wake or threading.Event()  # set by whoever queues work for the orchestrator
        self._requests = requests or RequestsInFlight()
        self._worker = worker  # None: activities run on this process's threads
        self._work: queue.Queue[WorkItem | None] = queue.Queue()
        self._inflight: set[int] = set()
        self._inflight_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        if self._worker is not None:
            self._worker.start()
        self._threads.append(threading.Thread(target=self._orchestrate, name="orchestrator", daemon=True))
        for n in range(self.max_activities):
            self._threads.append(threading.Thread(target=self._activities, name=f"activity-{n}", daemon=True))
        for thread in self._threads:
            thread.start()
        resumed = self._requeue_pending()
        if resumed:
            log.info("resuming activity work left by the previous run", extra={"work_items": resumed})

    def _requeue_pending(self) -> int:
        """Queue every recorded work item not already queued or running; returns how many were."""
        queued = 0
        for item in self.store.pending_work():
            queued += self._submit(item)
        return queued

    def stop(self, grace_seconds: float = 10.0) -> list[str]:
        """Stop taking work; wait up to ``grace_seconds`` for running episodes and activities.
        Returns the names of threads abandoned mid-work: their work items stay queued for next start."""
        self._stopping.set()
        self._wake.set()
        for _ in range(self.max_activities):
            self._work.put(None)
        deadline = utcnow() + timedelta(seconds=grace_seconds)
        for thread in self._threads:
            thread.join(timeout=max(0.0, (deadline - utcnow()).total_seconds()))
        abandoned = [t.name for t in self._threads if t.is_alive()]
        if self._worker is not None:
            self._worker.close()  # what it still ran is abandoned too: its work items stay queued
        return abandoned

    # --- orchestrations ----------------------------------------------------------------------
    def _orchestrate(self) -> None:
        next_sweep = utcnow() + REQUEUE_EVERY
        while not self._stopping.is_set():
            if utcnow() >= next_sweep:  # work whose result could not be recorded gets another run
                self._requeue_pending()
                next_sweep = utcnow() + REQUEUE_EVERY
            self._wake.clear()
            ran, failed = self._run_ready(format_time(utcnow()))
            if failed:
                self._stopping.wait(IDLE_POLL_SECONDS)  # e.g. the disk is full: do not spin
            elif not ran:
                self._wake.wait(self._idle_timeout())

    def run_ready_episodes(self, now: str) -> int:
        """One episode for each instance with events visible at ``now``; returns how many ran."""
        return self._run_ready(now)[0]

    def _run_ready(self, now: str) -> tuple[int, int]:
        ready = self.store.ready_instances(now)
        failed = 0
        for instance_id in ready:
            if self._stopping.is_set():
                break
            try:
                self._run_episode(instance_id, now)
            except Exception:  # noqa: BLE001 - one broken instance must not stop the others
                failed += 1
                log.exception("episode could not be recorded", extra={"instance_id": instance_id})
        return len(ready), failed

    def _idle_timeout(self) -> float:
        upcoming = self.store.next_visible_at()
        if not upcoming:
            return IDLE_POLL_SECONDS
        wait = (parse_time(upcoming) - utcnow()).total_seconds()
        return min(IDLE_POLL_SECONDS, max(0.005, wait))

    def _run_episode(self, instance_id: str, now: str) -> None:
        instance = self.store.instance(instance_id)
        inbox = self.store.ready_inbox(instance_id, now)
        if instance is None or instance.is_final:
            self.store.drop_inbox([item.id for item in inbox])
            return
        info = self.index.orchestrator(instance.name)

        def run(body: str) -> str:
            if info is None:
                raise LookupError(f"orchestrator function {instance.name!r} is not registered")
            return str(
                self.invoker.call_blocking(info, func.OrchestrationContext(body), instance_id=instance_id)
            )

        changes = run_episode(instance, self.store.history(instance_id), inbox, now, run)
        for item in self.store.commit_episode(changes):
            self._submit(item)

    # --- activities --------------------------------------------------------------------------
    def _submit(self, item: WorkItem) -> bool:
        with self._inflight_lock:
            if item.id in self._inflight:
                return False
            self._inflight.add(item.id)
        self._work.put(item)
        return True

    def _activities(self) -> None:
        while True:
            item = self._work.get()
            if item is None or self._stopping.is_set():
                return
            try:
                self._requests.wait_idle(ACTIVITY_YIELD_SECONDS)
                self.run_activity(item)
            except Exception:  # noqa: BLE001 - the result could not be recorded: the work item stays queued
                if not self._stopping.is_set():
                    log.exception("activity result not recorded", extra={"work_item": item.id})
            finally:
                with self._inflight_lock:
                    self._inflight.discard(item.id)

    def run_activity(self, item: WorkItem) -> None:
        """Run one activity and record its result (or failure) for the orchestrator."""
        if not self.store.has_work(item.id):
            return  # recorded meanwhile (or its instance ended): nothing left to do
        fields: dict[str, Any] = {"instance_id": item.instance_id, "task_id": item.task_id}
        outcome = self._execute(item, fields)
        if outcome.succeeded:
            done = event(
                EventType.TASK_COMPLETED,
                format_time(utcnow()),
                TaskScheduledId=item.task_id,
                Result=outcome.result,
            )
        else:
            done = event(
                EventType.TASK_FAILED,
                format_time(utcnow()),
                TaskScheduledId=item.task_id,
                Reason=outcome.reason,
                Details=outcome.details,
            )
        if self.store.complete_work(item, done, format_time(utcnow())):
            self._wake.set()

    def _execute(self, item: WorkItem, log_fields: dict[str, Any]) -> ActivityOutcome:
        if self._worker is not None:
            return self._worker.run(item.name, item.input, log_fields)
        return run_activity_function(self.index, self.invoker, item.name, item.input, log_fields)
