"""Admin endpoints, called through the app's registered functions with real ``azure.functions``
requests and real dev-issuer tokens (SQLite). The same routes run on the local host in
``tests/security``."""

from __future__ import annotations

import json
from collections.abc import Callable

import azure.functions as func
import pytest
from sqlalchemy import func as sqlfunc
from sqlalchemy import select

from shared.auth import authorize_request
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ
from shared.db.engine import ensure_schema
from shared.db.tables import audit_log, dim_product, dim_store, dim_vendor, mapping_profile
from tests.support.app_functions import app_functions
from tests.support.tokens import auth_header, token_for


@pytest.fixture(scope="module")
def functions() -> dict[str, Callable[[func.HttpRequest], func.HttpResponse]]:
    return app_functions()


@pytest.fixture
def call(auth_env, functions):
    admin = auth_header(token_for(auth_env, ROLE_ADMIN, subject="admin-1"))

    def call(name: str, method: str, route: dict | None = None, body=None, headers=None, params=None):
        raw = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
        hdrs = {
            **admin,
            "Content-Type": "application/json",
            "X-Forwarded-For": "198.51.100.7",
            **(headers or {}),
        }
        req = func.HttpRequest(
            method,
            f"http://localhost/api/{name}",
            headers=hdrs,
            params=params or {},
            route_params=route or {},
            body=raw,
        )
        resp = functions[name](req)
        return resp.status_code, json.loads(resp.get_body() or b"null")

    return call


def _count(table) -> int:
    with ensure_schema().connect() as conn:
        return conn.execute(select(sqlfunc.count()).select_from(table)).scalar()


STORE = {"store_id": "ncr-001", "vendor_id": "VA", "name": "Pasig 1", "region": "NCR",
         "province": "Metro Manila",
         "city": "Pasig", "lat": 14.57, "lon": 121.08}  # fmt: skip


def test_only_admins(call, auth_env) -> None:
    reader = auth_header(token_for(auth_env, ROLE_READ))
    assert call("manage_vendors", "GET", headers=reader)[0] == 403
    assert call("manage_vendors", "GET", headers={"Authorization": ""})[0] == 401
    assert call("manage_vendors", "GET") == (200, {"vendors": []})


def test_vendor_put_get_and_audit(call) -> None:
    status, body = call("manage_vendor", "PUT", {"vendor_id": "VA"}, {"name": "Vendor A"})
    assert status == 200 and body["created"] is True and body["name"] == "Vendor A"
    assert call("manage_vendor", "PUT", {"vendor_id": "VA"}, {"name": "Vendor A2"})[1]["created"] is False
    assert call("manage_vendor", "GET", {"vendor_id": "VA"})[1]["name"] == "Vendor A2"
    assert call("manage_vendor", "GET", {"vendor_id": "nope"})[0] == 404
    _, audit = call("manage_audit", "GET")
    assert [e["action"] for e in audit["entries"]] == ["vendor.put", "vendor.put"]
    latest = audit["entries"][0]
    assert (latest["actor"], latest["client_ip"], latest["target"]) == ("admin-1", "198.51.100.7", "VA")
    assert latest["detail"] == {"name": "Vendor A2", "created": False}


@pytest.mark.parametrize(
    "body",
    [
        {"name": "X", "created_at": "2020-01-01"},  # mass assignment: not a field of the body
        {"name": "X", "vendor_id": "other"},
        {},
    ],
)
def test_vendor_body_extra_or_missing_fields_are_422_and_write_nothing(call, body) -> None:
    status, answer = call("manage_vendor", "PUT", {"vendor_id": "VA"}, body)
    assert status == 422 and answer["error"]["code"] == "validation_error"
    assert _count(dim_vendor) == 0 and _count(audit_log) == 0


def test_store_upsert_json_and_csv(call) -> None:
    call("manage_vendor", "PUT", {"vendor_id": "VA"}, {"name": "A"})
    call("manage_vendor", "PUT", {"vendor_id": "VB"}, {"name": "B"})
    assert call("manage_stores", "PUT", body=[STORE]) == (200, {"upserted": 1, "moved_between_vendors": []})
    csv_body = (
        b"store_id,vendor_id,name,region,province,city,lat,lon,timezone,opened_on\n"
        b"NCR-001,VB,Pasig 1,NCR,Metro Manila,Pasig,,,Asia/Manila,2024-02-01\n"
        b"CV-001,VB,Cebu 1,Central Visayas,Cebu,Cebu City,10.3,123.9,Asia/Manila,\n"
    )
    status, body = call("manage_stores", "PUT", body=csv_body, headers={"Content-Type": "text/csv"})
    assert (status, body) == (200, {"upserted": 2, "moved_between_vendors": ["NCR-001"]})
    stores = {s["store_id"]: s for s in call("manage_stores", "GET", params={"vendor": "VB"})[1]["stores"]}
    assert sorted(stores) == ["CV-001", "NCR-001"] and stores["NCR-001"]["opened_on"] == "2024-02-01"
    assert stores["NCR-001"]["lat"] is None


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        ([{**STORE, "vendor_id": "NOPE"}], "unknown_vendor"),
        ([{**STORE, "loaded_at": "x"}], "validation_error"),  # unknown field
        ([{**STORE, "lat": 123}], "validation_error"),
        ([{**STORE, "timezone": "Mars/Base"}], "validation_error"),
        ([STORE, STORE], "duplicate_store"),
        ([], "validation_error"),
    ],
)
def test_bad_store_rows_write_nothing(call, rows, code) -> None:
    call("manage_vendor", "PUT", {"vendor_id": "VA"}, {"name": "A"})
    status, body = call("manage_stores", "PUT", body=rows)
    assert status == 422 and body["error"]["code"] == code
    assert _count(dim_store) == 0 and _count(audit_log) == 1  # only the vendor.put


