"""The OpenAPI document against the code: its (path, method) set is exactly the HTTP functions
``function_app.app`` registers, and a bounded schemathesis run over every operation of the
document as the real local host serves it finds no 5xx and no answer that breaks its schema."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ
from shared.openapi import openapi_document
from tests.analytics import fact_rows
from tests.support.host import REPO_ROOT, LocalHost
from tests.support.polling import wait_for
from tests.support.tokens import auth_header, token_for

EXAMPLES_PER_OPERATION = 12
OPERATIONS = [(path, method) for path, item in openapi_document()["paths"].items() for method in item]

# ``app.get_functions()`` may run once per process (a second call finds duplicate names), and the
# test session already calls it elsewhere: read the registrations in a fresh interpreter.
_REGISTERED_ROUTES = """
import json, function_app
routes = []
for fn in function_app.app.get_functions():
    for binding in json.loads(fn.get_function_json())["bindings"]:
        if binding["type"] == "httpTrigger":
            routes.append([fn.get_function_name(), binding.get("route"), binding.get("methods")])
print(json.dumps(routes))
"""


def registered_http_operations() -> set[tuple[str, str]]:
    result = subprocess.run(  # noqa: S603 - our own interpreter, a fixed script
        [sys.executable, "-c", _REGISTERED_ROUTES],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = set()
    for name, route, methods in json.loads(result.stdout.splitlines()[-1]):
        assert methods, f"{name} accepts every method; the document cannot describe that"
        found |= {("/" + (route or name), method.lower()) for method in methods}
    return found


def test_document_and_registered_functions_name_the_same_operations() -> None:
    """Both directions. Nothing is excluded: the durable HTTP API (``/runtime/webhooks/...``), the
    host admin API and the development issuer are served by the host, not registered as functions."""
    documented = set(OPERATIONS)
    registered = registered_http_operations()
    assert registered - documented == set(), "registered but not in the document"
    assert documented - registered == set(), "in the document but not registered"
    assert len(documented) >= 30
    ids = [op["operationId"] for item in openapi_document()["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)), "operationId must be unique"


def test_every_json_answer_is_a_named_model() -> None:
    """No operation answers a generic object: each success body refers to a pydantic model."""
    doc = openapi_document()
    schemas = doc["components"]["schemas"]
    for path, method in OPERATIONS:
        if path == "/openapi.json":
            continue
        for status, response in doc["paths"][path][method]["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema is None:
                continue
            name = schema["$ref"].rsplit("/", 1)[-1]
            assert schemas[name]["type"] == "object" and schemas[name]["properties"], (path, method, status)
    vendor = doc["paths"]["/manage/vendors/{vendor_id}"]
    assert vendor["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/VendorDetail"
    )
    assert vendor["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/VendorBody"
    )
    health = doc["paths"]["/health"]["get"]["responses"]
    assert health["503"]["content"] == health["200"]["content"]  # a degraded answer is a health body


# --- schemathesis over the whole document on the real host -------------------------------
@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    stores, products = fact_rows.dimensions(6, 20, seed=5)
    lines = fact_rows.lines(stores, products, date(2025, 1, 1), 20, 6, seed=5)
    with fact_rows.serving(tmp_path_factory.mktemp("openapi-host"), stores, products, lines) as host:
        yield host


@pytest.fixture(scope="module")
def served_schema(host: LocalHost) -> schemathesis.BaseSchema:
    with host.client() as anonymous:
        doc = anonymous.get("/api/openapi.json").json()
    assert doc == json.loads(json.dumps(openapi_document()))
    return schemathesis.openapi.from_dict(doc)


@pytest.fixture(scope="module")
def headers(host: LocalHost) -> dict[str, str]:
    """Every role, mapped to the loaded stores' vendor, plus a function key."""
    token = token_for(host, [ROLE_INGEST, ROLE_READ, ROLE_ADMIN], vendor="vendor-a", subject="openapi-all")
    return {**auth_header(token), "x-functions-key": host.function_key}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(
    host: LocalHost, served_schema: schemathesis.BaseSchema, headers: dict[str, str], path: str, method: str
) -> None:
    """Positive cases generated from the served document, authenticated with ``headers`` (a
    generated ``code`` query key is dropped: the real key goes in the header)."""
    operation = served_schema[path][method.upper()]

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        if case.query:
            case.query.pop("code", None)
        case.call_and_validate(base_url=f"{host.base_url}/api", headers=headers, checks=CHECKS)

    check()


