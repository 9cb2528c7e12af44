"""The canonical data Scout speaks: one transaction line, dimension rows, ingest answers.

The pydantic models document the wire format (the OpenAPI document is generated from them)
and are the reference the vectorised ETL stages (``shared/etl``) implement over whole
batches. ``CANONICAL_COLUMNS`` / ``CANONICAL_DTYPES`` are the one place that names the
canonical columns and the dtypes the validate stage produces.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PAYMENT_METHODS: tuple[str, ...] = (
    "cash",
    "card",
    "credit_card",
    "debit_card",
    "gcash",
    "maya",
    "grabpay",
    "shopeepay",
    "qrph",
    "other",
)
GENDERS: tuple[str, ...] = ("female", "male", "other")
DEFAULT_CURRENCY = "PHP"
DEFAULT_TIMEZONE = "Asia/Manila"

# Canonical line columns, in order. Required ones must be present in every batch.
CANONICAL_COLUMNS: tuple[str, ...] = (
    "transaction_id",
    "line_number",
    "store_id",
    "timestamp",
    "sku",
    "product_name",
    "brand",
    "category",
    "quantity",
    "unit_price",
    "discount",
    "payment_method",
    "customer_id",
    "age",
    "gender",
    "loyalty_tier",
    "currency",
)
REQUIRED_COLUMNS: tuple[str, ...] = (
    "transaction_id",
    "line_number",
    "store_id",
    "timestamp",
    "sku",
    "quantity",
    "unit_price",
)
# dtypes of the frame that leaves validation (``timestamp`` is tz-aware UTC).
CANONICAL_DTYPES: dict[str, str] = {
    "transaction_id": "str",
    "line_number": "int64",
    "store_id": "str",
    "timestamp": "datetime64[us, UTC]",
    "sku": "str",
    "product_name": "str",
    "brand": "str",
    "category": "str",
    "quantity": "float64",
    "unit_price": "float64",
    "discount": "float64",
    "payment_method": "str",
    "customer_id": "str",
    "age": "float64",
    "gender": "str",
    "loyalty_tier": "str",
    "currency": "str",
}
NUMERIC_COLUMNS: tuple[str, ...] = ("line_number", "quantity", "unit_price", "discount", "age")
TEXT_COLUMNS: tuple[str, ...] = tuple(c for c in CANONICAL_COLUMNS if CANONICAL_DTYPES[c] == "str")
ROW_COLUMN = "_row"  # 1-based source row number, kept through the stages for error reports


class _Input(BaseModel):
    # Unknown fields are refused: a body cannot set vendor_id, status, batch_id, ...
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TransactionLine(_Input):
    """One line of a POS transaction, as a vendor sends it."""

    transaction_id: str = Field(
        min_length=1, max_length=64, description="The POS transaction (receipt) id.", examples=["T-000123"]
    )
    line_number: int = Field(ge=1, le=32767, description="1-based line within the transaction.", examples=[1])
    store_id: str = Field(
        min_length=1, max_length=32, description="Store id as registered in dim_store.", examples=["NCR-001"]
    )
    timestamp: datetime = Field(
        description="When the sale happened (ISO 8601); without an offset, in the store's zone.",
        examples=["2026-03-15T18:42:07+08:00"],
    )
    sku: str = Field(min_length=1, max_length=64, description="Product SKU.", examples=["SKU-00042"])
    product_name: str | None = Field(
        default=None, max_length=200, description="Product name; dim_product wins when the SKU is known."
    )
    brand: str | None = Field(default=None, max_length=100, examples=["Lucky Me!"])
    category: str | None = Field(
        default=None, max_length=100, description="Vendor category, mapped onto Scout's categories."
    )
    quantity: float = Field(gt=0, le=1_000_000, description="Units sold (may be fractional, e.g. kg).")
    unit_price: float = Field(ge=0, le=10_000_000, description="Price per unit before discount.")
    discount: float = Field(
        default=0, ge=0, description="Discount on the whole line, at most quantity x price."
    )
    payment_method: Literal[
        "cash", "card", "credit_card", "debit_card", "gcash", "maya", "grabpay", "shopeepay", "qrph", "other"
    ] = Field(default="other", description="How the transaction was paid.", examples=["gcash"])
    customer_id: str | None = Field(
        default=None,
        max_length=128,
        description="Vendor's customer/loyalty id. Stored only as a keyed hash, never as sent.",
    )
    age: int | None = Field(default=None, ge=0, le=120, description="Customer age in years.")
    gender: Literal["female", "male", "other"] | None = Field(default=None)
    loyalty_tier: str | None = Field(default=None, max_length=32, examples=["gold"])
    currency: str = Field(
        default=DEFAULT_CURRENCY, pattern=r"^[A-Za-z]{3}$", description="ISO 4217 code.", examples=["PHP"]
    )

    @field_validator("payment_method", "gender", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


class VendorIn(_Input):
    vendor_id: str = Field(min_length=1, max_length=64, examples=["vendor-acme"])
    name: str = Field(min_length=1, max_length=200)


class StoreIn(_Input):
    """A store (dimension row)."""

    store_id: str = Field(min_length=1, max_length=32, examples=["NCR-001"])
    vendor_id: str = Field(min_length=1, max_length=64, description="The POS vendor that reports for it.")
    name: str = Field(min_length=1, max_length=200)
    region: str = Field(min_length=1, max_length=100, examples=["NCR"])
    province: str = Field(min_length=1, max_length=100, examples=["Metro Manila"])
    city: str = Field(min_length=1, max_length=100, examples=["Quezon City"])
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    timezone: str = Field(default=DEFAULT_TIMEZONE, max_length=64, description="IANA time zone.")
    opened_on: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")


class ProductIn(_Input):
    """A product (dimension row)."""

    sku: str = Field(min_length=1, max_length=64)
    product_name: str = Field(min_length=1, max_length=200)
    brand: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=100)
    unit_cost: float | None = Field(default=None, ge=0, description="Cost per unit, for margin.")


class CategoryMappingIn(_Input):
    vendor_id: str = Field(min_length=1, max_length=64)
    source_category: str = Field(min_length=1, max_length=100)
    category: str = Field(min_length=1, max_length=100)


# The states of shared/batches.py: receiving -> accepted -> processing -> one of the final three.
BatchState = Literal["receiving", "accepted", "processing", "succeeded", "partially_succeeded", "failed"]


class IngestAccepted(BaseModel):
    """The 202 answer to an ingest request."""

    batch_id: str = Field(description="Also the orchestration instance id.")
    status: BatchState = "accepted"
    status_url: str = Field(description="GET this URL for the batch's progress and counts.")
    received: int = Field(ge=0, description="Lines received in the request.")
    replayed: bool = Field(
        default=False, description="True when this is the stored answer for a repeated key."
    )


class BatchCounts(BaseModel):
    """received = loaded + updated + duplicate + rejected once a batch is final."""

    received: int = Field(ge=0)
    loaded: int = Field(ge=0, description="New lines inserted.")
    updated: int = Field(
        ge=0, description="Lines already present whose content changed (old kept in history)."
    )
    duplicate: int = Field(
        ge=0, description="Identical repeats: within the batch, or already loaded with the same content."
    )
    rejected: int = Field(ge=0, description="Lines that failed validation; see the quarantine report.")


class BatchStatus(BaseModel):
    """The body of ``GET /api/ingest/batches/{id}`` (``shared.batches.public_view``)."""

    batch_id: str
    vendor_id: str
    status: BatchState
    source_format: str = Field(examples=["csv"])
    mapping_profile: str | None = None
    counts: BatchCounts
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration_ms: int | None = Field(default=None, ge=0)
    attempts: int = Field(ge=0, description="ETL runs started for the batch.")
    error: str | None = None
    quarantine_url: str | None = Field(default=None, description="Rejected rows with reasons (JSON lines).")
    status_url: str


class RowError(BaseModel):
    """Why one source row was refused."""

    row: int = Field(
        ge=0, description="1-based row in the source (data rows; the CSV header is not counted)."
    )
    field: str | None = Field(default=None, description="Canonical field at fault, if one is.")
    code: str = Field(examples=["negative_quantity"])
    message: str


class BatchList(BaseModel):
    """The body of ``GET /api/ingest/batches``: the most recent first."""

    batches: list[BatchStatus]


# --- how an endpoint speaks: the OpenAPI document (shared/openapi.py) is built from these ----------
@dataclass(frozen=True)
class RequestParam:
    name: str
    schema: Mapping[str, Any]  # JSON Schema of the value
    description: str = ""


@dataclass(frozen=True)
class ApiOperation:
    """One HTTP operation: its route as the trigger registers it, and the models it speaks.

    Declared next to the code that serves it (``shared/admin.py``, ``shared/health.py``); the
    OpenAPI document is generated from these declarations.
    """

    method: str  # "GET", "PUT", ...
    route: str  # the Functions route template, e.g. "manage/vendors/{vendor_id}"
    summary: str
    tag: str
    response: type[BaseModel] | None  # the JSON success body; None: ``response_media`` text
    status: int = 200
    response_media: str = "application/json"
    same_body_statuses: tuple[int, ...] = ()  # other statuses answered with the same body model
    body: type[BaseModel] | None = None  # a JSON object of this model
    rows: type[BaseModel] | None = None  # a JSON array, or CSV with a header row, of this model
    body_content: Mapping[str, Any] | None = None  # other request media (OpenAPI ``content``)
    path: tuple[RequestParam, ...] = ()  # the route's parameters (any not named: a non-empty string)
    query: tuple[RequestParam, ...] = ()
    headers: tuple[RequestParam, ...] = ()
    errors: tuple[int, ...] = ()  # error statuses beyond the ones every operation may answer
    bearer: bool = True  # needs an Entra ID token
    function_key: bool = True  # needs a function key (AuthLevel.FUNCTION)
