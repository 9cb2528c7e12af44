"""Accepting an ingest request: envelope checks, idempotency, the batch row, the raw blob.

The order of writes is what makes a crash harmless (see :func:`accept`):

1. every envelope check, nothing written (415/400/413/422/403 come from here);
2. the ``ingest_batch`` row, status ``receiving`` — the arbiter: unique (caller, idempotency key),
   and it fixes the raw blob's name, so a resend on another day writes the same object;
3. the raw body, write-once (a resend finds it there and goes on);
4. the orchestration, instance id = batch id (started only if the durable store lacks it);
5. the first answer stored on the row (``accepted``) — from here on the same key replays it.

A crash before 5 leaves a ``receiving`` row: the resend (after :data:`IN_FLIGHT_LEASE`) carries
it on from step 3; without a resend, the stuck-batch sweep starts its orchestration if the raw
blob is there and otherwise forgets the row (it was never answered, so nothing was accepted).
Nothing is answered ``202`` before step 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import Engine, case, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared import batches
from shared.auth import check_store_scope
from shared.auth.audit import record
from shared.auth.principal import ROLE_ADMIN, Principal
from shared.blobstore import BlobExistsError, get_blob_store
from shared.config import get_settings
from shared.db import write_gate
from shared.db.tables import ingest_batch, mapping_profile, utcnow
from shared.errors import ApiError
from shared.etl.extract import outline, sniff_format
from shared.etl.mapping import MappingProfile
from shared.schema import (
    ApiOperation,
    BatchList,
    BatchStatus,
    IngestAccepted,
    RequestParam,
    TransactionLine,
)
from shared.telemetry import get_logger

log = get_logger("ingest")
T = TypeVar("T")

# How long a ``receiving`` row belongs to the request that wrote it. A resend within the lease is
# a concurrent duplicate (409); after it, the resend takes the batch over and finishes it.
IN_FLIGHT_LEASE = timedelta(seconds=5)
# Extract runs (each stage retry and each restart counts) before the sweep stops restarting a batch.
MAX_ETL_ATTEMPTS = 20

# Blocking work of the accept path runs on its own threads, which go first at SQLite's write gate
# (``shared.db.write_gate``): an accept's two short writes do not queue behind ETL transactions.
_ACCEPT_POOL = ThreadPoolExecutor(
    max_workers=8, thread_name_prefix="ingest-accept", initializer=write_gate.mark_interactive
)

# The transactions endpoint takes these; the files endpoint any format ``sniff_format`` knows.
TRANSACTION_TYPES = frozenset(
    {"application/json", "application/x-ndjson", "application/ndjson", "application/jsonl", "text/csv"}
)


@dataclass(frozen=True)
class IngestRequest:
    """What a trigger hands over: the request as received, no interpretation yet."""

    endpoint: str  # "transactions" | "files"
    body: bytes
    headers: Mapping[str, str]  # lower-case names
    params: Mapping[str, str]


@dataclass(frozen=True)
class Envelope:
    """A request that passed every check; ``payload`` is exactly what goes to the raw blob."""

    fmt: str
    payload: bytes
    profile: str | None
    request_hash: str
    rows: int


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


# --- envelope ----------------------------------------------------------------------------
def _media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _too_large(size: int, limit: int) -> ApiError:
    return ApiError(413, "payload_too_large", f"The body is {size} bytes; the limit is {limit}.")


def _check_size(req: IngestRequest, limit: int) -> None:
    declared = req.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    if len(req.body) > limit:
        raise _too_large(len(req.body), limit)
    if not req.body.strip():
        raise ApiError(400, "empty_body", "The request body is empty.")


def _payload_and_format(req: IngestRequest) -> tuple[bytes, str, str | None]:
    """(payload, format, profile from a form field) for the endpoint and content type."""
    media_type = _media_type(req.headers.get("content-type"))
    if req.endpoint == "transactions":
        if media_type not in TRANSACTION_TYPES:
            raise ApiError(
                415,
                "unsupported_media_type",
                f"Content type {media_type or '(none)'!r} is not accepted here; use one of "
                f"{', '.join(sorted(TRANSACTION_TYPES))} (files go to /api/ingest/files).",
            )
        return req.body, sniff_format(media_type, None, req.body[:64]), None
    if media_type == "multipart/form-data":
        parts = read_multipart(req.body, req.headers.get("content-type", ""))
        upload = parts.get("file")
        if upload is None:
            raise ApiError(400, "missing_file", "The multipart body has no 'file' part.")
        if not upload.data.strip():
            raise ApiError(400, "empty_body", "The uploaded file is empty.")
        profile_part = parts.get("profile")
        profile = profile_part.data.decode("utf-8", "replace").strip() if profile_part else None
        fmt = sniff_format(upload.content_type, upload.filename, upload.data[:64])
        return upload.data, fmt, profile or None
    return req.body, sniff_format(media_type, req.params.get("filename"), req.body[:64]), None


def request_hash(fmt: str, profile: str | None, payload: bytes) -> str:
    digest = hashlib.sha256(f"{fmt}\n{profile or ''}\n".encode())
    digest.update(payload)
    return digest.hexdigest()


def load_profile(engine: Engine, name: str | None, vendor_id: str | None) -> MappingProfile | None:
    """The named mapping profile (``shared.etl.mapping.MappingProfile``), or 422 if unknown here."""
    if not name:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(mapping_profile).where(mapping_profile.c.name == name)).mappings().first()
    if row is None or (
        row["vendor_id"] is not None and vendor_id is not None and row["vendor_id"] != vendor_id
    ):
        raise ApiError(422, "unknown_mapping_profile", f"No mapping profile named {name!r}.")
    return MappingProfile.model_validate_json(row["definition"])


def check_envelope(engine: Engine, principal: Principal, req: IngestRequest) -> Envelope:
    """Every check that can refuse the request, in order of cost; writes nothing."""
    settings = get_settings()
    _check_size(req, settings.max_body_bytes)
    payload, fmt, form_profile = _payload_and_format(req)
    if principal.vendor_id is None:
        raise ApiError(403, "vendor_not_mapped", "This caller is not mapped to a vendor; ask an admin.")
    profile_name = req.params.get("profile") or form_profile
    profile = load_profile(engine, profile_name, principal.vendor_id)
    batch = outline(payload, fmt, profile)
    if batch.rows > settings.max_rows_per_batch:
        raise ApiError(
            413,
            "too_many_rows",
            f"The batch has {batch.rows} rows; the limit is {settings.max_rows_per_batch}.",
        )
    check_store_scope(principal, batch.stores)
    return Envelope(fmt, payload, profile_name, request_hash(fmt, profile_name, payload), batch.rows)


# --- idempotency and the batch row -------------------------------------------------------
def batch_id_for(caller_id: str, idempotency_key: str | None) -> str:
    """Derived from caller + key, so every resend names the same batch; random without a key."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    return hashlib.sha256(f"{caller_id}\n{idempotency_key}".encode()).hexdigest()[:32]


