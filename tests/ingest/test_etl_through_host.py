"""Accepted batches through the real host and orchestration: every line ends loaded, counted as a
duplicate, or quarantined with its row, field and reason — counts always add up. SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import insert, select

from shared.db.tables import fact_sales_line_history, mapping_profile
from tests.ingest.conftest import Scout, line, new_txn


def _adds_up(status: dict[str, Any]) -> dict[str, int]:
    c = status["counts"]
    assert c["received"] == c["loaded"] + c["updated"] + c["duplicate"] + c["rejected"], c
    return dict(c)


def _quarantine(scout: Scout, batch_id: str, vendor: str = "V1") -> list[dict[str, Any]]:
    resp = scout.http.get(f"/api/ingest/batches/{batch_id}/quarantine", headers=scout.headers(vendor))
    assert resp.status_code == 200, resp.text
    return [json.loads(x) for x in resp.text.splitlines() if x.strip()]


def _reasons(entries: list[dict[str, Any]]) -> dict[int, set[tuple[str | None, str]]]:
    """source row -> {(field, code)} over every error reported for it."""
    out: dict[int, set[tuple[str | None, str]]] = {}
    for entry in entries:
        errors = entry.get("errors") or [entry]
        for err in errors:
            out.setdefault(int(entry["row"]), set()).add((err.get("field"), err["code"]))
    return out


def test_a_clean_batch_succeeds_and_every_line_is_loaded_once(scout: Scout) -> None:
    txn = new_txn()
    status = scout.ingest([line(txn, 1), line(txn, 2, sku="SKU-2", quantity=1, unit_price=30)])
    assert status["status"] == "succeeded"
    assert _adds_up(status) == {"received": 2, "loaded": 2, "updated": 0, "duplicate": 0, "rejected": 0}
    facts = scout.facts(txn)
    assert [(f["line_number"], f["sku"], f["quantity"]) for f in facts] == [(1, "SKU-1", 2), (2, "SKU-2", 1)]
    assert facts[0]["net_amount"] == 31.0  # 2 x 15.50, no discount
    assert facts[0]["basket_lines"] == 2 and facts[0]["basket_size"] == 3
    assert status["started_at"] and status["finished_at"] and status["quarantine_url"] is None


def test_a_batch_without_customer_ids_loads(scout: Scout) -> None:
    """Most POS lines carry no loyalty id: a batch where none does is ordinary."""
    txn = new_txn()
    status = scout.ingest([line(txn, 1, customer_id=None), line(txn, 2, customer_id=None)])
    assert status["status"] == "succeeded", status
    assert [f["customer_key"] for f in scout.facts(txn)] == [None, None]


def test_bad_rows_are_quarantined_with_row_field_and_reason(scout: Scout) -> None:
    txn = new_txn()
    future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    lines = [
        line(txn, 1),  # row 1: fine
        line(txn, 2, quantity="two"),  # row 2: wrong type
        line(txn, 3, quantity=-1),  # row 3: negative quantity
        line(txn, 4, timestamp=future),  # row 4: in the future beyond the skew window
        line(txn, 5, timestamp="yesterday-ish"),  # row 5: unparsable timestamp
        line(txn, 6, discount=100),  # row 6: discount above quantity x price (31.00)
    ]
    status = scout.ingest(lines)
    assert status["status"] == "partially_succeeded"
    assert _adds_up(status) == {"received": 6, "loaded": 1, "updated": 0, "duplicate": 0, "rejected": 5}
    assert status["quarantine_url"] == f"/api/ingest/batches/{status['batch_id']}/quarantine"
    reasons = _reasons(_quarantine(scout, status["batch_id"]))
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert reasons[2] == {("quantity", "invalid_number")}
    assert ("quantity", "non_positive_quantity") in reasons[3]
    assert reasons[4] == {("timestamp", "future_timestamp")}
    assert reasons[5] == {("timestamp", "invalid_timestamp")}
    assert reasons[6] == {("discount", "discount_exceeds_amount")}
    assert [f["line_number"] for f in scout.facts(txn)] == [1]


def test_a_batch_with_every_line_rejected_ends_failed_not_lost(scout: Scout) -> None:
    status = scout.ingest([line(new_txn(), quantity=-5), line(new_txn(), unit_price="abc")])
    assert status["status"] == "failed"
    assert _adds_up(status)["rejected"] == 2
    assert status["error"]
    assert len(_quarantine(scout, status["batch_id"])) == 2


def test_duplicates_within_a_batch_and_across_batches_load_once(scout: Scout) -> None:
    txn = new_txn()
    first = scout.ingest([line(txn, 1), line(txn, 1), line(txn, 2)])
    assert _adds_up(first) == {"received": 3, "loaded": 2, "updated": 0, "duplicate": 1, "rejected": 0}
    again = scout.ingest([line(txn, 1), line(txn, 2), line(txn, 3)])  # a new request, no idempotency key
    assert _adds_up(again) == {"received": 3, "loaded": 1, "updated": 0, "duplicate": 2, "rejected": 0}
    assert [f["line_number"] for f in scout.facts(txn)] == [1, 2, 3]


def test_a_changed_line_is_updated_and_its_old_version_kept(scout: Scout) -> None:
    txn = new_txn()
    first = scout.ingest([line(txn, 1, quantity=2)])
    second = scout.ingest([line(txn, 1, quantity=5)])
    assert _adds_up(second) == {"received": 1, "loaded": 0, "updated": 1, "duplicate": 0, "rejected": 0}
    assert scout.facts(txn)[0]["quantity"] == 5
    with scout.engine.connect() as conn:
        history = (
            conn.execute(
                select(fact_sales_line_history).where(fact_sales_line_history.c.transaction_id == txn)
            )
            .mappings()
            .all()
        )
    assert [(h["quantity"], h["batch_id"], h["replaced_by_batch"]) for h in history] == [
        (2, first["batch_id"], second["batch_id"])
    ]


def _csv(lines: list[dict[str, Any]]) -> bytes:
    return pd.DataFrame(lines).to_csv(index=False).encode()


def test_every_file_format_loads_the_same_lines(scout: Scout) -> None:
    frames = {}
    for fmt in ("csv", "xlsx", "parquet", "xml", "ndjson"):
        txn = new_txn(fmt)
        lines = [line(txn, 1), line(txn, 2, sku="SKU-3")]
        frame = pd.DataFrame(lines)
        if fmt == "csv":
            resp = scout.post(_csv(lines), "text/csv", endpoint="files")
        elif fmt == "xlsx":
            buf = io.BytesIO()
            frame.to_excel(buf, index=False)
            resp = scout.http.post(
                "/api/ingest/files",
                files={"file": ("sales.xlsx", buf.getvalue(), "application/octet-stream")},
                headers=scout.headers("V1"),
            )
        elif fmt == "parquet":
            buf = io.BytesIO()
            frame.to_parquet(buf, index=False)
            resp = scout.post(buf.getvalue(), "application/vnd.apache.parquet", endpoint="files")
        elif fmt == "xml":
            cells = lambda d: "".join(f"<{k}>{v}</{k}>" for k, v in d.items())  # noqa: E731
            xml = "<transactions>" + "".join(f"<line>{cells(d)}</line>" for d in lines) + "</transactions>"
            resp = scout.post(xml, "application/xml", endpoint="files")
        else:
            resp = scout.post("\n".join(json.dumps(d) for d in lines), "application/x-ndjson")
        assert resp.status_code == 202, (fmt, resp.text)
        status = scout.wait_final(resp.json()["batch_id"])
        assert status["status"] == "succeeded", (fmt, status)
        assert status["source_format"] == fmt
        frames[fmt] = [(f["line_number"], f["sku"], f["net_amount"]) for f in scout.facts(txn)]
    assert all(rows == [(1, "SKU-1", 31.0), (2, "SKU-3", 31.0)] for rows in frames.values()), frames


def _add_profile(scout: Scout, name: str, definition: dict[str, Any]) -> None:
    with scout.engine.begin() as conn:
        conn.execute(
            insert(mapping_profile).values(
                name=name,
                vendor_id="V1",
                definition=json.dumps({"name": name, **definition}),
                updated_by="test",
                updated_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )


def test_a_mapping_profile_maps_vendor_columns_and_a_misfit_is_refused(scout: Scout) -> None:
    name = f"acme-{new_txn()}"
    _add_profile(
        scout,
        name,
        {
            "columns": {
                "RcptNo": "transaction_id",
                "Line": "line_number",
                "Branch": "store_id",
                "SaleDate": "timestamp",
                "Item": "sku",
                "Qty": "quantity",
                "PriceCents": "unit_price",
                "Tender": "payment_method",
            },
            "timestamp_format": "%d/%m/%Y %H:%M",
            "timezone": "Asia/Manila",
            "multipliers": {"unit_price": 0.01},
            "value_maps": {"payment_method": {"GC": "gcash"}},
        },
    )
    txn = new_txn("ACME")
    day = (datetime.now(UTC) - timedelta(days=1)).strftime("%d/%m/%Y")
    csv = (
        f"RcptNo,Line,Branch,SaleDate,Item,Qty,PriceCents,Tender,customer_id\n"
        f"{txn},1,S-101,{day} 10:00,SKU-2,3,2500,GC,LOYAL-7\n"
    )
    resp = scout.http.post(
        "/api/ingest/files",
        files={"file": ("acme.csv", csv.encode(), "text/csv")},
        data={"profile": name},
        headers=scout.headers("V1"),
    )
    assert resp.status_code == 202, resp.text
    assert scout.wait_final(resp.json()["batch_id"])["status"] == "succeeded"
    fact = scout.facts(txn)[0]
    assert (fact["quantity"], fact["unit_price"], fact["payment_method"]) == (3, 25.0, "gcash")

    misfit = "Receipt,Line,Branch\nX,1,S-101\n"
    resp = scout.post(misfit, "text/csv", endpoint="files", params={"profile": name})
    assert resp.status_code == 422, resp.text
    assert resp.json()["error"]["code"] == "mapping_mismatch"


def test_batches_are_listed_per_vendor_and_admin_sees_all(scout: Scout) -> None:
    mine = scout.ingest([line(new_txn())], vendor="V1")
    theirs = scout.ingest([line(new_txn(), store_id="S-901")], vendor="V2")
    listed = scout.http.get(
        "/api/ingest/batches", headers=scout.headers("V1"), params={"limit": "500"}
    ).json()
    ids = {b["batch_id"] for b in listed["batches"]}
    assert mine["batch_id"] in ids and theirs["batch_id"] not in ids
    assert {b["vendor_id"] for b in listed["batches"]} == {"V1"}
    every = scout.http.get(
        "/api/ingest/batches", headers=scout.headers("admin"), params={"limit": "500"}
    ).json()
    assert {mine["batch_id"], theirs["batch_id"]} <= {b["batch_id"] for b in every["batches"]}
    failed_only = scout.http.get(
        "/api/ingest/batches", headers=scout.headers("V1"), params={"status": "failed"}
    )
    assert all(b["status"] == "failed" for b in failed_only.json()["batches"])
    hidden = scout.http.get(f"/api/ingest/batches/{theirs['batch_id']}", headers=scout.headers("V1"))
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "batch_not_found"
    hidden = scout.http.get(
        f"/api/ingest/batches/{theirs['batch_id']}/quarantine", headers=scout.headers("V1")
    )
    assert hidden.status_code == 404
    bad = scout.http.get("/api/ingest/batches", headers=scout.headers("V1"), params={"status": "lost"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_status"
