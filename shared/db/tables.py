"""The SQL schema (SQLAlchemy Core). Migrations in ``shared/db/migrations`` must match it.

Summary tables used by the analytics API are declared in ``shared/analytics/summary_tables.py``
on the same :data:`metadata`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def utcnow() -> datetime:
    """Now as the ``DateTime`` columns hold it: UTC, naive."""
    return datetime.now(UTC).replace(tzinfo=None)


def Money() -> Numeric:  # noqa: N802 - reads as a type
    return Numeric(18, 4, asdecimal=False)


def Qty() -> Numeric:  # noqa: N802
    return Numeric(12, 3, asdecimal=False)


# --- dimensions --------------------------------------------------------------------------
dim_vendor = Table(
    "dim_vendor",
    metadata,
    Column("vendor_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

dim_store = Table(
    "dim_store",
    metadata,
    Column("store_id", String(32), primary_key=True),
    Column("vendor_id", String(64), ForeignKey("dim_vendor.vendor_id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("region", String(100), nullable=False, index=True),
    Column("province", String(100), nullable=False),
    Column("city", String(100), nullable=False),
    Column("lat", Float, nullable=True),
    Column("lon", Float, nullable=True),
    Column("timezone", String(64), nullable=False, default="Asia/Manila"),
    Column("opened_on", Date, nullable=True),
)

dim_product = Table(
    "dim_product",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("product_name", String(200), nullable=False),
    Column("brand", String(100), nullable=False),
    Column("category", String(100), nullable=False),
    Column("unit_cost", Money(), nullable=True),
)

# A vendor's own category names mapped onto Scout's categories (used by enrichment).
category_mapping = Table(
    "category_mapping",
    metadata,
    Column("vendor_id", String(64), primary_key=True),
    Column("source_category", String(100), primary_key=True),
    Column("category", String(100), nullable=False),
)

# --- facts -------------------------------------------------------------------------------
_FACT_COLUMNS = (
    ("store_id", String(32), False),
    ("vendor_id", String(64), False),
    ("ts_utc", DateTime, False),
    ("local_date", Date, False),
    ("local_hour", SmallInteger, False),
    ("weekday", SmallInteger, False),  # 0 = Monday
    ("sku", String(64), False),
    ("product_name", String(200), False),
    ("brand", String(100), False),
    ("category", String(100), False),
    ("quantity", Qty(), False),
    ("unit_price", Money(), False),
    ("discount", Money(), False),
    ("gross_amount", Money(), False),
    ("net_amount", Money(), False),
    ("unit_cost", Money(), True),
    ("margin", Money(), True),
    ("payment_method", String(32), False),
    ("customer_key", String(64), True),  # keyed hash, never the vendor's customer id
    ("age_band", String(16), True),
    ("gender", String(16), True),
    ("loyalty_tier", String(32), True),
    ("currency", String(3), False),
    ("basket_size", Qty(), False),  # units in the whole transaction
    ("basket_lines", SmallInteger, False),
    ("is_outlier", Boolean, False),
    ("content_hash", String(32), False),
    ("batch_id", String(64), False),
    ("loaded_at", DateTime, False),
)


def _fact_columns() -> list[Column]:
    return [Column(name, type_, nullable=nullable) for name, type_, nullable in _FACT_COLUMNS]


fact_sales_line = Table(
    "fact_sales_line",
    metadata,
    Column("transaction_id", String(64), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    *_fact_columns(),
    Index("ix_fact_store_date", "store_id", "local_date"),
    Index("ix_fact_date", "local_date"),
    Index("ix_fact_batch", "batch_id"),
)

# Previous versions of lines whose content a later batch changed.
fact_sales_line_history = Table(
    "fact_sales_line_history",
    metadata,
    Column("history_id", Integer, primary_key=True, autoincrement=True),
    Column("transaction_id", String(64), nullable=False),
    Column("line_number", Integer, nullable=False),
    *_fact_columns(),
    Column("replaced_by_batch", String(64), nullable=False),
    Column("replaced_at", DateTime, nullable=False),
    Index("ix_fact_history_line", "transaction_id", "line_number"),
    Index("ix_fact_history_batch", "replaced_by_batch"),
)

FACT_COLUMN_NAMES: tuple[str, ...] = ("transaction_id", "line_number", *(c[0] for c in _FACT_COLUMNS))

# Store-days whose facts a batch's load changed but could not add to the summaries (lines of
# transactions already held): written with the load, recomputed and removed by the aggregate stage.
summary_refresh_pending = Table(
    "summary_refresh_pending",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("store_id", String(32), primary_key=True),
    Column("local_date", Date, primary_key=True),
)

# Every change to a summary table that a process keeps a copy of in memory
# (``shared.analytics.followed``): the days it touched (NULL: all of them), written in the
# changing transaction. Writers hold the database's writer lock, so versions follow commit order;
# ``stamp`` tells one database's history from another's at the same URL.
summary_change = Table(
    "summary_change",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(64), nullable=False),
    Column("stamp", String(32), nullable=False),
    Column("date_from", Date, nullable=True),
    Column("date_to", Date, nullable=True),
)

# --- ingest ------------------------------------------------------------------------------
ingest_batch = Table(
    "ingest_batch",
    metadata,
    Column("batch_id", String(64), primary_key=True),
    Column("vendor_id", String(64), nullable=False, index=True),
    Column("caller_id", String(128), nullable=False),
    Column("client_app", String(128), nullable=True),
    Column("idempotency_key", String(200), nullable=True),
    Column("request_hash", String(64), nullable=False),
    Column("source_format", String(16), nullable=False),  # json, ndjson, csv, xlsx, parquet, xml
    Column("mapping_profile", String(100), nullable=True),
    Column("raw_blob", String(400), nullable=False),
    Column("quarantine_blob", String(400), nullable=True),
    Column("status", String(32), nullable=False, index=True),
    Column("received_count", Integer, nullable=False, default=0),
    Column("loaded_count", Integer, nullable=False, default=0),
    Column("updated_count", Integer, nullable=False, default=0),
    Column("duplicate_count", Integer, nullable=False, default=0),
    Column("rejected_count", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("response_json", Text, nullable=True),  # the first answer, replayed for the same key
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("started_at", DateTime, nullable=True),
    Column("finished_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=False),
    # Filtered on SQL Server, whose unique indexes admit one NULL only; NULLs are distinct elsewhere.
    Index(
        "uq_ingest_batch_caller_key",
        "caller_id",
        "idempotency_key",
        unique=True,
        mssql_where=text("idempotency_key IS NOT NULL"),
    ),
)

mapping_profile = Table(
    "mapping_profile",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("vendor_id", String(64), nullable=True),
    Column("definition", Text, nullable=False),  # JSON, see shared/etl/mapping.py
    Column("updated_by", String(128), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# --- identity and audit ------------------------------------------------------------------
# An authenticated caller (token subject: Entra ``oid``) mapped to the vendor it writes for.
api_caller = Table(
    "api_caller",
    metadata,
    Column("subject", String(128), primary_key=True),
    Column("tenant_id", String(64), nullable=True),
    Column("vendor_id", String(64), ForeignKey("dim_vendor.vendor_id"), nullable=True),
    Column("description", String(200), nullable=True),
    Column("updated_at", DateTime, nullable=False),
)

# Regions a Dashboard.Read holder may see; no rows for a subject means every region.
reader_scope = Table(
    "reader_scope",
    metadata,
    Column("subject", String(128), primary_key=True),
    Column("region", String(100), primary_key=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(128), nullable=False),
    Column("client_app", String(128), nullable=True),
    Column("client_ip", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("target", String(200), nullable=True),
    Column("detail", Text, nullable=True),  # JSON
)
