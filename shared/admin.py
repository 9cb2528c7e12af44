"""Administration: vendors, stores, products, caller -> vendor, reader -> regions, mapping
profiles, and the audit trail. Every change is audited in the same transaction as the change.

Request bodies are validated by pydantic models that refuse unknown fields, so a body cannot
set anything the endpoint does not name (mass assignment answers 422). Every function answers
one of the response models below; ``OPERATIONS`` at the end declares each endpoint with the
function that serves it, and the OpenAPI document is generated from that table.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
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
from shared.schema import ApiOperation, ProductIn, RequestParam, StoreIn

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


# --- answers -----------------------------------------------------------------------------
def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


# The tables hold naive UTC; on the wire every instant carries its offset (RFC 3339).
UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]


class Vendor(BaseModel):
    vendor_id: str
    name: str
    created_at: UtcDateTime


class VendorList(BaseModel):
    vendors: list[Vendor]


class VendorDetail(Vendor):
    stores: int = Field(ge=0, description="Stores this vendor reports for.")
    callers: int = Field(ge=0, description="API callers mapped to this vendor.")


class VendorPut(VendorDetail):
    created: bool = Field(description="False when an existing vendor was renamed.")


class Store(BaseModel):
    store_id: str
    vendor_id: str
    name: str
    region: str
    province: str
    city: str
    lat: float | None
    lon: float | None
    timezone: str
    opened_on: date | None


class StoreList(BaseModel):
    stores: list[Store]


class StoresUpserted(BaseModel):
    upserted: int = Field(ge=0)
    moved_between_vendors: list[str] = Field(description="Stores that now belong to another vendor.")


class ProductsUpserted(BaseModel):
    upserted: int = Field(ge=0)


class Caller(BaseModel):
    subject: str
    tenant_id: str | None
    vendor_id: str | None
    description: str | None
    updated_at: UtcDateTime


class CallerList(BaseModel):
    callers: list[Caller]


class CallerPut(BaseModel):
    subject: str
    vendor_id: str | None
    tenant_id: str | None
    description: str | None


class Deleted(BaseModel):
    deleted: str = Field(description="The caller subject or profile name removed.")


class Reader(BaseModel):
    subject: str
    regions: list[str]


class ReaderList(BaseModel):
    readers: list[Reader] = Field(description="Only readers limited to some regions are listed.")


class ReaderPut(BaseModel):
    subject: str
    regions: list[str] | None = Field(description="null: the reader sees every region.")


class ProfileSummary(BaseModel):
    name: str
    vendor_id: str | None
    updated_at: UtcDateTime


class ProfileList(BaseModel):
    profiles: list[ProfileSummary]


class ProfileDetail(BaseModel):
    profile: MappingProfile
    updated_by: str
    updated_at: UtcDateTime


class AuditEntry(BaseModel):
    audit_id: int
    at: UtcDateTime
    actor: str
    client_app: str | None
    client_ip: str | None
    action: str
    target: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next_before: int | None = Field(
        description="Pass as `before` for the next (older) page; null at the end."
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
def list_vendors(engine: Engine) -> VendorList:
    with engine.connect() as conn:
        rows = conn.execute(select(dim_vendor).order_by(dim_vendor.c.vendor_id)).mappings().all()
    return VendorList(vendors=[Vendor.model_validate(r) for r in rows])


def get_vendor(engine: Engine, vendor_id: str) -> VendorDetail:
    with engine.connect() as conn:
        row = conn.execute(select(dim_vendor).where(dim_vendor.c.vendor_id == vendor_id)).mappings().first()
        if row is None:
            raise not_found("vendor_not_found", f"No vendor {vendor_id!r}.")
        stores = conn.execute(select(func.count()).where(dim_store.c.vendor_id == vendor_id)).scalar()
        callers = conn.execute(select(func.count()).where(api_caller.c.vendor_id == vendor_id)).scalar()
    return VendorDetail.model_validate({**row, "stores": stores, "callers": callers})


def put_vendor(
    engine: Engine, actor: Principal, vendor_id: str, body: bytes, client_ip: str | None
) -> VendorPut:
    vendor_id = _check_id("vendor_id", vendor_id, 64)
    data = parse_body(VendorBody, body)
    with engine.begin() as conn:
        created = directory.ensure_vendor(conn, vendor_id, data.name)
        if not created:
            conn.execute(
                dim_vendor.update().where(dim_vendor.c.vendor_id == vendor_id).values(name=data.name)
            )
        audit_record(conn, actor, "vendor.put", vendor_id, {"name": data.name, "created": created}, client_ip)
    return VendorPut(**get_vendor(engine, vendor_id).model_dump(), created=created)


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
) -> StoresUpserted:
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
    return StoresUpserted(upserted=len(rows), moved_between_vendors=sorted(moved))


def list_stores(engine: Engine, vendor_id: str | None) -> StoreList:
    query = select(dim_store).order_by(dim_store.c.store_id)
    if vendor_id:
        query = query.where(dim_store.c.vendor_id == vendor_id)
    with engine.connect() as conn:
        return StoreList(stores=[Store.model_validate(r) for r in conn.execute(query).mappings()])


def upsert_products(
    engine: Engine, actor: Principal, body: bytes, content_type: str, client_ip: str | None
) -> ProductsUpserted:
    rows = [p.model_dump() for p in parse_rows(ProductIn, body, content_type)]
    skus = [r["sku"] for r in rows]
    if len(set(skus)) != len(skus):
        raise ApiError(422, "duplicate_sku", "A SKU appears more than once in the request.")
    with engine.begin() as conn:
        upsert(conn, dim_product, rows, ["sku"])
        detail = {"count": len(rows), "skus": skus[:_NAMED_MAX]}
        audit_record(conn, actor, "products.upsert", f"{len(rows)} products", detail, client_ip)
    return ProductsUpserted(upserted=len(rows))


# --- callers and readers -----------------------------------------------------------------
def list_callers(engine: Engine) -> CallerList:
    with engine.connect() as conn:
        rows = conn.execute(select(api_caller).order_by(api_caller.c.subject)).mappings().all()
    return CallerList(callers=[Caller.model_validate(r) for r in rows])


def put_caller(
    engine: Engine, actor: Principal, subject: str, body: bytes, client_ip: str | None
) -> CallerPut:
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
    return CallerPut(subject=subject, **data.model_dump())


def delete_caller(engine: Engine, actor: Principal, subject: str, client_ip: str | None) -> Deleted:
    with engine.begin() as conn:
        gone = conn.execute(delete(api_caller).where(api_caller.c.subject == subject)).rowcount
        if not gone:
            raise not_found("caller_not_found", f"No caller {subject!r}.")
        audit_record(conn, actor, "caller.delete", subject, {}, client_ip)
    return Deleted(deleted=subject)


def list_readers(engine: Engine) -> ReaderList:
    with engine.connect() as conn:
        rows = conn.execute(
            select(reader_scope).order_by(reader_scope.c.subject, reader_scope.c.region)
        ).all()
    readers: dict[str, list[str]] = {}
    for subject, region in rows:
        readers.setdefault(subject, []).append(region)
    return ReaderList(readers=[Reader(subject=s, regions=r) for s, r in readers.items()])


def put_reader(
    engine: Engine, actor: Principal, subject: str, body: bytes, client_ip: str | None
) -> ReaderPut:
    subject = _check_id("subject", subject, 128)
    data = parse_body(ReaderBody, body)
    regions = sorted({r for r in data.regions if r})
    if any(len(r) > 100 for r in regions):
        raise ApiError(422, "validation_error", "A region name is longer than 100 characters.")
    with engine.begin() as conn:
        directory.set_reader_regions(conn, subject, regions)
        audit_record(conn, actor, "reader.put", subject, {"regions": regions}, client_ip)
    return ReaderPut(subject=subject, regions=regions or None)


# --- mapping profiles --------------------------------------------------------------------
def list_profiles(engine: Engine) -> ProfileList:
    query = select(mapping_profile.c.name, mapping_profile.c.vendor_id, mapping_profile.c.updated_at)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(mapping_profile.c.name)).mappings().all()
    return ProfileList(profiles=[ProfileSummary.model_validate(r) for r in rows])


def get_profile(engine: Engine, name: str) -> ProfileDetail:
    with engine.connect() as conn:
        row = conn.execute(select(mapping_profile).where(mapping_profile.c.name == name)).mappings().first()
    if row is None:
        raise not_found("profile_not_found", f"No mapping profile {name!r}.")
    return ProfileDetail(
        profile=MappingProfile.model_validate_json(row["definition"]),
        updated_by=row["updated_by"],
        updated_at=row["updated_at"],
    )


def put_profile(
    engine: Engine, actor: Principal, name: str, body: bytes, client_ip: str | None
) -> ProfileDetail:
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


def delete_profile(engine: Engine, actor: Principal, name: str, client_ip: str | None) -> Deleted:
    with engine.begin() as conn:
        gone = conn.execute(delete(mapping_profile).where(mapping_profile.c.name == name)).rowcount
        if not gone:
            raise not_found("profile_not_found", f"No mapping profile {name!r}.")
        audit_record(conn, actor, "mapping_profile.delete", name, {}, client_ip)
    return Deleted(deleted=name)


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


def read_audit(engine: Engine, params: Mapping[str, str]) -> AuditPage:
    limit = _int_param(params, "limit", 100, 1, 1000)
    before = _int_param(params, "before", None, 1, 2**62)
    with engine.connect() as conn:
        entries = recent_audit(
            conn, limit=limit or 100, before_id=before, actor=params.get("actor"), action=params.get("action")
        )
    return AuditPage(
        entries=[AuditEntry.model_validate(e) for e in entries],
        next_before=entries[-1]["audit_id"] if len(entries) == limit else None,
    )


# --- the endpoints, as the OpenAPI document describes them -------------------------------
_PRINTABLE = r"^[^\x00-\x1f\x7f/]+$"
_PATH_PARAMS = {
    "vendor_id": RequestParam("vendor_id", {"type": "string", "maxLength": 64, "pattern": _PRINTABLE}),
    "subject": RequestParam(
        "subject", {"type": "string", "maxLength": 128, "pattern": _PRINTABLE}, "The token subject (oid)."
    ),
    "name": RequestParam("name", MappingProfile.model_json_schema()["properties"]["name"]),
}


def _operation(
    method: str, route: str, summary: str, serves: Callable[..., BaseModel], **details: Any
) -> ApiOperation:
    """An admin endpoint served by ``serves``: its answer is that function's return type."""
    answer = get_type_hints(serves)["return"]
    path = tuple(param for name, param in _PATH_PARAMS.items() if f"{{{name}}}" in route)
    return ApiOperation(method, f"manage/{route}", summary, "admin", response=answer, path=path, **details)