def test_the_all_roles_token_reaches_every_area(host: LocalHost, headers: dict[str, str]) -> None:
    """The run above is only as good as its credentials: each area answers 200 with them."""
    with host.client(headers=headers) as client:
        for path in ("/api/health", "/api/manage/vendors", "/api/ingest/batches", "/api/filters"):
            answer = client.get(path)
            assert answer.status_code == 200, (path, answer.text)
        assert "vendor-a" in {v["vendor_id"] for v in client.get("/api/manage/vendors").json()["vendors"]}
    with httpx.Client(base_url=host.base_url) as anonymous:
        without_key = {"Authorization": headers["Authorization"]}
        assert anonymous.get("/api/manage/vendors", headers=without_key).status_code == 401


def _call(
    schema: schemathesis.BaseSchema,
    host: LocalHost,
    headers: dict[str, str],
    method: str,
    path: str,
    **case: Any,
) -> httpx.Response:
    """One hand-made case, checked like the generated ones."""
    made = schema[path][method].Case(**case)
    return made.call_and_validate(base_url=f"{host.base_url}/api", headers=headers, checks=CHECKS)


def test_existing_resources_answer_their_documented_schemas(
    host: LocalHost, served_schema: schemathesis.BaseSchema, headers: dict[str, str]
) -> None:
    """Generated ids rarely name anything, so the one-resource answers (a vendor, a batch, its
    quarantine report, a profile) and the writes' success answers are checked here on real ones."""

    def call(method: str, path: str, status: int, **case: Any) -> schemathesis.Response:
        response = _call(served_schema, host, headers, method, path, **case)
        assert response.status_code == status, (method, path, response.text)
        return response

    good = {"transaction_id": "OA-1", "line_number": 1, "store_id": "S0000", "sku": "SKU-X", "quantity": 2,
            "unit_price": 10.5, "timestamp": "2025-01-05T10:00:00+08:00"}  # fmt: skip
    bad = {**good, "line_number": 2, "quantity": 0}  # refused by the validate stage: quarantined
    accepted = call(
        "POST", "/ingest/transactions", 202, body=[good, bad], media_type="application/json"
    ).json()
    batch = {"batch_id": accepted["batch_id"]}

    def final() -> bool:
        state = call("GET", "/ingest/batches/{batch_id}", 200, path_parameters=batch).json()["status"]
        return state in ("succeeded", "partially_succeeded", "failed")

    wait_for(final, timeout=60, interval=0.25, what="the batch reaching a final state")
    report = call("GET", "/ingest/batches/{batch_id}/quarantine", 200, path_parameters=batch)
    assert [json.loads(line)["row"] for line in report.text.splitlines()] == [2]
    call("GET", "/ingest/batches", 200, query={"status": "partially_succeeded", "limit": 5})

    call("GET", "/manage/vendors/{vendor_id}", 200, path_parameters={"vendor_id": "vendor-a"})
    store = {"store_id": "OA-1", "vendor_id": "vendor-a", "name": "Open 1", "region": "NCR",
             "province": "Metro Manila", "city": "Pasig", "opened_on": "2025-01-01"}  # fmt: skip
    call("PUT", "/manage/stores", 200, body=[store], media_type="application/json")
    product = b"sku,product_name,brand,category\r\nOA-SKU,Noodles,Lucky Me!,Instant Food\r\n"
    call("PUT", "/manage/products", 200, body=product, media_type="text/csv")
    profile = {
        "name": "oa-profile",
        "columns": {"Receipt": "transaction_id"},
        "multipliers": {"unit_price": 0.01},
    }
    named = {"name": "oa-profile"}
    call("PUT", "/manage/mapping-profiles/{name}", 200, path_parameters=named, body=profile)
    call("GET", "/manage/mapping-profiles/{name}", 200, path_parameters=named)
    call("DELETE", "/manage/mapping-profiles/{name}", 200, path_parameters=named)
    caller = {"subject": "oa-caller"}
    call("PUT", "/manage/callers/{subject}", 200, path_parameters=caller, body={"vendor_id": "vendor-a"})
    call("DELETE", "/manage/callers/{subject}", 200, path_parameters=caller)
    call(
        "PUT",
        "/manage/readers/{subject}",
        200,
        path_parameters={"subject": "oa-reader"},
        body={"regions": []},
    )
    entries = call("GET", "/manage/audit", 200, query={"limit": 3}).json()["entries"]
    assert entries[0]["action"] == "reader.put" and entries[0]["at"].endswith("Z")


def test_a_schema_the_answer_breaks_is_reported(host: LocalHost, headers: dict[str, str]) -> None:
    """The checks bite: a document whose health model requires a field the answer lacks fails."""
    doc = json.loads(json.dumps(openapi_document()))
    doc["components"]["schemas"]["HealthResponse"]["required"].append("uptime")
    broken = schemathesis.openapi.from_dict(doc)
    with pytest.raises(BaseExceptionGroup) as failures:
        _call(broken, host, headers, "GET", "/health")
    assert any("uptime" in str(failure) for failure in failures.value.exceptions)
