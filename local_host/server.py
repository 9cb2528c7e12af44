"""The host process: a Starlette app on uvicorn serving HTTP triggers under ``/api``, the durable
HTTP API, the admin API, the development issuer and ``static_web/``; plus timers and the durable
runtime, started and stopped with the server's lifespan."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

from shared.config import get_settings
from shared.inflight import RequestsInFlight
from shared.telemetry import get_logger

from .discovery import FunctionIndex, HttpRoute
from .durable.api import DurableApi
from .durable.runtime import DurableRuntime
from .durable.store import TaskHubStore
from .durable.worker_process import ActivityWorker
from .host_json import HostJson
from .http_mapping import to_http_request, to_response
from .invoke import Invoker
from .keys import HostKeys
from .settings import dev_auth_enabled, issuer_url
from .timers import TimerService

log = get_logger("local_host")
HEALTH_WAIT_SECONDS = 120.0
RUNNABLE_TRIGGERS = frozenset({"httpTrigger", "timerTrigger", "orchestrationTrigger", "activityTrigger"})
CORS_MAX_AGE_SECONDS = 600


@dataclass
class HostConfig:
    index: FunctionIndex
    keys: HostKeys
    data_dir: Path
    port: int
    host_json: HostJson = field(default_factory=HostJson)
    load_sample: bool = False
    shutdown_grace_seconds: float = 10.0
    app_spec: str = "function_app:app"  # what the activity worker process imports
    activity_process: bool = True  # False: activities run on the host's own threads

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def build_app(config: HostConfig) -> Starlette:
    index, keys = config.index, config.keys
    store = TaskHubStore(config.data_dir / "durable.db")
    work_arrived = threading.Event()
    durable_api = DurableApi(store, keys, config.base_url, work_arrived.set, config.host_json.task_hub)
    invoker = Invoker(durable_api.client_binding, index.app_dir)
    requests_in_flight = RequestsInFlight()
    max_activities = config.host_json.max_activities
    worker = (
        ActivityWorker(config.app_spec, durable_api.client_binding(), max_activities)
        if config.activity_process
        else None
    )
    runtime = DurableRuntime(store, index, invoker, max_activities, work_arrived, requests_in_flight, worker)
    timers = TimerService(index.of_type("timerTrigger"), invoker, store)

    async def http_trigger(request: Request) -> Response:
        path = request.path_params.get("path", "")
        if request.method == "OPTIONS" and "access-control-request-method" in request.headers:
            return _preflight(request, [r for r in index.routes if r.match(path) is not None])
        route, params, path_matched = index.route_for(request.method, path)
        if route is None:
            return Response(status_code=405 if path_matched else 404)
        if not _allowed(route.auth_level, request, keys):
            return Response(status_code=401)
        with requests_in_flight:
            req = await to_http_request(request, params)
            try:
                result = await invoker.call_async(
                    route.function, req, http_method=request.method, route=route.template
                )
            except Exception:  # noqa: BLE001 - logged by the invocation line; Azure answers an empty 500
                return Response(status_code=500)
            return to_response(result)

    async def host_status(_request: Request) -> Response:
        return JSONResponse({"state": "Running", "pid": os.getpid(), "functions": len(index.functions)})

    async def list_functions(request: Request) -> Response:
        if not keys.is_master(_supplied_key(request)):
            return Response(status_code=401)
        return JSONResponse(
            [
                {"name": f.name, "trigger": f.trigger_type, "bindings": f.bindings}
                for f in index.functions.values()
            ]
        )

    async def run_function(request: Request) -> Response:
        """Azure's admin API: run a non-HTTP function now (timers; the tests fire them this way)."""
        if not keys.is_master(_supplied_key(request)):
            return Response(status_code=401)
        info = index.functions.get(request.path_params["name"])
        if info is None:
            return Response(status_code=404)
        if info.trigger_type != "timerTrigger":
            return JSONResponse({"message": f"{info.trigger_type} functions cannot be run this way"}, 400)
        timers.run_now(info)
        return Response(status_code=202)

    async def openid_configuration(_request: Request) -> Response:
        from shared.auth import dev_issuer

        return JSONResponse(dev_issuer.openid_configuration(issuer_url(config.port)))

    async def issuer_keys(_request: Request) -> Response:
        from shared.auth import dev_issuer

        return JSONResponse(await asyncio.to_thread(dev_issuer.jwks))

    async def dashboard_token(_request: Request) -> Response:
        from shared.auth import dev_issuer

        token = await asyncio.to_thread(dev_issuer.mint_token, ["Dashboard.Read"], subject="dev-dashboard")
        return JSONResponse({"access_token": token}, headers={"Cache-Control": "no-store"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        invoker.loop = asyncio.get_running_loop()
        runtime.start()
        timers.start()
        log.info(
            "host started",
            extra={
                "base_url": config.base_url,
                "functions": sorted(index.functions),
                "data_dir": str(config.data_dir),
            },
        )
        unsupported = sorted(
            f.name for f in index.functions.values() if f.trigger_type not in RUNNABLE_TRIGGERS
        )
        if unsupported:
            log.warning(
                "these functions have triggers the local host never fires", extra={"functions": unsupported}
            )
        if config.load_sample:
            threading.Thread(target=_load_sample, args=(config,), name="load-sample", daemon=True).start()
        try:
            yield
        finally:
            await timers.stop()
            abandoned = await asyncio.to_thread(runtime.stop, config.shutdown_grace_seconds)
            store.close()
            invoker.close()
            log.info("host stopped", extra={"abandoned_workers": abandoned})

    prefix = f"/{config.host_json.route_prefix}" if config.host_json.route_prefix else ""
    routes: list[Route | Mount] = [
        Route("/admin/host/status", host_status, methods=["GET"]),
        Route("/admin/functions", list_functions, methods=["GET"]),
        Route("/admin/functions/{name}", run_function, methods=["POST"]),
        *durable_api.routes(),
        Route(f"{prefix}/{{path:anypath}}", http_trigger, methods=_METHODS),
        Route(prefix or "/", http_trigger, methods=_METHODS),
    ]
    if dev_auth_enabled():
        routes += [
            Route("/dev-issuer/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
            Route("/dev-issuer/keys", issuer_keys, methods=["GET"]),
            Route("/dev-issuer/dashboard-token", dashboard_token, methods=["GET"]),
        ]
    routes.append(Mount("/", app=StaticSite(index.app_dir / "static_web")))
    return Starlette(routes=routes, lifespan=lifespan)


class StaticSite:
    """``static_web/`` at ``/`` (index.html for directories); a plain 404 while the folder is missing.

    Responses carry the site's ``globalHeaders`` from ``staticwebapp.config.json``, as Static Web
    Apps sends them, less what only makes sense over HTTPS (HSTS, upgrade-insecure-requests).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.files = StaticFiles(directory=directory, html=True, check_dir=False)
        self.headers = _site_headers(directory / "staticwebapp.config.json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.directory.is_dir():
            await Response(status_code=404)(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.files(scope, receive, send_with_headers)


def _site_headers(config_file: Path) -> list[tuple[bytes, bytes]]:
    if not config_file.is_file():
        return []
    headers = json.loads(config_file.read_text()).get("globalHeaders", {})
    headers.pop("Strict-Transport-Security", None)
    if "Content-Security-Policy" in headers:
        directives = [d.strip() for d in headers["Content-Security-Policy"].split(";")]
        kept = [d for d in directives if d and d != "upgrade-insecure-requests"]
        headers["Content-Security-Policy"] = "; ".join(kept)
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class AnyPathConvertor(Convertor[str]):
    """Starlette's ``path`` stops at a newline (``.`` in its pattern); Azure routes ``%0A`` in a
    segment to the function like any other character."""

    regex = "(?s:.*)"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("anypath", AnyPathConvertor())


def _preflight(request: Request, routes: list[HttpRoute]) -> Response:
    """A CORS preflight, answered by the host as Azure's platform CORS answers it (the function never
    runs): the dashboard origin (``SCOUT_DASHBOARD_ORIGIN``) may use the route's methods."""
    if not routes:
        return Response(status_code=404)
    origin = request.headers.get("origin", "")
    if not origin or origin.rstrip("/") != get_settings().dashboard_origin.rstrip("/"):
        message = f"Origin {origin!r} may not call this API."
        return JSONResponse({"error": {"code": "cors_not_allowed", "message": message}}, 403)
    methods = sorted({m for r in routes for m in (r.methods or _METHODS)} - {"OPTIONS"})
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
        "Vary": "Origin",
    }
    asked = request.headers.get("access-control-request-headers")
    if asked:  # any header may be sent, as with Azure's platform CORS
        headers["Access-Control-Allow-Headers"] = asked
    return Response(status_code=204, headers=headers)


def _supplied_key(request: Request) -> str | None:
    return request.query_params.get("code") or request.headers.get("x-functions-key")


def _allowed(auth_level: str, request: Request, keys: HostKeys) -> bool:
    if auth_level == "ANONYMOUS":
        return True
    supplied = _supplied_key(request)
    if auth_level == "ADMIN":
        return keys.is_master(supplied)
    return keys.is_function_key(supplied)


def _load_sample(config: HostConfig) -> None:
    """``--load-sample``: once ``/api/health`` answers 200, load the sample through the real API."""
    if importlib.util.find_spec("local_host.sample") is None:
        log.warning("--load-sample: local_host/sample.py is not there yet; serving without sample data")
        return
    deadline = time.monotonic() + HEALTH_WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{config.base_url}/api/health", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    else:
        log.error("--load-sample: /api/health did not answer 200; sample not loaded")
        return
    sample = importlib.import_module("local_host.sample")
    try:
        sample.load_sample(config.base_url, config.keys.default_function_key, config.data_dir)
    except Exception:  # noqa: BLE001 - the host keeps serving without sample data
        log.exception("--load-sample failed")
