"""Request plumbing shared by every HTTP trigger: auth, limits, CORS, JSON errors, security headers.

A trigger function stays a few lines::

    @bp.route(route="transactions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def transactions(req: func.HttpRequest) -> func.HttpResponse:
        return handle(req, lambda principal: trends(req.params, principal), roles=READERS)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any, overload

import azure.functions as func

from shared.auth.principal import Principal
from shared.config import get_settings
from shared.db import write_gate
from shared.errors import ApiError
from shared.telemetry import get_logger

log = get_logger("http")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Cross-Origin-Resource-Policy": "same-origin",
}

CORS_METHODS = ("GET", "POST", "PUT", "DELETE")
CORS_REQUEST_HEADERS = "Authorization, Content-Type, Idempotency-Key, If-None-Match"
CORS_EXPOSED_HEADERS = "ETag, Location, Retry-After, Idempotent-Replayed"
CORS_MAX_AGE_SECONDS = 600

Result = func.HttpResponse | dict[str, Any] | list[Any]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(body, default=str, separators=(",", ":")),
        status_code=status,
        mimetype="application/json",
        headers=headers or {},
    )


def error_response(err: ApiError) -> func.HttpResponse:
    return json_response(err.to_dict(), err.status, err.headers)


def client_ip(req: func.HttpRequest) -> str | None:
    """The caller's address as the front end reports it (first ``X-Forwarded-For`` entry), for audit."""
    first = (req.headers.get("x-forwarded-for") or "").split(",")[0].strip()
    return first or None


def _allowed_origin(req: func.HttpRequest) -> str | None:
    """The request's ``Origin`` when it is the dashboard's; no wildcard is ever answered."""
    origin = req.headers.get("origin")
    allowed = get_settings().dashboard_origin.rstrip("/")
    return origin if origin and allowed and origin.rstrip("/") == allowed else None


def preflight(req: func.HttpRequest) -> func.HttpResponse:
    """Answer a CORS preflight: 204 for the dashboard origin, 403 for any other."""
    origin = _allowed_origin(req)
    method = (req.headers.get("access-control-request-method") or "").upper()
    if origin is None or method not in CORS_METHODS:
        return error_response(ApiError(403, "cors_not_allowed", "Cross-origin request not allowed."))
    return func.HttpResponse(
        status_code=204,
        headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ", ".join(CORS_METHODS),
            "Access-Control-Allow-Headers": CORS_REQUEST_HEADERS,
            "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
        },
    )


def _finish(resp: func.HttpResponse, req: func.HttpRequest) -> func.HttpResponse:
    for name, value in SECURITY_HEADERS.items():
        if name not in resp.headers:
            resp.headers[name] = value
    if "Cache-Control" not in resp.headers:
        resp.headers["Cache-Control"] = "no-store"
    resp.headers["Vary"] = ", ".join(filter(None, (resp.headers.get("Vary"), "Origin")))
    origin = _allowed_origin(req)
    if origin is not None:
        resp.headers["Access-Control-Allow-Origin"] = origin
        resp.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
    return resp


def _shape(result: Result) -> func.HttpResponse:
    return result if isinstance(result, func.HttpResponse) else json_response(result)


def _authorize(req: func.HttpRequest, roles: frozenset[str] | None) -> Principal | None:
    if roles is None:
        return None
    from shared.auth import authorize_request

    return authorize_request(req.headers, roles, client_ip=client_ip(req))


def _internal(exc: BaseException, req: func.HttpRequest) -> func.HttpResponse:
    log.exception("unhandled error", extra={"url": req.url, "error_type": type(exc).__name__})
    return error_response(ApiError(500, "internal_error", "The server failed to handle this request."))


@overload
def handle(
    req: func.HttpRequest, fn: Callable[[Principal], Result], *, roles: frozenset[str]
) -> func.HttpResponse: ...
@overload
def handle(req: func.HttpRequest, fn: Callable[[None], Result], *, roles: None) -> func.HttpResponse: ...
def handle(
    req: func.HttpRequest,
    fn: Callable[[Any], Result],
    *,
    roles: frozenset[str] | None,
) -> func.HttpResponse:
    """Authorise, run ``fn``, and turn errors into JSON: with ``roles`` it gets the caller's
    :class:`Principal`; with ``roles=None`` no token is needed and it gets ``None``.

    A CORS preflight (``OPTIONS``) is answered here without running ``fn``.
    """
    if req.method.upper() == "OPTIONS":
        return _finish(preflight(req), req)
    try:
        with write_gate.serving_request():
            return _finish(_shape(fn(_authorize(req, roles))), req)
    except ApiError as err:
        return _finish(error_response(err), req)
    except Exception as exc:  # noqa: BLE001 - the last line of defence answers JSON, never a stack trace
        return _finish(_internal(exc, req), req)


@overload
async def handle_async(
    req: func.HttpRequest, fn: Callable[[Principal], Awaitable[Result]], *, roles: frozenset[str]
) -> func.HttpResponse: ...
@overload
async def handle_async(
    req: func.HttpRequest, fn: Callable[[None], Awaitable[Result]], *, roles: None
) -> func.HttpResponse: ...
async def handle_async(
    req: func.HttpRequest,
    fn: Callable[[Any], Awaitable[Result]],
    *,
    roles: frozenset[str] | None,
) -> func.HttpResponse:
    """:func:`handle` for triggers that await (those with a durable client binding).

    The token is checked on a worker thread: validating it may fetch the issuer's signing keys
    over HTTP, and on the local host that is this very server's event loop.
    """
    if req.method.upper() == "OPTIONS":
        return _finish(preflight(req), req)
    try:
        with write_gate.serving_request():
            principal = await asyncio.to_thread(_authorize, req, roles)
            return _finish(_shape(await fn(principal)), req)
    except ApiError as err:
        return _finish(error_response(err), req)
    except Exception as exc:  # noqa: BLE001
        return _finish(_internal(exc, req), req)