def accepted_body(batch_id: str, rows: int) -> dict[str, Any]:
    status_url = f"/api/ingest/batches/{batch_id}"
    model = IngestAccepted(batch_id=batch_id, status_url=status_url, received=rows)
    return model.model_dump(mode="json")


@dataclass(frozen=True)
class Admission:
    batch_id: str
    raw_blob: str
    body: dict[str, Any]
    replayed: bool
    fresh: bool = False  # the row was inserted by this request: no orchestration can exist yet


def _idempotency_key(req: IngestRequest) -> str | None:
    key = req.headers.get("idempotency-key")
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 200 or not key.isprintable():
        raise ApiError(400, "invalid_idempotency_key", "Idempotency-Key must be 1-200 printable characters.")
    return key


def admit(engine: Engine, principal: Principal, env: Envelope, key: str | None) -> Admission:
    """Insert the ``receiving`` row, or resolve the earlier request that holds this key."""
    now = utcnow()
    batch_id = batch_id_for(principal.subject, key)
    raw_blob = f"raw/{principal.vendor_id}/{now:%Y/%m/%d}/{batch_id}.{env.fmt}"
    body = accepted_body(batch_id, env.rows)
    row = {
        "batch_id": batch_id,
        "vendor_id": principal.vendor_id,
        "caller_id": principal.subject,
        "client_app": principal.client_app,
        "idempotency_key": key,
        "request_hash": env.request_hash,
        "source_format": env.fmt,
        "mapping_profile": env.profile,
        "raw_blob": raw_blob,
        "status": batches.RECEIVING,
        "received_count": env.rows,
        "created_at": now,
        "updated_at": now,
    }
    try:
        with engine.begin() as conn:
            conn.execute(insert(ingest_batch).values(**row))
        return Admission(batch_id, raw_blob, body, replayed=False, fresh=True)
    except IntegrityError:
        if key is None:
            raise
    return _resolve_existing(engine, batch_id, env)