_TEXT = {"type": "string", "maxLength": 200}
_ROWS_ERRORS = (413, 415, 422)
OPERATIONS: tuple[ApiOperation, ...] = (
    _operation("GET", "vendors", "List vendors", list_vendors),
    _operation(
        "GET", "vendors/{vendor_id}", "One vendor with its store and caller counts", get_vendor, errors=(404,)
    ),
    _operation(
        "PUT", "vendors/{vendor_id}", "Create or rename a vendor", put_vendor, body=VendorBody, errors=(422,)
    ),
    _operation(
        "GET",
        "stores",
        "List stores",
        list_stores,
        query=(RequestParam("vendor", _TEXT, "Only this vendor's stores."),),
    ),
    _operation(
        "PUT", "stores", "Upsert stores (JSON array or CSV)", upsert_stores, rows=StoreIn, errors=_ROWS_ERRORS
    ),
    _operation(
        "PUT",
        "products",
        "Upsert products (JSON array or CSV)",
        upsert_products,
        rows=ProductIn,
        errors=_ROWS_ERRORS,
    ),
    _operation("GET", "callers", "API callers and their vendors", list_callers),
    _operation(
        "PUT", "callers/{subject}", "Map a caller to a vendor", put_caller, body=CallerBody, errors=(422,)
    ),
    _operation("DELETE", "callers/{subject}", "Remove a caller mapping", delete_caller, errors=(404,)),
    _operation("GET", "readers", "Region scopes of dashboard readers", list_readers),
    _operation(
        "PUT", "readers/{subject}", "Set a reader's regions", put_reader, body=ReaderBody, errors=(422,)
    ),
    _operation("GET", "mapping-profiles", "Column-mapping profiles", list_profiles),
    _operation("GET", "mapping-profiles/{name}", "One mapping profile", get_profile, errors=(404,)),
    _operation(
        "PUT",
        "mapping-profiles/{name}",
        "Create or replace a mapping profile (its name defaults to the one in the URL)",
        put_profile,
        body=MappingProfile,
        errors=(422,),
    ),
    _operation(
        "DELETE", "mapping-profiles/{name}", "Delete a mapping profile", delete_profile, errors=(404,)
    ),
    _operation(
        "GET",
        "audit",
        "Audit log, newest first",
        read_audit,
        query=(
            RequestParam(
                "limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Entries per page (100)."
            ),
            RequestParam(
                "before",
                {"type": "integer", "minimum": 1, "maximum": 2**62},
                "Entries older than this audit_id.",
            ),
            RequestParam("actor", _TEXT, "Only this actor's entries."),
            RequestParam("action", _TEXT, "Only this action, e.g. vendor.put."),
        ),
    ),
)
