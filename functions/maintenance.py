"""Timers: the stuck-batch sweep, nightly summary reconciliation, raw payload retention."""

from __future__ import annotations

import asyncio

import azure.durable_functions as df
import azure.functions as func

from functions.etl import restart_unless_active
from shared import ingest
from shared.analytics import summaries
from shared.auth import Principal, audit
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.telemetry import get_logger

bp = df.Blueprint()
log = get_logger("maintenance")
MAINTENANCE = Principal(subject="scout-maintenance", tenant_id="", roles=frozenset())


@bp.timer_trigger(schedule="0 */5 * * * *", arg_name="timer", run_on_startup=False)
@bp.durable_client_input(client_name="client")
async def sweep_stuck_batches(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    engine = await asyncio.to_thread(ensure_schema)
    outcome = await ingest.sweep_stuck(engine, lambda batch_id: restart_unless_active(client, batch_id))
    log.info("stuck-batch sweep", extra={**outcome, "past_due": timer.past_due})


@bp.timer_trigger(schedule="0 30 2 * * *", arg_name="timer", run_on_startup=False)
def reconcile_summaries(timer: func.TimerRequest) -> None:
    engine = ensure_schema()
    drift = summaries.reconcile(engine)
    after = summaries.drift(engine) if drift else {}
    audit(MAINTENANCE, "summaries.reconciled", None, {"drift_before": drift, "drift_after": after})
    level = log.warning if drift else log.info
    level(
        "summary reconciliation",
        extra={"drift_before": drift, "drift_after": after, "past_due": timer.past_due},
    )


@bp.timer_trigger(schedule="0 15 3 * * *", arg_name="timer", run_on_startup=False)
def purge_raw_payloads(timer: func.TimerRequest) -> None:
    days = get_settings().raw_retention_days
    deleted = ingest.purge_raw(ensure_schema(), days)
    log.info(
        "raw payload retention",
        extra={"deleted": deleted, "retention_days": days, "past_due": timer.past_due},
    )
