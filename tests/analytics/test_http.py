"""The analytics API over real HTTP on the local host (``python -m local_host``) with generated
data loaded: tokens, ETag/304, CSV exports, 400s naming the parameter, region scoping and the
OpenAPI document (schemathesis runs over the whole document in ``tests/test_openapi.py``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from shared.analytics.routes import ENDPOINTS
from tests.analytics import fact_rows
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, token_for

FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'
RANGE = {"from": "2025-01-01", "to": "2025-02-14"}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    stores, products = fact_rows.dimensions(8, 25, seed=11)
    stores.loc[0, "name"] = FORMULA_NAME
    stores.loc[1, "city"] = "-2+3"
    lines = fact_rows.lines(stores, products, date(2025, 1, 1), 45, 8, seed=11)
    with fact_rows.serving(tmp_path_factory.mktemp("analytics-host"), stores, products, lines) as host:
        yield host


@pytest.fixture(scope="module")
def client(host: LocalHost) -> Iterator[httpx.Client]:
    with host.client(headers=auth_header(token_for(host, "Dashboard.Read"))) as client:
        yield client


def test_a_token_is_required(host: LocalHost) -> None:
    with host.client() as anonymous:
        response = anonymous.get("/api/transactions", params=RANGE)
    assert response.status_code == 401
    assert response.json()["error"]["code"]


def test_etag_answers_304_until_the_question_changes(client: httpx.Client) -> None:
    first = client.get("/api/transactions", params=RANGE)
    assert first.status_code == 200 and first.json()["kpis"]["transactions"] > 0
    assert first.headers["cache-control"] == "private, max-age=60"
    etag = first.headers["etag"]
    again = client.get("/api/transactions", params=RANGE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    other = client.get(
        "/api/transactions", params={**RANGE, "grain": "week"}, headers={"If-None-Match": etag}
    )
    assert other.status_code == 200 and other.headers["etag"] != etag


def test_csv_export_is_rfc4180_and_formula_safe(client: httpx.Client) -> None:
    response = client.get("/api/stores", params={**RANGE, "format": "csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert b"\r\n" in response.content
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 8 and rows[0]["store_id"] == "S0000"
    assert rows[0]["name"] == "'" + FORMULA_NAME  # quotes and comma survive RFC 4180 quoting
    assert rows[1]["city"] == "'-2+3"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    series = client.get("/api/transactions", params={**RANGE, "format": "csv", "part": "series"})
    assert len(list(csv.reader(io.StringIO(series.text)))) == 1 + 45


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"from": "2025-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-02-01", "to": "2025-01-01"}, "from"),
        ({"from": "2020-01-01", "to": "2025-01-01"}, "from"),
        ({"grain": "hour"}, "grain"),
        ({"format": "xlsx"}, "format"),
        ({"colour": "red"}, "colour"),
        ({"region": ""}, "region"),
        ({"part": "kpis"}, "part"),
    ],
)
def test_invalid_parameters_are_400_naming_the_parameter(
    client: httpx.Client, params: dict[str, str], parameter: str
) -> None:
    response = client.get("/api/transactions", params=params)
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid_parameter"
    assert parameter in [d["parameter"] for d in body["details"]]


def test_products_top_is_bounded(client: httpx.Client) -> None:
    assert client.get("/api/products", params={**RANGE, "top": "0"}).status_code == 400
    assert client.get("/api/products", params={**RANGE, "top": "1e3"}).status_code == 400
    assert len(client.get("/api/products", params={**RANGE, "top": "3"}).json()["top_skus"]) == 3


def test_a_region_scoped_reader_sees_only_their_region(host: LocalHost, client: httpx.Client) -> None:
    region = client.get("/api/filters").json()["regions"][0]
    token = token_for(host, "Dashboard.Read", regions=[region])
    with host.client(headers=auth_header(token)) as scoped:
        geo = scoped.get("/api/geographic", params=RANGE).json()
        assert {a["region"] for a in geo["regions"]} == {region}
        assert {s["region"] for s in scoped.get("/api/filters").json()["stores"]} == {region}
        other = next(r for r in client.get("/api/filters").json()["regions"] if r != region)
        refused = scoped.get("/api/transactions", params={**RANGE, "region": other})
        assert refused.status_code == 403


def test_repeated_filters_are_all_applied(client: httpx.Client) -> None:
    both = client.get(
        "/api/geographic", params=[*RANGE.items(), ("store", "S0001"), ("store", "S0002")]
    ).json()
    assert sorted(s["store_id"] for s in both["stores"]) == ["S0001", "S0002"]


def test_openapi_document_describes_every_route(host: LocalHost) -> None:
    with host.client() as anonymous:
        doc = anonymous.get("/api/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for endpoint in ENDPOINTS:
        assert f"/{endpoint.route}" in doc["paths"]
    assert doc["paths"]["/ingest/transactions"]["post"]["responses"]["202"]
    assert {"bearer", "functionKey"} <= set(doc["components"]["securitySchemes"])
    assert "TransactionLine" in doc["components"]["schemas"]