def _resolve_existing(engine: Engine, batch_id: str, env: Envelope) -> Admission:
    existing = batches.get(engine, batch_id)
    if existing is None:  # the holder vanished between our insert and this read: cannot happen
        raise ApiError(409, "request_in_progress", "Retry this request.", headers={"Retry-After": "1"})
    if existing["request_hash"] != env.request_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was already used with a different request body.",
        )
    first = batches.first_answer(existing)
    if first is not None:
        return Admission(batch_id, existing["raw_blob"], first, replayed=True)
    now = utcnow()
    if existing["updated_at"] > now - IN_FLIGHT_LEASE:
        retry = str(max(1, int(IN_FLIGHT_LEASE.total_seconds())))
        raise ApiError(
            409,
            "request_in_progress",
            "A request with this Idempotency-Key is still being accepted; retry shortly.",
            headers={"Retry-After": retry},
        )
    take_over = (
        update(ingest_batch)
        .where(ingest_batch.c.batch_id == batch_id, ingest_batch.c.updated_at == existing["updated_at"])
        .values(updated_at=now)
    )
    with engine.begin() as conn:
        if conn.execute(take_over).rowcount != 1:
            raise ApiError(409, "request_in_progress", "Retry this request.", headers={"Retry-After": "1"})
    log.info("resuming an unacknowledged batch", extra={"batch_id": batch_id})
    return Admission(batch_id, existing["raw_blob"], accepted_body(batch_id, env.rows), replayed=False)


def store_raw(raw_blob: str, payload: bytes) -> None:
    """Write-once: a resend finds the blob already there (same key, same hash) and goes on."""
    with contextlib.suppress(BlobExistsError):
        get_blob_store().put(raw_blob, payload, overwrite=False)


def acknowledge(engine: Engine, principal: Principal, admission: Admission, env: Envelope) -> None:
    """Store the first answer and audit it, in one transaction; ``receiving -> accepted`` unless the
    ETL has already moved the batch on."""
    status = case((ingest_batch.c.status == batches.RECEIVING, batches.ACCEPTED), else_=ingest_batch.c.status)
    with engine.begin() as conn:
        conn.execute(
            update(ingest_batch)
            .where(ingest_batch.c.batch_id == admission.batch_id)
            .values(
                response_json=json.dumps(admission.body, separators=(",", ":")),
                status=status,
                updated_at=utcnow(),
            )
        )
        detail = {"rows": env.rows, "format": env.fmt, "profile": env.profile, "raw_blob": admission.raw_blob}
        record(conn, principal, "ingest.accepted", admission.batch_id, detail)


def _answer(body: dict[str, Any], replayed: bool) -> Answer:
    headers = {"Location": body["status_url"]}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
        body = {**body, "replayed": True}
    return Answer(202, body, headers)


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking ``fn(*args)`` on the accept path's own threads."""
    return await asyncio.get_running_loop().run_in_executor(_ACCEPT_POOL, functools.partial(fn, *args))


async def accept(
    engine: Engine,
    principal: Principal,
    req: IngestRequest,
    ensure_started: Callable[[str, bool], Awaitable[None]],
) -> Answer:
    """Check, record, store and start one batch (module docstring: the order and why)."""
    marks = [time.perf_counter()]

    async def step(call: Awaitable[Any]) -> Any:
        result = await call
        marks.append(time.perf_counter())
        return result

    key = _idempotency_key(req)
    env = await step(off_loop(check_envelope, engine, principal, req))
    admission = await step(off_loop(admit, engine, principal, env, key))
    if admission.replayed:
        return _answer(admission.body, replayed=True)
    await step(off_loop(store_raw, admission.raw_blob, env.payload))
    await step(ensure_started(admission.batch_id, admission.fresh))
    await step(off_loop(acknowledge, engine, principal, admission, env))
    stages = ("check", "admit", "raw_blob", "start", "acknowledge")
    spans = zip(stages, marks[:-1], marks[1:], strict=True)
    timings = {f"{name}_ms": round((end - start) * 1000, 1) for name, start, end in spans}
    log.info(
        "batch accepted",
        extra={"batch_id": admission.batch_id, "rows": env.rows, "format": env.fmt, **timings},
    )
    return _answer(admission.body, replayed=False)


