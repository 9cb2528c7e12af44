"""Request plumbing shared by every HTTP trigger: auth, limits, JSON errors, security headers.

A trigger function stays a few lines::

    @bp.route(route="transactions", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    def transactions(req: func.HttpRequest) -> func.HttpResponse:
        return handle(req, lambda principal: trends(req.params, principal), roles=READERS)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import azure.functions as func

from shared.auth.principal import Principal
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


def _finish(resp: func.HttpResponse) -> func.HttpResponse:
    for name, value in SECURITY_HEADERS.items():
        if name not in resp.headers:
            resp.headers[name] = value
    if "Cache-Control" not in resp.headers:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def _shape(result: Result) -> func.HttpResponse:
    return result if isinstance(result, func.HttpResponse) else json_response(result)


def _authorize(req: func.HttpRequest, roles: frozenset[str] | None) -> Principal | None:
    if roles is None:
        return None
    from shared.auth import authorize_request

    return authorize_request(req.headers, roles, client_ip=req.headers.get("x-forwarded-for"))


def _internal(exc: BaseException, req: func.HttpRequest) -> func.HttpResponse:
    log.exception("unhandled error", extra={"url": req.url, "error_type": type(exc).__name__})
    return error_response(ApiError(500, "internal_error", "The server failed to handle this request."))


def handle(
    req: func.HttpRequest,
    fn: Callable[[Principal | None], Result],
    *,
    roles: frozenset[str] | None,
) -> func.HttpResponse:
    """Authorise (``roles=None``: no token needed), run ``fn``, and turn errors into JSON."""
    try:
        return _finish(_shape(fn(_authorize(req, roles))))
    except ApiError as err:
        return _finish(error_response(err))
    except Exception as exc:  # noqa: BLE001 - the last line of defence answers JSON, never a stack trace
        return _finish(_internal(exc, req))


async def handle_async(
    req: func.HttpRequest,
    fn: Callable[[Principal | None], Awaitable[Result]],
    *,
    roles: frozenset[str] | None,
) -> func.HttpResponse:
    """:func:`handle` for triggers that await (those with a durable client binding)."""
    try:
        return _finish(_shape(await fn(_authorize(req, roles))))
    except ApiError as err:
        return _finish(error_response(err))
    except Exception as exc:  # noqa: BLE001
        return _finish(_internal(exc, req))
