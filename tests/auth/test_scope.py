"""Vendor store scope (BOLA) and reader region scope, against the real SQLite schema."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from shared.auth import Principal, audit, check_store_scope, region_filter
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.db.tables import audit_log, dim_store, dim_vendor
from shared.errors import ApiError


def _stores(rows: dict[str, str]) -> None:
    with ensure_schema().begin() as conn:
        for vendor in sorted(set(rows.values())):
            conn.execute(
                insert(dim_vendor).values(vendor_id=vendor, name=vendor, created_at=datetime(2026, 1, 1))
            )
        for store, vendor in rows.items():
            conn.execute(
                insert(dim_store).values(
                    store_id=store,
                    vendor_id=vendor,
                    name=store,
                    region="NCR",
                    province="Metro Manila",
                    city="Pasig",
                )
            )


def _caller(vendor: str | None, *roles: str, regions: frozenset[str] | None = None) -> Principal:
    return Principal(
        subject="s-1",
        tenant_id="t",
        roles=frozenset(roles or {ROLE_INGEST}),
        vendor_id=vendor,
        regions=regions,
    )


def test_own_stores_pass_and_foreign_stores_are_named(auth_env) -> None:
    _stores({"S001": "VA", "S002": "VA", "S101": "VB", "S102": "VB"})
    check_store_scope(_caller("VA"), ["S001", " s002 ", "S001"])  # normalised as the clean stage does
    with pytest.raises(ApiError) as caught:
        check_store_scope(_caller("VA"), ["S001", "S102", "S101"])
    err = caught.value
    assert (err.status, err.code) == (403, "store_not_allowed")
    assert [d["store_id"] for d in err.details] == ["S101", "S102"]
    assert "S101, S102" in err.message and "S001" not in err.message


def test_unknown_store_follows_the_unknown_store_policy(auth_env, monkeypatch) -> None:
    _stores({"S001": "VA", "S101": "VB"})
    with pytest.raises(ApiError) as caught:
        check_store_scope(_caller("VA"), ["S999"])
    assert caught.value.code == "store_not_allowed"
    monkeypatch.setenv("SCOUT_UNKNOWN_STORE_POLICY", "accept")
    get_settings.cache_clear()
    check_store_scope(_caller("VA"), ["S999"])
    with pytest.raises(ApiError):  # another vendor's store is refused whatever the policy
        check_store_scope(_caller("VA"), ["S999", "S101"])


def test_many_stores_are_checked_in_chunks(auth_env) -> None:
    _stores({f"S{i:04d}": "VA" for i in range(1200)})
    check_store_scope(_caller("VA"), [f"S{i:04d}" for i in range(1200)])
    with pytest.raises(ApiError) as caught:
        check_store_scope(_caller("VB"), [f"S{i:04d}" for i in range(1200)])
    assert len(caught.value.details) == 50 and caught.value.message.endswith("...")


def test_caller_without_vendor(auth_env) -> None:
    _stores({"S001": "VA"})
    with pytest.raises(ApiError) as caught:
        check_store_scope(_caller(None), ["S001"])
    assert caught.value.code == "vendor_not_mapped"
    check_store_scope(_caller(None, ROLE_ADMIN), ["S001", "S404"])


def _reader(regions: set[str] | None) -> Principal:
    return _caller(None, ROLE_READ, regions=None if regions is None else frozenset(regions))


@pytest.mark.parametrize(
    ("regions", "requested", "expected"),
    [
        (None, None, None),  # unrestricted reader, no filter: everything
        (None, ["NCR"], ["NCR"]),  # unrestricted reader keeps their filter
        ({"NCR", "Davao Region"}, None, ["Davao Region", "NCR"]),  # no filter: their regions
        ({"NCR", "Davao Region"}, [], ["Davao Region", "NCR"]),
        ({"NCR", "Davao Region"}, ["ncr"], ["NCR"]),  # narrower filter, canonical spelling
    ],
)
def test_region_filter(regions, requested, expected) -> None:
    assert region_filter(_reader(regions), requested) == expected


def test_reader_of_x_asking_for_y_is_refused() -> None:
    with pytest.raises(ApiError) as caught:
        region_filter(_reader({"NCR"}), ["NCR", "Central Visayas"])
    assert (caught.value.status, caught.value.code) == (403, "region_not_allowed")
    assert caught.value.details == [{"field": "region", "region": "Central Visayas"}]


def test_audit_writes_one_row(auth_env) -> None:
    actor = Principal(subject="admin-1", tenant_id="t", roles=frozenset({ROLE_ADMIN}), client_app="cli")
    audit(actor, "vendor.upsert", "VA", {"name": "Vendor A"}, client_ip="10.1.2.3")
    with ensure_schema().connect() as conn:
        row = conn.execute(select(audit_log)).mappings().one()
        assert conn.execute(select(func.count()).select_from(audit_log)).scalar() == 1
    assert (row["actor"], row["client_app"], row["client_ip"], row["action"], row["target"]) == (
        "admin-1",
        "cli",
        "10.1.2.3",
        "vendor.upsert",
        "VA",
    )
    assert row["detail"] == '{"name": "Vendor A"}'
