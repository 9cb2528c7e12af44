"""A running Scout (the real local host) with two vendors' stores and products, on SQLite and PostgreSQL.

``scout`` is module-scoped: one host per backend per test module; tests keep apart by using
their own transaction ids. Dimension rows are written straight into the host's database (test
set-up, not the path under test); everything under test goes through HTTP.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, insert, select

from shared.db.engine import ensure_schema
from shared.db.tables import dim_product, dim_store, dim_vendor, fact_sales_line, ingest_batch
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, token_for

FINAL = {"succeeded", "partially_succeeded", "failed"}
STORES = {"V1": ["S-101", "S-102", "S-103"], "V2": ["S-901"]}
PRODUCTS = [
    ("SKU-1", "Lucky Me Pancit Canton", "Lucky Me!", "Noodles", 9.5),
    ("SKU-2", "Kopiko Brown", "Kopiko", "Beverages", 6.0),
    ("SKU-3", "Safeguard Bar", "Safeguard", "Personal Care", None),
]
SMALL_LIMITS = {"SCOUT_MAX_BODY_BYTES": "300000", "SCOUT_MAX_ROWS_PER_BATCH": "1000"}


def seed_dimensions(engine: Engine) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(dim_store)).scalar():
            return
        conn.execute(
            insert(dim_vendor), [{"vendor_id": v, "name": f"Vendor {v}", "created_at": now} for v in STORES]
        )
        conn.execute(
            insert(dim_store),
            [
                {
                    "store_id": s,
                    "vendor_id": v,
                    "name": f"Store {s}",
                    "region": "NCR" if v == "V1" else "Central Visayas",
                    "province": "Metro Manila" if v == "V1" else "Cebu",
                    "city": "Quezon City" if v == "V1" else "Cebu City",
                    "lat": 14.65,
                    "lon": 121.03,
                    "timezone": "Asia/Manila",
                }
                for v, stores in STORES.items()
                for s in stores
            ],
        )
        conn.execute(
            insert(dim_product),
            [
                {"sku": sku, "product_name": name, "brand": brand, "category": cat, "unit_cost": cost}
                for sku, name, brand, cat, cost in PRODUCTS
            ],
        )


def line(txn: str, n: int = 1, **overrides: Any) -> dict[str, Any]:
    """One valid canonical line (a sale yesterday at 10:00 Manila time) with ``overrides``."""
    when = (datetime.now(UTC) - timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    base: dict[str, Any] = {
        "transaction_id": txn,
        "line_number": n,
        "store_id": "S-101",
        "timestamp": when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "sku": "SKU-1",
        "product_name": "Lucky Me Pancit Canton",
        "brand": "Lucky Me!",
        "category": "Noodles",
        "quantity": 2,
        "unit_price": 15.5,
        "discount": 0,
        "payment_method": "gcash",
        "customer_id": "LOYAL-0001",
        "currency": "PHP",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def new_txn(prefix: str = "T") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


class Scout:
    """The host plus what a test needs to talk to it as a vendor."""

    def __init__(self, host: LocalHost, sql_url: str) -> None:
        self.host = host
        self.sql_url = sql_url
        self.engine = ensure_schema(sql_url)
        seed_dimensions(self.engine)
        self.subjects = {v: f"caller-{v}-{uuid.uuid4().hex[:6]}" for v in STORES}
        self.tokens = {v: token_for(host, "Ingest.Write", vendor=v, subject=self.subjects[v]) for v in STORES}
        self.admin_token = token_for(host, "Admin")
        self.http = httpx.Client(base_url=host.base_url, timeout=60.0)

    def headers(self, vendor: str | None = "V1", *, key: bool = True, **extra: str) -> dict[str, str]:
        headers = dict(extra)
        if key:
            headers["x-functions-key"] = self.host.function_key
        if vendor == "admin":
            headers.update(auth_header(self.admin_token))
        elif vendor is not None:
            headers.update(auth_header(self.tokens[vendor]))
        return headers

    def post(
        self,
        body: bytes | str,
        content_type: str = "application/json",
        *,
        vendor: str = "V1",
        endpoint: str = "transactions",
        idempotency_key: str | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        headers = self.headers(vendor, **{"Content-Type": content_type})
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        content = body.encode() if isinstance(body, str) else body
        return self.http.post(f"/api/ingest/{endpoint}", content=content, headers=headers, params=params)

    def post_json(self, lines: list[dict[str, Any]], **kw: Any) -> httpx.Response:
        import json

        return self.post(json.dumps(lines), "application/json", **kw)

    def batch(self, batch_id: str, vendor: str = "V1") -> dict[str, Any]:
        resp = self.http.get(f"/api/ingest/batches/{batch_id}", headers=self.headers(vendor))
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def wait_final(self, batch_id: str, vendor: str = "V1", timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.batch(batch_id, vendor)
            if status["status"] in FINAL:
                return status
            time.sleep(0.1)
        raise AssertionError(
            f"batch {batch_id} not final after {timeout}s: {status}\n{self.host.log_tail(30)}"
        )

    def ingest(self, lines: list[dict[str, Any]], vendor: str = "V1", **kw: Any) -> dict[str, Any]:
        """POST, expect 202, wait until final; the final status."""
        resp = self.post_json(lines, vendor=vendor, **kw)
        assert resp.status_code == 202, resp.text
        return self.wait_final(resp.json()["batch_id"], vendor)

    def facts(self, txn: str) -> list[dict[str, Any]]:
        query = select(fact_sales_line).where(fact_sales_line.c.transaction_id == txn)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query.order_by(fact_sales_line.c.line_number)).mappings()]

    def batch_count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ingest_batch)).scalar_one())

    def raw_blobs(self) -> list[Path]:
        root = self.host.data_dir / "blobs" / "raw"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scout(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scout]:
    data_dir = tmp_path_factory.mktemp(f"scout-{request.param}")
    env = dict(SMALL_LIMITS)
    if request.param == "postgres":
        server = request.getfixturevalue("postgres_server")
        env["SCOUT_SQL_URL"] = server.create_database(template=server.template)
        sql_url = env["SCOUT_SQL_URL"]
    else:
        sql_url = f"sqlite:///{(data_dir / 'scout.db').resolve()}"
    host = LocalHost(data_dir, env=env)
    host.start()
    try:
        yield Scout(host, sql_url)
    finally:
        host.stop(timeout=10)
        print(f"--- host log tail ---\n{host.log_tail(15)}")
