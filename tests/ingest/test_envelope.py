"""Requests refused before anything is written: each with its status and stable code.

Every test here checks that a refused request left no batch row and no raw blob behind.
Runs against the real local host, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json

import pytest

from tests.ingest.conftest import Scout, line, new_txn


@pytest.fixture
def nothing_written(scout: Scout):
    """Asserts, after the test, that no batch row and no raw blob appeared."""
    batches, blobs = scout.batch_count(), scout.raw_blobs()
    yield
    assert scout.batch_count() == batches, "a refused request wrote a batch row"
    assert scout.raw_blobs() == blobs, "a refused request wrote a raw blob"


def _error(resp, status: int, code: str) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()["error"]
    assert body["code"] == code, body
    assert body["message"]
    return body


@pytest.mark.usefixtures("nothing_written")
class TestRefusedBeforeAnyWrite:
    def test_malformed_json(self, scout: Scout) -> None:
        _error(scout.post('[{"transaction_id": "T1", '), 400, "malformed_json")

    def test_malformed_ndjson_names_the_line(self, scout: Scout) -> None:
        good = json.dumps(line(new_txn()))
        body = _error(scout.post(f"{good}\n{{not json}}\n", "application/x-ndjson"), 400, "malformed_ndjson")
        assert body["details"][0]["row"] == 2

    def test_malformed_csv_names_the_row(self, scout: Scout) -> None:
        csv = "transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price\nT1,1,S-101\n"
        body = _error(scout.post(csv, "text/csv"), 400, "malformed_csv")
        assert body["details"][0]["code"] == "wrong_field_count"

    def test_missing_columns_are_named(self, scout: Scout) -> None:
        lines = [{k: v for k, v in line(new_txn()).items() if k not in ("sku", "unit_price")}]
        body = _error(scout.post_json(lines), 422, "missing_columns")
        assert {d["field"] for d in body["details"]} == {"sku", "unit_price"}

    def test_empty_body(self, scout: Scout) -> None:
        _error(scout.post(b""), 400, "empty_body")
        _error(scout.post(b"  \n"), 400, "empty_body")

    def test_empty_array(self, scout: Scout) -> None:
        _error(scout.post(b"[]"), 400, "empty_batch")

    def test_huge_body(self, scout: Scout) -> None:
        filler = [line(new_txn(), product_name="x" * 150) for _ in range(1200)]
        payload = json.dumps(filler)
        assert len(payload) > 300_000  # SMALL_LIMITS
        _error(scout.post(payload), 413, "payload_too_large")

    def test_too_many_rows(self, scout: Scout) -> None:
        csv_lines = ["transaction_id,line_number,store_id,timestamp,sku,quantity,unit_price"]
        csv_lines += [f"TM-{i},1,S-101,2026-01-01T10:00:00+08:00,SKU-1,1,1" for i in range(1001)]
        body = _error(scout.post("\n".join(csv_lines), "text/csv"), 413, "too_many_rows")
        assert "1001" in body["message"]

    def test_unsupported_content_type(self, scout: Scout) -> None:
        _error(scout.post(b"<x/>", "application/xml"), 415, "unsupported_media_type")
        _error(scout.post(b"hello", "text/plain"), 415, "unsupported_media_type")
        _error(scout.post(b"hello", "image/png", endpoint="files"), 415, "unsupported_media_type")

    def test_unknown_store_is_refused_and_named(self, scout: Scout) -> None:
        lines = [line(new_txn()), line(new_txn(), store_id="S-404")]
        body = _error(scout.post_json(lines), 403, "store_not_allowed")
        assert "S-404" in body["message"]
        assert [d["store_id"] for d in body["details"]] == ["S-404"]

    def test_another_vendors_store_refuses_the_whole_batch(self, scout: Scout) -> None:
        txn = new_txn()
        lines = [line(txn, 1), line(txn, 2, store_id="S-901")]  # S-901 belongs to V2
        body = _error(scout.post_json(lines), 403, "store_not_allowed")
        assert "S-901" in body["message"] and "S-101" not in body["message"]
        assert scout.facts(txn) == []

    def test_unknown_mapping_profile(self, scout: Scout) -> None:
        _error(
            scout.post("a,b\n1,2\n", "text/csv", endpoint="files", params={"profile": "nope"}),
            422,
            "unknown_mapping_profile",
        )


@pytest.mark.usefixtures("nothing_written")
class TestAuth:
    def test_no_function_key(self, scout: Scout) -> None:
        resp = scout.http.post(
            "/api/ingest/transactions",
            content=json.dumps([line(new_txn())]),
            headers=scout.headers("V1", key=False, **{"Content-Type": "application/json"}),
        )
        assert resp.status_code == 401

    def test_no_token(self, scout: Scout) -> None:
        resp = scout.http.post(
            "/api/ingest/transactions",
            content=json.dumps([line(new_txn())]),
            headers=scout.headers(None, **{"Content-Type": "application/json"}),
        )
        assert resp.status_code == 401

    def test_reader_role_cannot_ingest(self, scout: Scout) -> None:
        from tests.support.tokens import auth_header, token_for

        reader = token_for(scout.host, "Dashboard.Read")
        resp = scout.http.post(
            "/api/ingest/transactions",
            content=json.dumps([line(new_txn())]),
            headers={"x-functions-key": scout.host.function_key, "Content-Type": "application/json"}
            | auth_header(reader),
        )
        assert resp.status_code == 403
