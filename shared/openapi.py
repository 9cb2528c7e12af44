"""The OpenAPI 3.1 document served at ``/api/openapi.json``.

Each operation is declared next to the code that serves it, with the pydantic models it speaks:
analytics by the route table that also parses their requests (``shared/analytics/routes.py``),
admin by ``shared.admin.OPERATIONS`` (each answer is the return type of the function that
serves it), health by ``shared.health.OPERATIONS``, ingest by ``shared.ingest.OPERATIONS``.
``tests/test_openapi.py`` holds
the document's (path, method) set equal to the HTTP functions the app registers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaValue, models_json_schema

from shared import admin, health, ingest
from shared.analytics.models import ErrorResponse
from shared.analytics.routes import ENDPOINTS, Endpoint
from shared.schema import (
    ApiOperation,
    RequestParam,
    RowError,
)

REF = "#/components/schemas/{model}"
Mode = Literal["validation", "serialization"]
Refs = dict[tuple[Any, Mode], JsonSchemaValue]  # (model, mode) -> its $ref

ERROR_DESCRIPTIONS = {
    400: "Invalid request; `error.details` names the parameter or row",
    401: "Missing or invalid bearer token",
    403: "Token valid but not allowed (role, store or region scope)",
    404: "Not found",
    409: "Conflicts with a request or batch still in progress",
    413: "Body or batch too large",
    415: "Unsupported content type",
    422: "The body is not valid (or an Idempotency-Key was reused with another body)",
    429: "Rate limited; see `Retry-After`",
    500: "Unexpected failure (no internals disclosed)",
    503: "A dependency is down (the body says which)",
}
TOKEN_ERRORS = (401, 403, 429)
_TEXT: dict[str, Any] = {"type": "string"}


def operations() -> tuple[ApiOperation, ...]:
    """Every non-analytics operation the app serves."""
    return (*health.OPERATIONS, *ingest.OPERATIONS, *admin.OPERATIONS)


# --- building the document ---------------------------------------------------------------
def _json(schema: JsonSchemaValue) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(statuses: Iterable[int], refs: Refs) -> dict[str, Any]:
    error = _json(refs[(ErrorResponse, "serialization")])
    return {
        str(code): {"description": ERROR_DESCRIPTIONS[code], "content": error} for code in sorted(statuses)
    }


def _security(bearer: bool, function_key: bool) -> list[dict[str, list[str]]]:
    if bearer and function_key:
        return [{"bearer": [], "functionKey": []}, {"bearer": [], "functionKeyQuery": []}]
    return [{"bearer": []}] if bearer else []


def _analytics_operation(endpoint: Endpoint, refs: Refs) -> dict[str, Any]:
    parameters = []
    for param in endpoint.params:
        entry: dict[str, Any] = {
            "name": param.name,
            "in": "query",
            "required": False,
            "description": param.description,
            "schema": param.schema(),
        }
        if param.repeatable:
            entry.update(style="form", explode=True)
        parameters.append(entry)
    parameters.append(
        {
            "name": "If-None-Match",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "An ETag from an earlier answer: 304 when unchanged.",
        }
    )
    headers = {
        "ETag": {"schema": _TEXT, "description": "Validator of this answer."},
        "Cache-Control": {"schema": _TEXT, "description": "`private, max-age=60`"},
    }
    return {
        "tags": ["analytics"],
        "operationId": f"get_{endpoint.route}",
        "summary": endpoint.summary,
        "security": _security(bearer=True, function_key=False),
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "The answer (JSON, or CSV with `format=csv`)",
                "headers": headers,
                "content": {
                    **_json(refs[(endpoint.model, "serialization")]),
                    "text/csv": {"schema": {"type": "string", "description": "RFC 4180, header row first"}},
                },
            },
            "304": {"description": "Not modified (If-None-Match matched)", "headers": headers},
            **_errors((400, *TOKEN_ERRORS, 500), refs),
        },
    }


def _parameter(location: str, param: RequestParam, required: bool = False) -> dict[str, Any]:
    entry = {"name": param.name, "in": location, "required": required, "schema": dict(param.schema)}
    return {**entry, "description": param.description} if param.description else entry


def _path_parameters(op: ApiOperation) -> list[dict[str, Any]]:
    declared = {param.name: param for param in op.path}
    names = [part.strip("{}") for part in op.route.split("/") if part.startswith("{")]
    if set(declared) - set(names):
        raise ValueError(
            f"{op.method} {op.route} has no path parameters {sorted(set(declared) - set(names))}"
        )
    default = {"type": "string", "minLength": 1, "maxLength": 200}
    params = [declared.get(name, RequestParam(name, default)) for name in names]
    return [_parameter("path", param, required=True) for param in params]


def _request_body(op: ApiOperation, refs: Refs) -> dict[str, Any] | None:
    content: dict[str, Any] = {}
    if op.body is not None:
        content.update(_json(refs[(op.body, "validation")]))
    if op.rows is not None:
        rows = {"type": "array", "items": refs[(op.rows, "validation")], "minItems": 1}
        content.update({**_json(rows), "text/csv": {"schema": {**_TEXT, "description": "Header row first."}}})
    content.update(op.body_content or {})
    return {"required": True, "content": content} if content else None


def _operation(op: ApiOperation, refs: Refs) -> dict[str, Any]:
    parameters = _path_parameters(op)
    parameters += [_parameter("query", p) for p in op.query]
    parameters += [_parameter("header", p) for p in op.headers]
    if op.response is None:
        success = {op.response_media: {"schema": _TEXT}}
    else:
        success = {op.response_media: {"schema": refs[(op.response, "serialization")]}}
    responses = {str(op.status): {"description": "Success", "content": success}}
    for code in op.same_body_statuses:
        responses[str(code)] = {"description": ERROR_DESCRIPTIONS[code], "content": success}
    errors = set(op.errors) | {500}
    if op.bearer:
        errors |= set(TOKEN_ERRORS)
    if parameters or op.body or op.rows or op.body_content:
        errors.add(400)
    operation: dict[str, Any] = {
        "tags": [op.tag],
        "operationId": "_".join([op.method.lower(), *re.findall(r"[A-Za-z0-9]+", op.route)]),
        "summary": op.summary,
        "security": _security(op.bearer, op.function_key),
        "parameters": parameters,
        "responses": {**responses, **_errors(errors - set(op.same_body_statuses), refs)},
    }
    body = _request_body(op, refs)
    if body is not None:
        operation["requestBody"] = body
    return operation


def _schema_pairs(ops: Iterable[ApiOperation]) -> list[tuple[type[BaseModel], Mode]]:
    pairs: list[tuple[type[BaseModel], Mode]] = [(e.model, "serialization") for e in ENDPOINTS]
    pairs += [(ErrorResponse, "serialization"), (RowError, "serialization")]
    for op in ops:
        pairs += [(op.response, "serialization")] if op.response else []
        pairs += [(model, "validation") for model in (op.body, op.rows) if model is not None]
    return list(dict.fromkeys(pairs))


OPENAPI_OPERATION: dict[str, Any] = {
    "tags": ["meta"],
    "operationId": "get_openapi",
    "summary": "This document",
    "security": [],
    "responses": {"200": {"description": "OpenAPI 3.1", "content": _json({"type": "object"})}},
}


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    ops = operations()
    refs, definitions = models_json_schema(_schema_pairs(ops), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths[f"/{endpoint.route}"] = {"get": _analytics_operation(endpoint, refs)}
    for op in ops:
        paths.setdefault(f"/{op.route}", {})[op.method.lower()] = _operation(op, refs)
    paths["/openapi.json"] = {"get": OPENAPI_OPERATION}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Scout API",
            "version": "1.0.0",
            "description": "Retail intelligence for store chains: ingest POS transactions, read analytics.",
        },
        "servers": [{"url": "/api"}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "Entra ID access token (roles Dashboard.Read, Ingest.Write, Admin)",
                },
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
            },
        },
    }
