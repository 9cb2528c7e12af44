"""Ingest endpoints: accept a batch (``202``), show its status, list batches, serve its quarantine report.

Each trigger parses the request and hands it to :mod:`shared.ingest`; the durable client only
starts the batch's orchestration (see :func:`functions.etl.start_if_missing`).
"""

from __future__ import annotations

import azure.durable_functions as df
import azure.functions as func

from functions._http import handle, handle_async, json_response
from functions.etl import start_if_missing
from shared import ingest
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, Principal
from shared.db.engine import ensure_schema

bp = df.Blueprint()

WRITERS = frozenset({ROLE_INGEST})
READERS = frozenset({ROLE_INGEST, ROLE_ADMIN})


async def _accept(
    req: func.HttpRequest, client: df.DurableOrchestrationClient, endpoint: str
) -> func.HttpResponse:
    request = ingest.IngestRequest(
        endpoint=endpoint,
        body=req.get_body() or b"",
        headers={k.lower(): v for k, v in req.headers.items()},
        params=dict(req.params),
    )

    async def run(principal: Principal) -> func.HttpResponse:
        engine = await ingest.off_loop(ensure_schema)
        answer = await ingest.accept(
            engine, principal, request, lambda batch_id, fresh: start_if_missing(client, batch_id, fresh)
        )
        return json_response(answer.body, answer.status, answer.headers)

    return await handle_async(req, run, roles=WRITERS)


@bp.route(route="ingest/transactions", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def ingest_transactions(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    return await _accept(req, client, "transactions")


@bp.route(route="ingest/files", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@bp.durable_client_input(client_name="client")
async def ingest_files(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    return await _accept(req, client, "files")


@bp.route(route="ingest/batches", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def ingest_batches(req: func.HttpRequest) -> func.HttpResponse:
    return handle(
        req,
        lambda p: ingest.list_batches(ensure_schema(), p, req.params).model_dump(mode="json"),
        roles=READERS,
    )


@bp.route(route="ingest/batches/{batch_id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def ingest_batch_status(req: func.HttpRequest) -> func.HttpResponse:
    batch_id = req.route_params["batch_id"]
    return handle(
        req,
        lambda p: ingest.batch_status(ensure_schema(), p, batch_id).model_dump(mode="json"),
        roles=READERS,
    )


@bp.route(route="ingest/batches/{batch_id}/quarantine", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def ingest_batch_quarantine(req: func.HttpRequest) -> func.HttpResponse:
    batch_id = req.route_params["batch_id"]

    def report(principal: Principal) -> func.HttpResponse:
        body = ingest.quarantine_report(ensure_schema(), principal, batch_id)
        return func.HttpResponse(body, status_code=200, mimetype="application/x-ndjson")

    return handle(req, report, roles=READERS)
