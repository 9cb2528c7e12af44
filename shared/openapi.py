"""The OpenAPI 3.1 document served at ``/api/openapi.json``.

Analytics operations come from the route table that also parses their requests
(``shared/analytics/routes.py``); ingest, admin and health operations from the small table below;
every schema from the pydantic models the code uses (``model_json_schema``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from shared.analytics.models import ErrorResponse
from shared.analytics.routes import ENDPOINTS, Endpoint
from shared.schema import (
    BatchStatus,
    IngestAccepted,
    ProductIn,
    RowError,
    StoreIn,
    TransactionLine,
    VendorIn,
)

REF = "#/components/schemas/{model}"
BEARER: dict[str, list[str]] = {"bearer": []}
FUNCTION_KEY: list[dict[str, list[str]]] = [
    {"bearer": [], "functionKey": []},
    {"bearer": [], "functionKeyQuery": []},
]
ERROR_STATUSES = {
    "400": "Invalid request; `error.details` names the parameter or row",
    "401": "Missing or invalid bearer token",
    "403": "Token valid but not allowed (role, store or region scope)",
    "429": "Rate limited; see `Retry-After`",
    "500": "Unexpected failure (no internals disclosed)",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(*extra: str) -> dict[str, Any]:
    statuses = dict(ERROR_STATUSES)
    extra_descriptions = {
        "404": "Not found",
        "409": "Conflicting concurrent request",
        "413": "Body too large",
        "415": "Unsupported content type",
        "422": "Idempotency key reused with a different body",
        "503": "A dependency is down (the body says which)",
    }
    statuses.update({code: extra_descriptions[code] for code in extra})
    return {
        code: {"description": text, "content": _json(_ref(ErrorResponse))} for code, text in statuses.items()
    }


def _analytics_operation(endpoint: Endpoint) -> dict[str, Any]:
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
        "ETag": {"schema": {"type": "string"}, "description": "Validator of this answer."},
        "Cache-Control": {"schema": {"type": "string"}, "description": "`private, max-age=60`"},
    }
    return {
        "tags": ["analytics"],
        "operationId": f"get_{endpoint.route}",
        "summary": endpoint.summary,
        "security": [BEARER],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "The answer (JSON, or CSV with `format=csv`)",
                "headers": headers,
                "content": {
                    **_json(_ref(endpoint.model)),
                    "text/csv": {"schema": {"type": "string", "description": "RFC 4180, header row first"}},
                },
            },
            "304": {"description": "Not modified (If-None-Match matched)", "headers": headers},
            **_errors(),
        },
    }


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    tag: str
    secured: bool = True  # bearer token + function key
    body: dict[str, Any] | None = None
    status: str = "200"
    response: dict[str, Any] | None = None
    query: tuple[tuple[str, dict[str, Any]], ...] = ()
    errors: tuple[str, ...] = ()


_OBJECT: dict[str, Any] = {"type": "object"}
_ROWS = {"type": "array", "items": {"type": "object"}}
_LINES = {"type": "array", "items": _ref(TransactionLine), "minItems": 1}
_TEXT = {"type": "string"}


def _upload(model: type[BaseModel]) -> dict[str, Any]:
    return {**_json({"type": "array", "items": _ref(model)}), "text/csv": {"schema": _TEXT}}


OTHER_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/health",
        "get",
        "Health of SQL, blob store and durable store",
        "health",
        secured=False,
        response=_OBJECT,
        errors=("503",),
    ),
    Operation(
        "/ingest/transactions",
        "post",
        "Accept a batch of transaction lines (JSON array, NDJSON, CSV)",
        "ingest",
        body={**_json(_LINES), "application/x-ndjson": {"schema": _TEXT}, "text/csv": {"schema": _TEXT}},
        status="202",
        response=_ref(IngestAccepted),
        errors=("409", "413", "415", "422"),
    ),
    Operation(
        "/ingest/files",
        "post",
        "Accept a file (CSV, XLSX, Parquet, XML) with an optional mapping profile",
        "ingest",
        body={
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "contentMediaType": "application/octet-stream"},
                        "profile": {"type": "string"},
                    },
                }
            },
            "application/octet-stream": {
                "schema": {"type": "string", "contentMediaType": "application/octet-stream"}
            },
        },
        status="202",
        response=_ref(IngestAccepted),
        query=(("filename", _TEXT),),
        errors=("409", "413", "415", "422"),
    ),
    Operation(
        "/ingest/batches",
        "get",
        "Recent batches",
        "ingest",
        response={"type": "object", "properties": {"batches": {"type": "array", "items": _ref(BatchStatus)}}},
        query=(("status", _TEXT), ("limit", {"type": "integer", "minimum": 1, "maximum": 500})),
    ),
    Operation(
        "/ingest/batches/{batch_id}",
        "get",
        "A batch's status and counts",
        "ingest",
        response=_ref(BatchStatus),
        errors=("404",),
    ),
    Operation(
        "/ingest/batches/{batch_id}/quarantine",
        "get",
        "Rejected rows with reasons (JSON lines of RowError)",
        "ingest",
        response=None,
        errors=("404",),
    ),
    Operation("/manage/vendors", "get", "List vendors", "admin", response=_ROWS),
    Operation("/manage/vendors/{vendor_id}", "get", "One vendor", "admin", response=_OBJECT, errors=("404",)),
    Operation(
        "/manage/vendors/{vendor_id}",
        "put",
        "Create or update a vendor",
        "admin",
        body=_json(_ref(VendorIn)),
        response=_OBJECT,
    ),
    Operation("/manage/stores", "get", "List stores", "admin", response=_ROWS, query=(("vendor", _TEXT),)),
    Operation(
        "/manage/stores",
        "put",
        "Upsert stores (JSON array or CSV)",
        "admin",
        body=_upload(StoreIn),
        response=_OBJECT,
    ),
    Operation(
        "/manage/products",
        "put",
        "Upsert products (JSON array or CSV)",
        "admin",
        body=_upload(ProductIn),
        response=_OBJECT,
    ),
    Operation("/manage/callers", "get", "API callers and their vendors", "admin", response=_ROWS),
    Operation(
        "/manage/callers/{subject}",
        "put",
        "Map a caller to a vendor",
        "admin",
        body=_json(_OBJECT),
        response=_OBJECT,
    ),
    Operation("/manage/callers/{subject}", "delete", "Remove a caller mapping", "admin", response=_OBJECT),
    Operation("/manage/readers", "get", "Region scopes of dashboard readers", "admin", response=_ROWS),
    Operation(
        "/manage/readers/{subject}",
        "put",
        "Set a reader's regions",
        "admin",
        body=_json(_OBJECT),
        response=_OBJECT,
    ),
    Operation("/manage/mapping-profiles", "get", "Column-mapping profiles", "admin", response=_ROWS),
    Operation(
        "/manage/mapping-profiles/{name}",
        "get",
        "One mapping profile",
        "admin",
        response=_OBJECT,
        errors=("404",),
    ),
    Operation(
        "/manage/mapping-profiles/{name}",
        "put",
        "Create or replace a mapping profile",
        "admin",
        body=_json(_OBJECT),
        response=_OBJECT,
    ),
    Operation(
        "/manage/mapping-profiles/{name}",
        "delete",
        "Delete a mapping profile",
        "admin",
        response=_OBJECT,
        errors=("404",),
    ),
    Operation(
        "/manage/audit",
        "get",
        "Audit log",
        "admin",
        response=_ROWS,
        query=(("limit", {"type": "integer", "minimum": 1, "maximum": 1000}),),
    ),
)


def _other_operation(op: Operation) -> dict[str, Any]:
    parameters = [
        {
            "name": name.strip("{}"),
            "in": "path",
            "required": True,
            "schema": {"type": "string", "maxLength": 200},
        }
        for name in op.path.split("/")
        if name.startswith("{")
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": schema} for name, schema in op.query
    ]
    if op.path.startswith("/ingest/") and op.method == "post":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
        )
    content = _json(op.response) if op.response else {"application/x-ndjson": {"schema": _TEXT}}
    operation: dict[str, Any] = {
        "tags": [op.tag],
        "operationId": op.method + "_" + "_".join(part.strip("{}") for part in op.path.strip("/").split("/")),
        "summary": op.summary,
        "parameters": parameters,
        "responses": {op.status: {"description": "Success", "content": content}, **_errors(*op.errors)},
    }
    if op.secured:
        operation["security"] = FUNCTION_KEY
    if op.body:
        operation["requestBody"] = {"required": True, "content": op.body}
    return operation


SCHEMA_MODELS: tuple[type[BaseModel], ...] = (
    *(e.model for e in ENDPOINTS),
    ErrorResponse,
    IngestAccepted,
    BatchStatus,
    RowError,
)
INPUT_MODELS: tuple[type[BaseModel], ...] = (TransactionLine, VendorIn, StoreIn, ProductIn)


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    pairs = [(m, "serialization") for m in SCHEMA_MODELS] + [(m, "validation") for m in INPUT_MODELS]
    _keys, definitions = models_json_schema(pairs, ref_template=REF)  # type: ignore[arg-type]
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in ENDPOINTS:
        paths[f"/{endpoint.route}"] = {"get": _analytics_operation(endpoint)}
    for op in OTHER_OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _other_operation(op)
    paths["/openapi.json"] = {
        "get": {
            "tags": ["meta"],
            "operationId": "get_openapi",
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1", "content": _json(_OBJECT)}},
        }
    }
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