# --- the operations, for the OpenAPI document (shared/openapi.py) ----------------------
_BINARY: dict[str, Any] = {"type": "string", "contentMediaType": "application/octet-stream"}
_PROFILE = RequestParam("profile", {"type": "string", "maxLength": 100}, "A column-mapping profile's name.")
_IDEMPOTENCY_KEY = RequestParam(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 200},
    "Resending with the same key returns the first answer; another body with it is 422.",
)
_INGEST_ERRORS = (409, 413, 415, 422)
_BATCH_ID = RequestParam(
    "batch_id", {"type": "string", "pattern": "^[0-9a-f]{32}$"}, "As the 202 answer named it."
)


OPERATIONS: tuple[ApiOperation, ...] = (
    ApiOperation(
        "POST",
        "ingest/transactions",
        "Accept a batch of transaction lines (JSON array, NDJSON, CSV)",
        "ingest",
        response=IngestAccepted,
        status=202,
        rows=TransactionLine,
        body_content={"application/x-ndjson": {"schema": {"type": "string"}}},
        query=(_PROFILE,),
        headers=(_IDEMPOTENCY_KEY,),
        errors=_INGEST_ERRORS,
    ),
    ApiOperation(
        "POST",
        "ingest/files",
        "Accept a file (CSV, XLSX, Parquet, XML) with an optional mapping profile",
        "ingest",
        response=IngestAccepted,
        status=202,
        body_content={
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": _BINARY, "profile": {"type": "string", "maxLength": 100}},
                }
            },
            "application/octet-stream": {"schema": _BINARY},
        },
        query=(
            _PROFILE,
            RequestParam("filename", {"type": "string", "maxLength": 200}, "Its extension names the format."),
        ),
        headers=(_IDEMPOTENCY_KEY,),
        errors=_INGEST_ERRORS,
    ),
    ApiOperation(
        "GET",
        "ingest/batches",
        "Recent batches (a vendor sees its own; Admin sees all)",
        "ingest",
        response=BatchList,
        query=(
            RequestParam(
                "status", {"type": "string", "enum": sorted(batches.STATUSES)}, "Only batches in this state."
            ),
            RequestParam(
                "limit", {"type": "integer", "minimum": 1, "maximum": 500}, "At most this many (50)."
            ),
        ),
    ),
    ApiOperation(
        "GET",
        "ingest/batches/{batch_id}",
        "A batch's status and counts",
        "ingest",
        response=BatchStatus,
        path=(_BATCH_ID,),
        errors=(404,),
    ),
    ApiOperation(
        "GET",
        "ingest/batches/{batch_id}/quarantine",
        "Rejected rows with reasons: JSON lines, one RowError each (empty when none)",
        "ingest",
        response=None,
        response_media="application/x-ndjson",
        path=(_BATCH_ID,),
        errors=(404, 409),
    ),
)


# --- reading batches ---------------------------------------------------------------------
def _visible(principal: Principal, row: dict[str, Any] | None, batch_id: str) -> dict[str, Any]:
    if row is None or not (principal.has_any_role(ROLE_ADMIN) or row["vendor_id"] == principal.vendor_id):
        raise ApiError(404, "batch_not_found", f"No batch {batch_id!r}.")
    return row


def batch_status(engine: Engine, principal: Principal, batch_id: str) -> BatchStatus:
    return batches.public_view(_visible(principal, batches.get(engine, batch_id), batch_id))


def list_batches(engine: Engine, principal: Principal, params: Mapping[str, str]) -> BatchList:
    status = params.get("status") or None
    if status is not None and status not in batches.STATUSES:
        raise ApiError(400, "invalid_status", f"status must be one of {sorted(batches.STATUSES)}.")
    limit_text = params.get("limit", "50")
    if not limit_text.isdigit() or not 1 <= int(limit_text) <= 500:
        raise ApiError(400, "invalid_limit", "limit must be a whole number from 1 to 500.")
    vendor = None if principal.has_any_role(ROLE_ADMIN) else principal.vendor_id
    if vendor is None and not principal.has_any_role(ROLE_ADMIN):
        return BatchList(batches=[])
    rows = batches.list_recent(engine, vendor_id=vendor, status=status, limit=int(limit_text))
    return BatchList(batches=[batches.public_view(r) for r in rows])


def quarantine_report(engine: Engine, principal: Principal, batch_id: str) -> bytes:
    """The batch's rejected rows as JSON lines (empty when nothing was rejected)."""
    row = _visible(principal, batches.get(engine, batch_id), batch_id)
    if not row["quarantine_blob"]:
        if row["status"] not in batches.FINAL:
            raise ApiError(409, "batch_not_final", "The batch is still being processed.")
        return b""
    return get_blob_store().get(row["quarantine_blob"])


