"""Running one activity function: its input decoded as the Functions worker decodes it, its result
encoded, and a failure turned into the reason and details the orchestrator's history records."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Any

from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter

from ..discovery import FunctionIndex
from ..invoke import Invoker


@dataclass(frozen=True)
class ActivityOutcome:
    """``result`` (JSON text) when it succeeded; otherwise ``reason`` and ``details``."""

    succeeded: bool
    result: str | None = None
    reason: str = ""
    details: str = ""


def run_activity_function(
    index: FunctionIndex, invoker: Invoker, name: str, input_json: str | None, log_fields: dict[str, Any]
) -> ActivityOutcome:
    try:
        info = index.activity(name)
        if info is None:
            raise LookupError(f"activity function {name!r} is not registered")
        value = None
        if input_json is not None:
            value = ActivityTriggerConverter.decode(meta.Datum(input_json, "json"), trigger_metadata=None)
        result = invoker.call_blocking(info, value, **log_fields)
        return ActivityOutcome(True, result=ActivityTriggerConverter.encode(result, expected_type=None).value)
    except Exception as exc:  # noqa: BLE001 - an activity failure is the task's outcome
        return ActivityOutcome(
            False,
            reason=f"Activity function '{name}' failed: {type(exc).__name__}: {exc}",
            details="".join(traceback.format_exception(exc))[-4000:],
        )
