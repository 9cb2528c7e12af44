"""Starlette request -> ``func.HttpRequest``, and a function's return value -> Starlette response."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
from starlette.requests import Request
from starlette.responses import Response

_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml")


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Repeated headers/params become one comma-joined value, as the Functions host passes them."""
    out: dict[str, str] = {}
    for name, value in pairs:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


async def to_http_request(request: Request, route_params: dict[str, str]) -> func.HttpRequest:
    return func.HttpRequest(
        method=request.method,
        url=str(request.url),
        headers=_joined([(k.lower(), v) for k, v in request.headers.items()]),
        params=_joined(list(request.query_params.multi_items())),
        route_params=route_params,
        body=await request.body(),
    )


def to_response(result: Any) -> Response:
    if result is None:
        return Response(status_code=204)
    if isinstance(result, str | bytes):
        return Response(result, status_code=200, media_type="text/plain; charset=utf-8")
    if not isinstance(result, func.HttpResponse):
        return Response(json.dumps(result), status_code=200, media_type="application/json")
    headers = [
        (name.lower().encode("latin-1"), str(value).encode("latin-1"))
        for name, value in result.headers.items()
    ]
    if not any(name == b"content-type" for name, _ in headers) and result.mimetype:
        content_type = result.mimetype
        if result.mimetype.startswith(_TEXT_TYPES) and result.charset:
            content_type += f"; charset={result.charset}"
        headers.append((b"content-type", content_type.encode("latin-1")))
    response = Response(result.get_body() or b"", status_code=result.status_code)
    kept = [(n, v) for n, v in response.raw_headers if n == b"content-length"]
    response.raw_headers = kept + [(n, v) for n, v in headers if n != b"content-length"]
    return response