# --- multipart ---------------------------------------------------------------------------
@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def read_multipart(body: bytes, content_type: str) -> dict[str, Part]:
    """Parts of a ``multipart/form-data`` body by field name (python-multipart's streaming parser)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise ApiError(400, "malformed_multipart", "multipart/form-data needs a boundary parameter.")
    parts: dict[str, Part] = {}
    state: dict[str, Any] = {}

    def header_field(data: bytes, start: int, end: int) -> None:
        state["field"] = state.get("field", b"") + data[start:end]

    def header_value(data: bytes, start: int, end: int) -> None:
        state["value"] = state.get("value", b"") + data[start:end]

    def header_end() -> None:
        state["headers"][state.pop("field", b"").decode("latin-1").lower()] = state.pop("value", b"")

    def part_begin() -> None:
        state.update(headers={}, chunks=[])

    def part_data(data: bytes, start: int, end: int) -> None:
        state["chunks"].append(data[start:end])

    def part_end() -> None:
        _, disposition = parse_options_header(state["headers"].get("content-disposition", b""))
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        filename = disposition.get(b"filename")
        ctype = state["headers"].get("content-type")
        parts[name] = Part(
            name,
            filename.decode("utf-8", "replace") if filename is not None else None,
            ctype.decode("latin-1") if ctype else None,
            b"".join(state["chunks"]),
        )

    callbacks = {
        "on_part_begin": part_begin,
        "on_part_data": part_data,
        "on_part_end": part_end,
        "on_header_field": header_field,
        "on_header_value": header_value,
        "on_header_end": header_end,
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        parser.write(body)
        parser.finalize()
    except Exception as exc:
        raise ApiError(400, "malformed_multipart", f"The multipart body could not be read: {exc}") from exc
    return parts


# --- recovery and retention (the maintenance timers) -------------------------------------
async def sweep_stuck(engine: Engine, restart: Callable[[str], Awaitable[bool]]) -> dict[str, int]:
    """Carry on batches that stopped moving: restart their orchestration unless it is running.

    A ``receiving`` row whose raw payload never arrived was never answered: it is forgotten
    (deleted), so the client's resend starts afresh. A batch whose ETL keeps dying (an
    orchestrator crash rather than a failed stage) ends ``failed`` after :data:`MAX_ETL_ATTEMPTS`.
    """
    older_than = timedelta(minutes=get_settings().stuck_batch_minutes)
    outcome = {"stuck": 0, "restarted": 0, "forgotten": 0, "given_up": 0}
    store = get_blob_store()
    for row in await asyncio.to_thread(batches.stuck, engine, older_than):
        batch_id = row["batch_id"]
        outcome["stuck"] += 1
        if row["status"] == batches.RECEIVING and not await asyncio.to_thread(store.exists, row["raw_blob"]):
            outcome["forgotten"] += await asyncio.to_thread(batches.forget_unacknowledged, engine, batch_id)
            continue
        if (row["attempts"] or 0) >= MAX_ETL_ATTEMPTS:
            error = f"gave up after {row['attempts']} ETL attempts; the last error is in the host log"
            await asyncio.to_thread(batches.fail, engine, batch_id, error)
            outcome["given_up"] += 1
            continue
        if await restart(batch_id):
            outcome["restarted"] += 1
            log.warning("restarted a stuck batch", extra={"batch_id": batch_id, "status": row["status"]})
        await asyncio.to_thread(batches.touch, engine, batch_id)
    return outcome


def purge_raw(engine: Engine, retention_days: int) -> int:
    """Delete raw payloads older than ``retention_days`` whose batch is final; returns how many."""
    store = get_blob_store()
    cutoff = utcnow() - timedelta(days=retention_days)
    old = [info.name for info in store.list("raw/") if info.last_modified.replace(tzinfo=None) < cutoff]
    deleted = 0
    for start in range(0, len(old), 500):
        chunk = old[start : start + 500]
        with engine.connect() as conn:
            live = set(
                conn.execute(
                    select(ingest_batch.c.raw_blob).where(
                        ingest_batch.c.raw_blob.in_(chunk), ingest_batch.c.status.not_in(batches.FINAL)
                    )
                ).scalars()
            )
        for name in chunk:
            if name not in live:
                store.delete(name)
                deleted += 1
    return deleted
