"""``GET /api/health``: SQL, blob store and durable store, each checked for real."""

import asyncio

import azure.durable_functions as df
import azure.functions as func

from functions._http import handle_async, json_response
from shared.blobstore import get_blob_store
from shared.db.engine import ping as sql_ping
from shared.health import run_checks

bp = df.Blueprint()


@bp.route(route="health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@bp.durable_client_input(client_name="client")
async def health(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    async def sql() -> dict:
        return await asyncio.to_thread(sql_ping)

    async def blob() -> dict:
        return await asyncio.to_thread(get_blob_store().ping)

    async def durable() -> dict:
        await client.get_status("scout-health-probe")
        return {}

    async def respond(_principal: object) -> func.HttpResponse:
        status, answer = await run_checks({"sql": sql, "blob": blob, "durable": durable})
        return json_response(answer.model_dump(mode="json"), status)

    return await handle_async(req, respond, roles=None)
