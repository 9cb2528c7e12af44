"""Timer triggers on their schedules, with ``past_due`` and ``run_on_startup`` as Azure applies them.

With ``use_monitor`` (Azure's default) the next due time is persisted before waiting for it: a
host that was down at that time fires once, past due, when it comes back.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from azure.functions.timer import TimerRequest

from shared.telemetry import get_logger

from .discovery import FunctionInfo
from .durable.events import format_time, parse_time
from .durable.store import TaskHubStore
from .invoke import Invoker
from .schedules import parse_schedule, utcnow

log = get_logger("local_host.timers")
LATE_AFTER = timedelta(seconds=1)  # fired this much after its due time counts as past due


class TimerService:
    def __init__(self, functions: list[FunctionInfo], invoker: Invoker, store: TaskHubStore) -> None:
        self.functions = functions
        self.invoker = invoker
        self.store = store
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        for info in self.functions:
            self._tasks.append(asyncio.create_task(self._run(info), name=f"timer:{info.name}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def run_now(self, info: FunctionInfo) -> None:
        """Fire ``info`` once in the background (the admin API), keeping the task referenced."""
        task = asyncio.create_task(self.fire(info, past_due=False, source="admin"), name=f"admin:{info.name}")
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)

    async def fire(
        self, info: FunctionInfo, *, past_due: bool, source: str, status: dict[str, str] | None = None
    ) -> None:
        request = TimerRequest(past_due=past_due, schedule_status=status)
        try:
            await self.invoker.call_async(info, request, past_due=past_due, source=source)
        except Exception:  # noqa: BLE001 - the schedule goes on after a failed run
            log.exception("timer run failed", extra={"function": info.name})

    async def _run(self, info: FunctionInfo) -> None:
        trigger = info.trigger
        try:
            schedule = parse_schedule(str(trigger["schedule"]))
        except ValueError as exc:
            log.error("timer not scheduled", extra={"function": info.name, "error": str(exc)})
            return
        monitored = bool(trigger.get("useMonitor", True))
        last, stored_due = (
            await asyncio.to_thread(self.store.timer_run, info.name) if monitored else (None, None)
        )
        if stored_due and parse_time(stored_due) < utcnow():
            status = _status(last, schedule.next_after(utcnow()))
            await self.fire(info, past_due=True, source="missed-while-down", status=status)
            last = stored_due
        elif trigger.get("runOnStartup"):
            await self.fire(info, past_due=False, source="startup")
        while True:
            due = schedule.next_after(utcnow())
            if monitored:
                await asyncio.to_thread(self.store.record_timer_run, info.name, last, format_time(due))
            await asyncio.sleep(max(0.0, (due - utcnow()).total_seconds()))
            late = utcnow() - due > LATE_AFTER
            following = _status(last, schedule.next_after(due)) if monitored else None
            await self.fire(info, past_due=late, source="schedule", status=following)
            last = format_time(due)


def _status(last: str | None, upcoming: datetime) -> dict[str, str]:
    """Azure's ScheduleStatus: the previous scheduled run, the next one, and when this was written."""
    return {"Last": last or "", "Next": format_time(upcoming), "LastUpdated": format_time(utcnow())}