def test_row_errors_name_row_and_field(call) -> None:
    rows = [{"sku": "A", "product_name": "a", "brand": "b", "category": "c"}, {"sku": "B", "unit_cost": -1}]
    status, body = call("manage_products", "PUT", body=rows)
    assert status == 422
    fields = {(d["row"], d["field"]) for d in body["error"]["details"]}
    assert (2, "unit_cost") in fields and (2, "brand") in fields
    assert _count(dim_product) == 0


def test_products_upsert(call) -> None:
    rows = [{"sku": "SKU-1", "product_name": "Noodles", "brand": "Lucky Me!", "category": "Instant Food"}]
    assert call("manage_products", "PUT", body=rows) == (200, {"upserted": 1})
    rows[0]["unit_cost"] = 9.5
    assert call("manage_products", "PUT", body=rows) == (200, {"upserted": 1})
    with ensure_schema().connect() as conn:
        assert conn.execute(select(dim_product.c.unit_cost)).scalar() == 9.5


def test_caller_mapping_drives_authorization(call, auth_env) -> None:
    token = auth_header(token_for(auth_env, ROLE_INGEST, subject="pos-7"))
    with pytest.raises(Exception, match="not mapped"):
        authorize_request(token, frozenset({ROLE_INGEST}))
    assert call("manage_caller", "PUT", {"subject": "pos-7"}, {"vendor_id": "VA"})[1]["error"]["code"] == (
        "unknown_vendor"
    )
    call("manage_vendor", "PUT", {"vendor_id": "VA"}, {"name": "A"})
    status, _ = call(
        "manage_caller", "PUT", {"subject": "pos-7"}, {"vendor_id": "VA", "description": "till 7"}
    )
    assert status == 200
    assert authorize_request(token, frozenset({ROLE_INGEST})).vendor_id == "VA"
    assert call("manage_callers", "GET")[1]["callers"][0]["subject"] == "pos-7"
    assert call("manage_caller", "DELETE", {"subject": "pos-7"})[0] == 200
    assert call("manage_caller", "DELETE", {"subject": "pos-7"})[0] == 404
    status, body = call("manage_caller", "PUT", {"subject": "pos-8"}, {"vendor_id": "VA", "roles": ["Admin"]})
    assert status == 422


def test_reader_scope(call, auth_env) -> None:
    token = auth_header(token_for(auth_env, ROLE_READ, subject="mgr-1"))
    assert call(
        "manage_reader", "PUT", {"subject": "mgr-1"}, {"regions": ["NCR", "NCR", "Davao Region"]}
    ) == (
        200,
        {"subject": "mgr-1", "regions": ["Davao Region", "NCR"]},
    )
    assert authorize_request(token, frozenset({ROLE_READ})).regions == {"NCR", "Davao Region"}
    assert call("manage_readers", "GET")[1] == {
        "readers": [{"subject": "mgr-1", "regions": ["Davao Region", "NCR"]}]
    }
    call("manage_reader", "PUT", {"subject": "mgr-1"}, {"regions": []})
    assert authorize_request(token, frozenset({ROLE_READ})).regions is None


PROFILE = {"columns": {"RcptNo": "transaction_id", "Branch": "store_id"}, "multipliers": {"unit_price": 0.01}}


def test_mapping_profiles(call) -> None:
    status, body = call("manage_profile", "PUT", {"name": "acme-v2"}, PROFILE)
    assert status == 200 and body["profile"]["name"] == "acme-v2" and body["updated_by"] == "admin-1"
    assert call("manage_profile", "GET", {"name": "acme-v2"})[1]["profile"]["columns"] == PROFILE["columns"]
    assert [p["name"] for p in call("manage_profiles", "GET")[1]["profiles"]] == ["acme-v2"]
    for bad, code in [
        ({**PROFILE, "name": "other"}, "name_mismatch"),
        ({"columns": {"X": "not_a_field"}}, "validation_error"),
        ({**PROFILE, "owner": "me"}, "validation_error"),
        ({**PROFILE, "vendor_id": "NOPE"}, "unknown_vendor"),
    ]:
        status, body = call("manage_profile", "PUT", {"name": "bad"}, bad)
        assert (status, body["error"]["code"]) == (422, code)
    assert call("manage_profile", "DELETE", {"name": "acme-v2"})[0] == 200
    assert call("manage_profile", "GET", {"name": "acme-v2"})[0] == 404
    assert _count(mapping_profile) == 0
    actions = [e["action"] for e in call("manage_audit", "GET")[1]["entries"]]
    assert actions == ["mapping_profile.delete", "mapping_profile.put"]


def test_audit_paging_and_filters(call) -> None:
    for i in range(5):
        call("manage_vendor", "PUT", {"vendor_id": f"V{i}"}, {"name": str(i)})
    first = call("manage_audit", "GET", params={"limit": "2"})[1]
    assert [e["target"] for e in first["entries"]] == ["V4", "V3"]
    second = call("manage_audit", "GET", params={"limit": "2", "before": str(first["next_before"])})[1]
    assert [e["target"] for e in second["entries"]] == ["V2", "V1"]
    assert call("manage_audit", "GET", params={"action": "caller.put"})[1]["entries"] == []
    assert call("manage_audit", "GET", params={"limit": "0"})[0] == 400
