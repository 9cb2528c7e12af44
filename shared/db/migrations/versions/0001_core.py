"""Core schema: dimensions, facts and their history, ingest batches, mapping profiles, callers, audit.

Revision ID: 0001_core
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("audit_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("client_app", sa.String(length=128), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"], unique=False)
    op.create_table(
        "category_mapping",
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("source_category", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("vendor_id", "source_category", name=op.f("pk_category_mapping")),
    )
    op.create_table(
        "dim_product",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=True),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_dim_product")),
    )
    op.create_table(
        "dim_vendor",
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("vendor_id", name=op.f("pk_dim_vendor")),
    )
    op.create_table(
        "fact_sales_line",
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("ts_utc", sa.DateTime(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross_amount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("net_amount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=True),
        sa.Column("margin", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=True),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("loyalty_tier", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("basket_size", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("basket_lines", sa.SmallInteger(), nullable=False),
        sa.Column("is_outlier", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("transaction_id", "line_number", name=op.f("pk_fact_sales_line")),
    )
    op.create_index("ix_fact_batch", "fact_sales_line", ["batch_id"], unique=False)
    op.create_index("ix_fact_date", "fact_sales_line", ["local_date"], unique=False)
    op.create_index("ix_fact_store_date", "fact_sales_line", ["store_id", "local_date"], unique=False)
    op.create_table(
        "fact_sales_line_history",
        sa.Column("history_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("transaction_id", sa.String(length=64), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("ts_utc", sa.DateTime(), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross_amount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("net_amount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("unit_cost", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=True),
        sa.Column("margin", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=True),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=True),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("loyalty_tier", sa.String(length=32), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("basket_size", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("basket_lines", sa.SmallInteger(), nullable=False),
        sa.Column("is_outlier", sa.Boolean(), nullable=False),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_by_batch", sa.String(length=64), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("history_id", name=op.f("pk_fact_sales_line_history")),
    )
    op.create_index(
        "ix_fact_history_line", "fact_sales_line_history", ["transaction_id", "line_number"], unique=False
    )
    op.create_index("ix_fact_history_batch", "fact_sales_line_history", ["replaced_by_batch"], unique=False)
    op.create_table(
        "ingest_batch",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("caller_id", sa.String(length=128), nullable=False),
        sa.Column("client_app", sa.String(length=128), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("source_format", sa.String(length=16), nullable=False),
        sa.Column("mapping_profile", sa.String(length=100), nullable=True),
        sa.Column("raw_blob", sa.String(length=400), nullable=False),
        sa.Column("quarantine_blob", sa.String(length=400), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("received_count", sa.Integer(), nullable=False),
        sa.Column("loaded_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("duplicate_count", sa.Integer(), nullable=False),
        sa.Column("rejected_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_json", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id", name=op.f("pk_ingest_batch")),
    )
    # Filtered on SQL Server, whose unique indexes admit one NULL only; NULLs are distinct elsewhere.
    op.create_index(
        "uq_ingest_batch_caller_key",
        "ingest_batch",
        ["caller_id", "idempotency_key"],
        unique=True,
        mssql_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_index(op.f("ix_ingest_batch_created_at"), "ingest_batch", ["created_at"], unique=False)
    op.create_index(op.f("ix_ingest_batch_status"), "ingest_batch", ["status"], unique=False)
    op.create_index(op.f("ix_ingest_batch_vendor_id"), "ingest_batch", ["vendor_id"], unique=False)
    op.create_table(
        "mapping_profile",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=True),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_mapping_profile")),
    )
    op.create_table(
        "reader_scope",
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("subject", "region", name=op.f("pk_reader_scope")),
    )
    op.create_table(
        "api_caller",
        sa.Column("subject", sa.String(length=128), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("vendor_id", sa.String(length=64), nullable=True),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["dim_vendor.vendor_id"], name=op.f("fk_api_caller_vendor_id_dim_vendor")
        ),
        sa.PrimaryKeyConstraint("subject", name=op.f("pk_api_caller")),
    )
    op.create_table(
        "dim_store",
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("vendor_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["vendor_id"], ["dim_vendor.vendor_id"], name=op.f("fk_dim_store_vendor_id_dim_vendor")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_dim_store")),
    )
    op.create_index(op.f("ix_dim_store_region"), "dim_store", ["region"], unique=False)
    op.create_index(op.f("ix_dim_store_vendor_id"), "dim_store", ["vendor_id"], unique=False)


def downgrade() -> None:
    for table in (
        "dim_store",
        "api_caller",
        "reader_scope",
        "mapping_profile",
        "ingest_batch",
        "fact_sales_line_history",
        "fact_sales_line",
        "dim_vendor",
        "dim_product",
        "category_mapping",
        "audit_log",
    ):
        op.drop_table(table)
