"""The Durable Functions HTTP API under ``/runtime/webhooks/durabletask/`` — what
``DurableOrchestrationClient`` and the ``statusQueryGetUri``-style links call.

Auth as in Azure: the durable extension's system key or the master key in ``code`` (or the
``x-functions-key`` header). Requests from loopback without a key are the SDK's RPC calls
(Azure serves those on a loopback-only, keyless RPC endpoint); the host listens on 127.0.0.1.
Keyless requests that come from a browser (``Origin``/``Sec-Fetch-*`` headers) are refused, so a
web page cannot drive the API through the user's browser.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..keys import HostKeys
from ..schedules import utcnow
from .events import EventType, RuntimeStatus, event, format_time, parse_time
from .store import Instance, NewInstance, TaskHubStore

PREFIX = "/runtime/webhooks/durabletask"
_BAD_ID = re.compile(r"[/\\#?\x00-\x1f\x7f]")


class DurableApi:
    def __init__(
        self, store: TaskHubStore, keys: HostKeys, base_url: str, wake: Callable[[], None], task_hub: str
    ) -> None:
        self.task_hub = task_hub
        self.store = store
        self.keys = keys
        self.base_url = base_url.rstrip("/")
        self.wake = wake

    # --- the durableClient binding ---------------------------------------------------------------
    def client_binding(self) -> str:
        base = f"{self.base_url}{PREFIX}/"
        code = self.keys.durable_system_key
        common = f"taskHub={self.task_hub}&connection=Storage&code={code}"
        instance = f"{base}instances/INSTANCEID"
        start = f"{base}orchestrators/{{functionName}}[/{{instanceId}}]"
        return json.dumps(
            {
                "taskHubName": self.task_hub,
                "creationUrls": {
                    "createNewInstancePostUri": f"{start}?code={code}",
                    "createAndWaitOnNewInstancePostUri": (
                        f"{start}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}&code={code}"
                    ),
                },
                "managementUrls": self._management_urls(instance, common, "INSTANCEID"),
                "baseUrl": f"{base}",
                "requiredQueryStringParameters": f"code={code}",
                "rpcBaseUrl": base,
                "httpBaseUrl": base,
                "maxGrpcMessageSizeInBytes": 0,
                "grpcHttpClientTimeout": "00:01:40",
            }
        )

    @staticmethod
    def _management_urls(instance: str, common: str, instance_id: str) -> dict[str, str]:
        return {
            "id": instance_id,
            "statusQueryGetUri": f"{instance}?{common}",
            "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{common}",
            "terminatePostUri": f"{instance}/terminate?reason={{text}}&{common}",
            "rewindPostUri": f"{instance}/rewind?reason={{text}}&{common}",
            "purgeHistoryDeleteUri": f"{instance}?{common}",
            "restartPostUri": f"{instance}/restart?{common}",
            "suspendPostUri": f"{instance}/suspend?reason={{text}}&{common}",
            "resumePostUri": f"{instance}/resume?reason={{text}}&{common}",
        }

    def management_payload(self, request: Request, instance_id: str) -> dict[str, str]:
        origin = f"{request.url.scheme}://{request.url.netloc}"
        common = f"taskHub={self.task_hub}&connection=Storage&code={self.keys.durable_system_key}"
        quoted = quote(instance_id, safe="")
        return self._management_urls(f"{origin}{PREFIX}/instances/{quoted}", common, instance_id)

    # --- routes ----------------------------------------------------------------------------
    def routes(self) -> list[Route]:
        guard = self._guarded
        return [
            Route(PREFIX + "/orchestrators/{name}", guard(self.start), methods=["POST"]),
            Route(PREFIX + "/orchestrators/{name}/{instance_id}", guard(self.start), methods=["POST"]),
            Route(PREFIX + "/instances", guard(self.query), methods=["GET"]),
            Route(PREFIX + "/instances/", guard(self.query), methods=["GET"]),
            Route(PREFIX + "/instances", guard(self.purge_many), methods=["DELETE"]),
            Route(PREFIX + "/instances/", guard(self.purge_many), methods=["DELETE"]),
            Route(PREFIX + "/instances/{instance_id}", guard(self.status), methods=["GET"]),
            Route(PREFIX + "/instances/{instance_id}", guard(self.purge_one), methods=["DELETE"]),
            Route(
                PREFIX + "/instances/{instance_id}/raiseEvent/{event_name}",
                guard(self.raise_event),
                methods=["POST"],
            ),
            Route(PREFIX + "/instances/{instance_id}/terminate", guard(self.terminate), methods=["POST"]),
            Route(PREFIX + "/instances/{instance_id}/{operation}", guard(self.unsupported), methods=["POST"]),
        ]

    def _guarded(
        self, handler: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            if not self._authorized(request):
                return Response(status_code=401)
            return await handler(request)

        return endpoint

    def _authorized(self, request: Request) -> bool:
        supplied = request.query_params.get("code") or request.headers.get("x-functions-key")
        if supplied:
            return self.keys.is_system_key(supplied)
        if "origin" in request.headers or "sec-fetch-mode" in request.headers:
            return False  # a browser (any web page can aim one at 127.0.0.1) is not the SDK
        host = request.client.host if request.client else ""
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    # --- handlers --------------------------------------------------------------------------
    async def start(self, request: Request) -> Response:
        name = request.path_params["name"]
        instance_id = request.path_params.get("instance_id") or uuid.uuid4().hex
        if len(instance_id) > 256 or _BAD_ID.search(instance_id):
            return _bad_request(f"Instance id {instance_id!r} is not valid.")
        try:
            input_json = _input_json(await request.body())
        except ValueError:
            return _bad_request("Only application/json request content is supported")
        now = format_time(utcnow())
        new = NewInstance(instance_id, name, input_json)
        created, existing = await asyncio.to_thread(self.store.create_instance, new, uuid.uuid4().hex, now)
        if not created and existing is not None:
            return _bad_request(
                f"An Orchestration instance with the status {existing.status} already exists."
            )
        self.wake()
        payload = self.management_payload(request, instance_id)
        return JSONResponse(payload, status_code=202, headers={"Location": payload["statusQueryGetUri"]})

    async def status(self, request: Request) -> Response:
        instance_id = request.path_params["instance_id"]
        found = await asyncio.to_thread(self.store.instance, instance_id)
        if found is None:
            return JSONResponse({"message": f"No instance with ID '{instance_id}' found."}, status_code=404)
        query = request.query_params
        body = _status_json(found, show_input=query.get("showInput", "true").lower() != "false")
        if query.get("showHistory", "").lower() == "true":
            history = await asyncio.to_thread(self.store.history, instance_id)
            body["historyEvents"] = [
                _readable(e, query.get("showHistoryOutput", "").lower() == "true") for e in history
            ]
        if found.status in (RuntimeStatus.PENDING, RuntimeStatus.RUNNING):
            return JSONResponse(
                body, status_code=202, headers={"Location": str(request.url), "Retry-After": "1"}
            )
        return JSONResponse(body, status_code=200)

    async def query(self, request: Request) -> Response:
        q = request.query_params
        try:
            filters = _instance_filters(q)
        except ValueError:
            return _bad_request("createdTimeFrom/createdTimeTo must be ISO 8601 times")
        top = int(q["top"]) if q.get("top", "").isdigit() else None
        found = await asyncio.to_thread(self.store.query, **filters, limit=top)
        show_input = q.get("showInput", "false").lower() == "true"
        return JSONResponse([_status_json(i, show_input=show_input) for i in found])

    async def raise_event(self, request: Request) -> Response:
        instance_id = request.path_params["instance_id"]
        try:
            body = _input_json(await request.body()) or "null"
        except ValueError:
            return _bad_request("Only application/json request content is supported")
        now = format_time(utcnow())
        raised = event(EventType.EVENT_RAISED, now, Name=request.path_params["event_name"], Input=body)
        found = await asyncio.to_thread(self.store.add_event, instance_id, raised, now)
        refused = _not_live(instance_id, found)
        if refused is not None:
            return refused
        self.wake()
        return Response(status_code=202)

    async def terminate(self, request: Request) -> Response:
        instance_id = request.path_params["instance_id"]
        reason = request.query_params.get("reason", "")
        found = await asyncio.to_thread(self.store.terminate, instance_id, reason, format_time(utcnow()))
        refused = _not_live(instance_id, found)
        if refused is not None:
            return refused
        return Response(status_code=202)

    async def purge_one(self, request: Request) -> Response:
        deleted = await asyncio.to_thread(self.store.purge, [request.path_params["instance_id"]])
        return _purged(deleted)

    async def purge_many(self, request: Request) -> Response:
        try:
            filters = _instance_filters(request.query_params)
        except ValueError:
            return _bad_request("createdTimeFrom/createdTimeTo must be ISO 8601 times")
        found = await asyncio.to_thread(self.store.query, **filters)
        return _purged(await asyncio.to_thread(self.store.purge, [i.instance_id for i in found]))

    async def unsupported(self, request: Request) -> Response:
        operation = request.path_params["operation"]
        return JSONResponse(
            {"message": f"'{operation}' is not supported by the local host."}, status_code=501
        )


def _input_json(raw: bytes) -> str | None:
    """The payload as JSON text. The Python client posts ``json=df_dumps(value)``, i.e. a JSON
    string holding the JSON; that wrapping is undone so the orchestration sees ``value``."""
    text = raw.decode("utf-8").strip()
    if not text:
        return None
    parsed = json.loads(text)
    if isinstance(parsed, str):
        try:
            json.loads(parsed)
        except ValueError:
            return text
        return parsed
    return text


def _time_filter(value: str | None) -> str | None:
    """Query times in the stored fixed-width form, so they compare correctly as text."""
    return format_time(parse_time(value)) if value else None


def _instance_filters(q: Mapping[str, str]) -> dict[str, Any]:
    """The instance filters shared by query and purge, as ``store.query`` keywords."""
    statuses = [s.strip() for s in q.get("runtimeStatus", "").split(",") if s.strip()]
    return {
        "created_from": _time_filter(q.get("createdTimeFrom")),
        "created_to": _time_filter(q.get("createdTimeTo")),
        "statuses": statuses or None,
        "prefix": q.get("instanceIdPrefix"),
    }


def _not_live(instance_id: str, found: Instance | None) -> Response | None:
    """404 for an unknown instance, 410 for a finished one; None when it still runs."""
    if found is None:
        return JSONResponse({"message": f"No instance with ID '{instance_id}' found."}, status_code=404)
    if found.is_final:
        return JSONResponse({"message": f"Instance {instance_id} is {found.status}."}, status_code=410)
    return None


def _purged(deleted: int) -> Response:
    if deleted == 0:
        return JSONResponse({"instancesDeleted": 0}, status_code=404)
    return JSONResponse({"instancesDeleted": deleted})


def _bad_request(message: str) -> Response:
    return JSONResponse({"Message": message, "ExceptionMessage": message}, status_code=400)


def _decode(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _status_json(instance: Instance, *, show_input: bool) -> dict[str, Any]:
    return {
        "name": instance.name,
        "instanceId": instance.instance_id,
        "runtimeStatus": instance.status,
        "input": _decode(instance.input) if show_input else None,
        "customStatus": _decode(instance.custom_status),
        "output": _decode(instance.output),
        "createdTime": instance.created_at,
        "lastUpdatedTime": instance.updated_at,
    }


def _readable(raw: dict[str, Any], with_output: bool) -> dict[str, Any]:
    # Azure's history JSON names event types in PascalCase ("TaskCompleted")
    name = EventType(raw["EventType"]).name.title().replace("_", "")
    out = {**raw, "EventType": name.replace("SubOrchestration", "SubOrchestrationInstance")}
    if not with_output:
        out.pop("Result", None)
    return out
