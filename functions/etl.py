"""The ETL orchestration, one instance per batch (instance id = batch id), and its activities.

The orchestrator only yields: every SQL and blob touch is in an activity
(:mod:`shared.etl.activities`), and activities pass blob names and counts, never rows.
"""

from __future__ import annotations

from typing import Any

import azure.durable_functions as df

from shared.etl import activities

bp = df.Blueprint()

ORCHESTRATOR = "etl_orchestrator"


class BackoffRetry(df.RetryOptions):
    """``RetryOptions`` plus DTFx's backoff fields, which the Python SDK does not expose but the
    host reads from the action (Azure's extension and the local host alike)."""

    def __init__(self, first_ms: int, attempts: int, coefficient: float = 2.0, max_ms: int = 30_000) -> None:
        super().__init__(first_ms, attempts)
        self.backoff_coefficient = coefficient
        self.max_retry_interval_ms = max_ms

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "backoffCoefficient": self.backoff_coefficient,
            "maxRetryIntervalInMilliseconds": self.max_retry_interval_ms,
        }


# 1, 2, 4, 8, 16 s between attempts (half a minute rides out a restarting host or a busy
# database); a batch whose stage keeps failing still ends ``failed`` through the finalise
# activity, which itself retries longer.
STAGE_RETRY = BackoffRetry(first_ms=1000, attempts=6)
FINALISE_RETRY = BackoffRetry(first_ms=2000, attempts=6)

_ACTIVE = {
    df.OrchestrationRuntimeStatus.Running,
    df.OrchestrationRuntimeStatus.Pending,
    df.OrchestrationRuntimeStatus.ContinuedAsNew,
    df.OrchestrationRuntimeStatus.Suspended,
}


@bp.orchestration_trigger(context_name="context")
def etl_orchestrator(context: df.DurableOrchestrationContext) -> Any:
    batch_id = context.get_input()["batch_id"]
    outcome: dict[str, Any] = {"batch_id": batch_id, "error": None}
    try:
        context.set_custom_status({"stage": "extract_validate_clean_enrich"})
        extracted = yield context.call_activity_with_retry(
            "extract_validate_clean_enrich", STAGE_RETRY, {"batch_id": batch_id}
        )
        context.set_custom_status({"stage": "load", "received": extracted["received"]})
        loaded = yield context.call_activity_with_retry("load", STAGE_RETRY, extracted)
        context.set_custom_status({"stage": "aggregate"})
        yield context.call_activity_with_retry("aggregate", STAGE_RETRY, extracted)
        outcome.update(extracted, **loaded)
    except Exception as exc:  # noqa: BLE001 - a failed stage ends the batch failed, with the reason
        outcome["error"] = str(exc) or type(exc).__name__
    context.set_custom_status({"stage": "finalise"})
    final = yield context.call_activity_with_retry("finalise", FINALISE_RETRY, outcome)
    context.set_custom_status({"stage": "done", "status": final["status"]})
    return final


@bp.activity_trigger(input_name="payload")
def extract_validate_clean_enrich(payload: dict[str, Any]) -> dict[str, Any]:
    return activities.extract_validate_clean_enrich(payload)


@bp.activity_trigger(input_name="payload")
def load(payload: dict[str, Any]) -> dict[str, Any]:
    return activities.load(payload)


@bp.activity_trigger(input_name="payload")
def aggregate(payload: dict[str, Any]) -> dict[str, Any]:
    return activities.aggregate(payload)


@bp.activity_trigger(input_name="payload")
def finalise(payload: dict[str, Any]) -> dict[str, Any]:
    return activities.finalise(payload)


async def start_if_missing(client: df.DurableOrchestrationClient, batch_id: str, known_new: bool) -> None:
    """Start the batch's orchestration unless the durable store already has that instance
    (``known_new``: the caller just created the batch, so there is nothing to look up)."""
    if known_new or (await client.get_status(batch_id)).runtime_status is None:
        await client.start_new(ORCHESTRATOR, batch_id, {"batch_id": batch_id})


async def restart_unless_active(client: df.DurableOrchestrationClient, batch_id: str) -> bool:
    """For a batch stuck non-final: start it again (same id) unless it is running or pending."""
    status = await client.get_status(batch_id)
    if status.runtime_status in _ACTIVE:
        return False
    if status.runtime_status is not None:
        await client.purge_instance_history(batch_id)
    await client.start_new(ORCHESTRATOR, batch_id, {"batch_id": batch_id})
    return True
