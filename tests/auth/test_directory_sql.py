"""Caller, reader and store lookups, scope checks and the audit trail on each SQL backend
(SQLite and a real PostgreSQL server started by the test session)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

from shared.auth import Principal, audit, authorize_request, check_store_scope, directory
from shared.auth.audit import recent
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.db.tables import dim_store
from shared.errors import ApiError
from tests.support.tokens import auth_header, token_for


@pytest.fixture
def backend(auth_env, sql_url, monkeypatch):
    monkeypatch.setenv("SCOUT_SQL_URL", sql_url)
    get_settings.cache_clear()
    return ensure_schema(sql_url)


def test_mappings_scope_and_audit(backend, auth_env) -> None:
    with backend.begin() as conn:
        assert directory.ensure_vendor(conn, "VA", "Vendor A") is True
        assert directory.ensure_vendor(conn, "VA") is False
        directory.ensure_vendor(conn, "VB")
        conn.execute(
            insert(dim_store),
            [
                {"store_id": s, "vendor_id": v, "name": s, "region": "NCR", "province": "P", "city": "C"}
                for s, v in [("S-1", "VA"), ("S-2", "VA"), ("S-9", "VB")]
            ],
        )
        directory.set_caller_vendor(conn, "pos-a", "VB")
        directory.set_caller_vendor(conn, "pos-a", "VA", description="moved")  # update, not a second row
        directory.set_reader_regions(conn, "mgr", ["NCR", "NCR", "Central Luzon"])
        directory.set_reader_regions(conn, "mgr", ["NCR"])
    with backend.connect() as conn:
        assert directory.grants_for(conn, "pos-a") == directory.Grants("VA", None)
        assert directory.grants_for(conn, "mgr") == directory.Grants(None, frozenset({"NCR"}))
        assert directory.store_vendors(conn, ["S-1", "S-9", "S-404"]) == {"S-1": "VA", "S-9": "VB"}

    ingest = authorize_request(
        auth_header(token_for(auth_env, ROLE_INGEST, subject="pos-a")), frozenset({ROLE_INGEST})
    )
    assert ingest.vendor_id == "VA"
    check_store_scope(ingest, ["S-1", "s-2"])
    with pytest.raises(ApiError) as caught:
        check_store_scope(ingest, ["S-1", "S-9"])
    assert [d["store_id"] for d in caught.value.details] == ["S-9"]
    reader = authorize_request(
        auth_header(token_for(auth_env, ROLE_READ, subject="mgr")), frozenset({ROLE_READ})
    )
    assert reader.regions == {"NCR"}

    admin = Principal(subject="adm", tenant_id="t", roles=frozenset({ROLE_ADMIN}), client_app="portal")
    audit(admin, "vendor.put", "VA", {"name": "Vendor A"}, client_ip="192.0.2.1")
    audit(admin, "caller.put", "pos-a", {"vendor_id": "VA"})
    with backend.connect() as conn:
        entries = recent(conn, limit=10)
        assert [e["action"] for e in entries] == ["caller.put", "vendor.put"]
        assert entries[1]["detail"] == {"name": "Vendor A"} and entries[1]["client_ip"] == "192.0.2.1"
        assert [e["target"] for e in recent(conn, action="vendor.put")] == ["VA"]
        assert recent(conn, before_id=entries[1]["audit_id"]) == []
        assert conn.execute(select(dim_store.c.store_id).order_by(dim_store.c.store_id)).scalars().all() == [
            "S-1",
            "S-2",
            "S-9",
        ]
