"""Administration: vendors, stores, products, caller -> vendor, reader -> regions, mapping
profiles, and the audit trail. Every change is audited in the same transaction as the change.

Request bodies are validated by pydantic models that refuse unknown fields, so a body cannot
set anything the endpoint does not name (mass assignment answers 422).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy import Engine, delete, func, select

from shared.auth import directory
from shared.auth.audit import recent as recent_audit
from shared.auth.audit import record as audit_record
from shared.auth.principal import Principal
from shared.config import get_settings
from shared.db.tables import (
    api_caller,
    dim_product,
    dim_store,
    dim_vendor,
    mapping_profile,
    reader_scope,
    utcnow,
)
from shared.db.upsert import upsert
from shared.errors import ApiError, not_found
from shared.etl.mapping import MappingProfile
from shared.schema import ProductIn, StoreIn

_NAMED_MAX = 50
M = TypeVar("M", bound=BaseModel)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class VendorBody(_Body):
    name: str = Field(min_length=1, max_length=200)


class CallerBody(_Body):
    vendor_id: str | None = Field(description="Vendor this caller writes for; null removes the mapping.")
    tenant_id: str | None = Field(default=None, max_length=64)
    description: str | None = Field(default=None, max_length=200)


class ReaderBody(_Body):
    regions: list[str] = Field(
        max_length=100, description="Regions this reader may see; an empty list means every region."
    )


def _check_id(kind: str, value: str, max_length: int) -> str:
    value = value.strip()
    if not value or len(value) > max_length or not value.isprintable():
        raise ApiError(400, f"invalid_{kind}", f"Invalid {kind}: {value!r}.")
    return value


def validation_error(exc: ValidationError, row_offset: int | None = None) -> ApiError:
    details = []
    for error in exc.errors()[:_NAMED_MAX]:
        loc = list(error["loc"])
        detail: dict[str, Any] = {"code": error["type"], "message": error["msg"]}
        first = loc[0] if loc else None
        if row_offset is not None and isinstance(first, int):
            detail["row"] = first + row_offset
            loc = loc[1:]
        detail["field"] = ".".join(str(p) for p in loc) or None
        details.append(detail)
    return ApiError(422, "validation_error", "The request body is not valid.", details=details)


def parse_body(model: type[M], body: bytes) -> M:
    try:
        return model.model_validate_json(body or b"{}")
    except ValidationError as exc:
        raise validation_error(exc) from exc


def parse_rows(model: type[M], body: bytes, content_type: str) -> list[M]:
    """A JSON array or a CSV document (header row) of ``model`` rows; 413 beyond the row limit."""
    settings = get_settings()
    if len(body) > settings.max_body_bytes:
        raise ApiError(413, "body_too_large", f"The body exceeds {settings.max_body_bytes} bytes.")
    kind = content_type.split(";")[0].strip().lower()
    try:
        if kind in ("text/csv", "application/csv"):
            reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
            raw: list[Any] = [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
        elif kind in ("application/json", ""):
            raw = json.loads(body or b"null")
        else:
            raise ApiError(415, "unsupported_media_type", "Send application/json or text/csv.")
    except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as exc:
        raise ApiError(400, "malformed_body", f"The body cannot be parsed: {exc}") from exc
    if not isinstance(raw, list) or not raw:
        raise ApiError(422, "validation_error", "Send a non-empty list of rows.")
    if len(raw) > settings.max_rows_per_batch:
        raise ApiError(413, "too_many_rows", f"At most {settings.max_rows_per_batch} rows per request.")
    try:
        return TypeAdapter(list[model]).validate_python(raw)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise validation_error(exc, row_offset=1) from exc


# --- vendors -----------------------------------------------------------------------------
def _vendor_dict(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {"vendor_id": row["vendor_id"], "name": row["name"], "created_at": row["created_at"]}


def list_vendors(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(dim_vendor).order_by(dim_vendor.c.vendor_id)).mappings().all()
    return {"vendors": [_vendor_dict(r) for r in rows]}


def get_vendor(engine: Engine, vendor_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(dim_vendor).where(dim_vendor.c.vendor_id == vendor_id)).mappings().first()
        if row is None:
            raise not_found("vendor_not_found", f"No vendor {vendor_id!r}.")
        stores = conn.execute(select(func.count()).where(dim_store.c.vendor_id == vendor_id)).scalar()
        callers = conn.execute(select(func.count()).where(api_caller.c.vendor_id == vendor_id)).scalar()
    return {**_vendor_dict(row), "stores": stores, "callers": callers}


def put_vendor(engine: Engine, actor: Principal, vendor_id: str, body: bytes, client_ip: str | None) -> dict:
    vendor_id = _check_id("vendor_id", vendor_id, 64)
    data = parse_body(VendorBody, body)
    with engine.begin() as conn:
        created = directory.ensure_vendor(conn, vendor_id, data.name)
        if not created:
            conn.execute(
                dim_vendor.update().where(dim_vendor.c.vendor_id == vendor_id).values(name=data.name)
            )
        audit_record(conn, actor, "vendor.put", vendor_id, {"name": data.name, "created": created}, client_ip)
    return {**get_vendor(engine, vendor_id), "created": created}


# --- stores and products -----------------------------------------------------------------
def _store_row(store: StoreIn) -> dict[str, Any]:
    try:
        ZoneInfo(store.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ApiError(422, "validation_error", f"Unknown time zone {store.timezone!r}.") from exc
    row = store.model_dump()
    row["store_id"] = store.store_id.upper()  # as the clean stage writes store ids
    try:
        row["opened_on"] = date.fromisoformat(store.opened_on) if store.opened_on else None
    except ValueError as exc:
        raise ApiError(422, "validation_error", f"Invalid opened_on {store.opened_on!r}.") from exc
    return row


def upsert_stores(
    engine: Engine, actor: Principal, body: bytes, content_type: str, client_ip: str | None
) -> dict:
    rows = [_store_row(s) for s in parse_rows(StoreIn, body, content_type)]
    ids = [r["store_id"] for r in rows]
    if len(set(ids)) != len(ids):
        raise ApiError(422, "duplicate_store", "A store id appears more than once in the request.")
    with engine.begin() as conn:
        unknown = sorted(v for v in {r["vendor_id"] for r in rows} if not directory.vendor_exists(conn, v))
        if unknown:
            raise ApiError(
                422,
                "unknown_vendor",
                "Create these vendors first: " + ", ".join(unknown[:_NAMED_MAX]),
                details=[{"field": "vendor_id", "vendor_id": v} for v in unknown[:_NAMED_MAX]],
            )
        incoming = {r["store_id"]: r["vendor_id"] for r in rows}
        moved = {s: v for s, v in directory.store_vendors(conn, ids).items() if v != incoming[s]}
        upsert(conn, dim_store, rows, ["store_id"])
        detail = {
            "count": len(rows),
            "store_ids": ids[:_NAMED_MAX],
            "moved_from": dict(list(moved.items())[:_NAMED_MAX]),
        }
        audit_record(conn, actor, "stores.upsert", f"{len(rows)} stores", detail, client_ip)
    return {"upserted": len(rows), "moved_between_vendors": sorted(moved)}


def list_stores(engine: Engine, vendor_id: str | None) -> dict[str, Any]:
    query = select(dim_store).order_by(dim_store.c.store_id)
    if vendor_id:
        query = query.where(dim_store.c.vendor_id == vendor_id)
    with engine.connect() as conn:
        return {"stores": [dict(r) for r in conn.execute(query).mappings()]}


def upsert_products(
    engine: Engine, actor: Principal, body: bytes, content_type: str, client_ip: str | None
) -> dict:
    rows = [p.model_dump() for p in parse_rows(ProductIn, body, content_type)]
    skus = [r["sku"] for r in rows]
    if len(set(skus)) != len(skus):
        raise ApiError(422, "duplicate_sku", "A SKU appears more than once in the request.")
    with engine.begin() as conn:
        upsert(conn, dim_product, rows, ["sku"])
        detail = {"count": len(rows), "skus": skus[:_NAMED_MAX]}
        audit_record(conn, actor, "products.upsert", f"{len(rows)} products", detail, client_ip)
    return {"upserted": len(rows)}


# --- callers and readers -----------------------------------------------------------------
def list_callers(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(select(api_caller).order_by(api_caller.c.subject)).mappings().all()
    return {"callers": [dict(r) for r in rows]}


def put_caller(engine: Engine, actor: Principal, subject: str, body: bytes, client_ip: str | None) -> dict:
    subject = _check_id("subject", subject, 128)
    data = parse_body(CallerBody, body)
    with engine.begin() as conn:
        if data.vendor_id is not None:
            exists = conn.execute(
                select(dim_vendor.c.vendor_id).where(dim_vendor.c.vendor_id == data.vendor_id)
            )
            if exists.first() is None:
                raise ApiError(422, "unknown_vendor", f"No vendor {data.vendor_id!r}; create it first.")
        directory.set_caller_vendor(
            conn, subject, data.vendor_id, tenant_id=data.tenant_id, description=data.description
        )
        audit_record(conn, actor, "caller.put", subject, data.model_dump(), client_ip)
    return {"subject": subject, **data.model_dump()}


def delete_caller(engine: Engine, actor: Principal, subject: str, client_ip: str | None) -> dict:
    with engine.begin() as conn:
        gone = conn.execute(delete(api_caller).where(api_caller.c.subject == subject)).rowcount
        if not gone:
            raise not_found("caller_not_found", f"No caller {subject!r}.")
        audit_record(conn, actor, "caller.delete", subject, {}, client_ip)
    return {"deleted": subject}


def list_readers(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(reader_scope).order_by(reader_scope.c.subject, reader_scope.c.region)
        ).all()
    readers: dict[str, list[str]] = {}
    for subject, region in rows:
        readers.setdefault(subject, []).append(region)
    return {"readers": [{"subject": s, "regions": r} for s, r in readers.items()]}


def put_reader(engine: Engine, actor: Principal, subject: str, body: bytes, client_ip: str | None) -> dict:
    subject = _check_id("subject", subject, 128)
    data = parse_body(ReaderBody, body)
    regions = sorted({r for r in data.regions if r})
    if any(len(r) > 100 for r in regions):
        raise ApiError(422, "validation_error", "A region name is longer than 100 characters.")
    with engine.begin() as conn:
        directory.set_reader_regions(conn, subject, regions)
        audit_record(conn, actor, "reader.put", subject, {"regions": regions}, client_ip)
    return {"subject": subject, "regions": regions or None}


# --- mapping profiles --------------------------------------------------------------------
def list_profiles(engine: Engine) -> dict[str, Any]:
    query = select(mapping_profile.c.name, mapping_profile.c.vendor_id, mapping_profile.c.updated_at)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(mapping_profile.c.name)).mappings().all()
    return {"profiles": [dict(r) for r in rows]}


def get_profile(engine: Engine, name: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(mapping_profile).where(mapping_profile.c.name == name)).mappings().first()
    if row is None:
        raise not_found("profile_not_found", f"No mapping profile {name!r}.")
    return {
        "profile": json.loads(row["definition"]),
        "updated_by": row["updated_by"],
        "updated_at": row["updated_at"],
    }


def put_profile(engine: Engine, actor: Principal, name: str, body: bytes, client_ip: str | None) -> dict:
    try:
        raw = json.loads(body or b"null")
    except json.JSONDecodeError as exc:
        raise ApiError(400, "malformed_body", f"The body is not JSON: {exc}") from exc
    if not isinstance(raw, dict):
        raise ApiError(422, "validation_error", "Send the profile as a JSON object.")
    if raw.setdefault("name", name) != name:
        raise ApiError(422, "name_mismatch", "The profile's name must match the URL.")
    try:
        profile = MappingProfile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(exc) from exc
    definition = profile.model_dump_json()
    row = {
        "name": profile.name,
        "vendor_id": profile.vendor_id,
        "definition": definition,
        "updated_by": actor.subject,
        "updated_at": utcnow(),
    }
    with engine.begin() as conn:
        if profile.vendor_id is not None and not directory.vendor_exists(conn, profile.vendor_id):
            raise ApiError(422, "unknown_vendor", f"No vendor {profile.vendor_id!r}; create it first.")
        upsert(conn, mapping_profile, [row], ["name"])
        audit_record(conn, actor, "mapping_profile.put", profile.name, json.loads(definition), client_ip)
    return get_profile(engine, profile.name)


def delete_profile(engine: Engine, actor: Principal, name: str, client_ip: str | None) -> dict:
    with engine.begin() as conn:
        gone = conn.execute(delete(mapping_profile).where(mapping_profile.c.name == name)).rowcount
        if not gone:
            raise not_found("profile_not_found", f"No mapping profile {name!r}.")
        audit_record(conn, actor, "mapping_profile.delete", name, {}, client_ip)
    return {"deleted": name}


# --- audit -------------------------------------------------------------------------------
def _int_param(params: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ApiError(
            400, "invalid_parameter", f"{name} must be an integer.", details=[{"field": name}]
        ) from exc
    if not low <= number <= high:
        raise ApiError(
            400, "invalid_parameter", f"{name} must be in {low}..{high}.", details=[{"field": name}]
        )
    return number


def read_audit(engine: Engine, params: Mapping[str, str]) -> dict[str, Any]:
    limit = _int_param(params, "limit", 100, 1, 1000)
    before = _int_param(params, "before", None, 1, 2**62)
    with engine.connect() as conn:
        entries = recent_audit(
            conn, limit=limit or 100, before_id=before, actor=params.get("actor"), action=params.get("action")
        )
    return {"entries": entries, "next_before": entries[-1]["audit_id"] if len(entries) == limit else None}
