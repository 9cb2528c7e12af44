"""Analytics summary tables (see ``shared/analytics/summary_tables.py``, which they must match;
SQLite stores them WITHOUT ROWID, clustered on their key).

Revision ID: 0002_summaries
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_summaries"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sum_store_day",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "store_id", name=op.f("pk_sum_store_day")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_sum_store_day_store"),
        "sum_store_day",
        [
            "store_id",
            "local_date",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_table(
        "sum_store_day_category",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "store_id", "category", name=op.f("pk_sum_store_day_category")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_sum_store_day_category_store"),
        "sum_store_day_category",
        [
            "store_id",
            "local_date",
            "category",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_table(
        "sum_region_day_brand",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "region", "brand", name=op.f("pk_sum_region_day_brand")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_sku",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "region", "sku", "brand", "category", name=op.f("pk_sum_region_day_sku")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_hour",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "region", "weekday", "local_hour", name=op.f("pk_sum_region_day_hour")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_basket",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "region", "size_bucket", "value_bucket", name=op.f("pk_sum_region_day_basket")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_payment",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "region", "payment_method", name=op.f("pk_sum_region_day_payment")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_customer_store_day",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("loyalty_tier", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date",
            "store_id",
            "customer_key",
            "age_band",
            "gender",
            "loyalty_tier",
            name=op.f("pk_sum_customer_store_day"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_sum_customer_store_day_customer"),
        "sum_customer_store_day",
        ["customer_key", "local_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sum_customer_store_day_store"),
        "sum_customer_store_day",
        [
            "store_id",
            "local_date",
            "customer_key",
            "age_band",
            "gender",
            "loyalty_tier",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
            "first_date",
            "last_date",
        ],
        unique=False,
    )
    op.create_table(
        "pair_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sku_a", sa.String(length=64), nullable=False),
        sa.Column("sku_b", sa.String(length=64), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "sku_a", "sku_b", name=op.f("pk_pair_month")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_category_hour",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date",
            "region",
            "category",
            "weekday",
            "local_hour",
            name=op.f("pk_sum_region_day_category_hour"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_category_basket",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date",
            "region",
            "category",
            "size_bucket",
            "value_bucket",
            name=op.f("pk_sum_region_day_category_basket"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_category_payment",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date",
            "region",
            "category",
            "payment_method",
            name=op.f("pk_sum_region_day_category_payment"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_category_hour",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "category", "weekday", "local_hour", name=op.f("pk_sum_day_category_hour")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_category_basket",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "category", "size_bucket", "value_bucket", name=op.f("pk_sum_day_category_basket")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_category_payment",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "category", "payment_method", name=op.f("pk_sum_day_category_payment")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "region", name=op.f("pk_sum_region_day")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_category",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "region", "category", name=op.f("pk_sum_region_day_category")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", name=op.f("pk_sum_day")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_category",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "category", name=op.f("pk_sum_day_category")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_brand",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "brand", name=op.f("pk_sum_day_brand")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_sku",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "sku", "brand", "category", name=op.f("pk_sum_day_sku")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_hour",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "weekday", "local_hour", name=op.f("pk_sum_day_hour")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_basket",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "size_bucket", "value_bucket", name=op.f("pk_sum_day_basket")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_payment",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "payment_method", name=op.f("pk_sum_day_payment")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_store_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "store_id", name=op.f("pk_sum_store_month")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_sum_store_month_store"),
        "sum_store_month",
        [
            "store_id",
            "month",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_table(
        "sum_store_month_category",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "store_id", "category", name=op.f("pk_sum_store_month_category")),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_sum_store_month_category_store"),
        "sum_store_month_category",
        [
            "store_id",
            "month",
            "category",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_table(
        "sum_region_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "region", name=op.f("pk_sum_region_month")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_category",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "region", "category", name=op.f("pk_sum_region_month_category")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_brand",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "region", "brand", name=op.f("pk_sum_region_month_brand")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_sku",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region", "sku", "brand", "category", name=op.f("pk_sum_region_month_sku")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_hour",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region", "weekday", "local_hour", name=op.f("pk_sum_region_month_hour")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_basket",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region", "size_bucket", "value_bucket", name=op.f("pk_sum_region_month_basket")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_payment",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region", "payment_method", name=op.f("pk_sum_region_month_payment")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_customer_region_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=False),
        sa.Column("gender", sa.String(length=16), nullable=False),
        sa.Column("loyalty_tier", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "region",
            "customer_key",
            "age_band",
            "gender",
            "loyalty_tier",
            name=op.f("pk_sum_customer_region_month"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        op.f("ix_sum_customer_region_month_customer"),
        "sum_customer_region_month",
        ["customer_key", "month"],
        unique=False,
    )
    op.create_table(
        "sum_month_category_hour",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "category", "weekday", "local_hour", name=op.f("pk_sum_month_category_hour")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_category_basket",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "category", "size_bucket", "value_bucket", name=op.f("pk_sum_month_category_basket")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_category_payment",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "category", "payment_method", name=op.f("pk_sum_month_category_payment")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_sum_month")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_category",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "category", name=op.f("pk_sum_month_category")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_sku",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "sku", "brand", "category", name=op.f("pk_sum_month_sku")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_brand",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "brand", name=op.f("pk_sum_month_brand")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_hour",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "weekday", "local_hour", name=op.f("pk_sum_month_hour")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_basket",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "size_bucket", "value_bucket", name=op.f("pk_sum_month_basket")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_payment",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "payment_method", name=op.f("pk_sum_month_payment")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "pair_region_day",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("sku_a", sa.String(length=64), nullable=False),
        sa.Column("sku_b", sa.String(length=64), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "region", "sku_a", "sku_b", name=op.f("pk_pair_region_day")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "pair_region_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("sku_a", sa.String(length=64), nullable=False),
        sa.Column("sku_b", sa.String(length=64), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "region", "sku_a", "sku_b", name=op.f("pk_pair_region_month")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_day_category_brand",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("local_date", "category", "brand", name=op.f("pk_sum_day_category_brand")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_month_category_brand",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "category", "brand", name=op.f("pk_sum_month_category_brand")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_day_category_brand",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "region", "category", "brand", name=op.f("pk_sum_region_day_category_brand")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_category_basket",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "region",
            "category",
            "size_bucket",
            "value_bucket",
            name=op.f("pk_sum_region_month_category_basket"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_category_brand",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region", "category", "brand", name=op.f("pk_sum_region_month_category_brand")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_category_hour",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month",
            "region",
            "category",
            "weekday",
            "local_hour",
            name=op.f("pk_sum_region_month_category_hour"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_region_month_category_payment",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "region", "category", "payment_method", name=op.f("pk_sum_region_month_category_payment")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "sum_store_day_basket",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("size_bucket", sa.String(length=16), nullable=False),
        sa.Column("value_bucket", sa.String(length=16), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "store_id", "size_bucket", "value_bucket", name=op.f("pk_sum_store_day_basket")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_sum_store_day_basket_store",
        "sum_store_day_basket",
        [
            "store_id",
            "local_date",
            "size_bucket",
            "value_bucket",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_table(
        "sum_store_day_hour",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("local_hour", sa.SmallInteger(), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "store_id", "weekday", "local_hour", name=op.f("pk_sum_store_day_hour")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_sum_store_day_hour_store",
        "sum_store_day_hour",
        [
            "store_id",
            "local_date",
            "weekday",
            "local_hour",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_table(
        "sum_store_day_payment",
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("payment_method", sa.String(length=32), nullable=False),
        sa.Column("revenue", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("gross", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("discount", sa.Numeric(precision=18, scale=4, asdecimal=False), nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "local_date", "store_id", "payment_method", name=op.f("pk_sum_store_day_payment")
        ),
        sqlite_with_rowid=False,
    )
    op.create_index(
        "ix_sum_store_day_payment_store",
        "sum_store_day_payment",
        [
            "store_id",
            "local_date",
            "payment_method",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )
    op.create_index(
        op.f("ix_sum_region_day_category_region_category"),
        "sum_region_day_category",
        ["region", "category", "local_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sum_region_day_category_payment_region_category"),
        "sum_region_day_category_payment",
        ["region", "category", "local_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_sum_store_day_category_category"),
        "sum_store_day_category",
        [
            "category",
            "local_date",
            "store_id",
            "revenue",
            "gross",
            "discount",
            "units",
            "lines",
            "transactions",
            "discounted_transactions",
        ],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("sum_store_day_payment")
    op.drop_table("sum_store_day_hour")
    op.drop_table("sum_store_day_basket")
    op.drop_table("sum_region_month_category_payment")
    op.drop_table("sum_region_month_category_hour")
    op.drop_table("sum_region_month_category_brand")
    op.drop_table("sum_region_month_category_basket")
    op.drop_table("sum_region_day_category_brand")
    op.drop_table("sum_month_category_brand")
    op.drop_table("sum_day_category_brand")
    op.drop_table("pair_region_month")
    op.drop_table("pair_region_day")
    op.drop_table("sum_month_payment")
    op.drop_table("sum_month_basket")
    op.drop_table("sum_month_hour")
    op.drop_table("sum_month_brand")
    op.drop_table("sum_month_sku")
    op.drop_table("sum_month_category")
    op.drop_table("sum_month")
    op.drop_table("sum_month_category_payment")
    op.drop_table("sum_month_category_basket")
    op.drop_table("sum_month_category_hour")
    op.drop_table("sum_customer_region_month")
    op.drop_table("sum_region_month_payment")
    op.drop_table("sum_region_month_basket")
    op.drop_table("sum_region_month_hour")
    op.drop_table("sum_region_month_sku")
    op.drop_table("sum_region_month_brand")
    op.drop_table("sum_region_month_category")
    op.drop_table("sum_region_month")
    op.drop_table("sum_store_month_category")
    op.drop_table("sum_store_month")
    op.drop_table("sum_day_payment")
    op.drop_table("sum_day_basket")
    op.drop_table("sum_day_hour")
    op.drop_table("sum_day_sku")
    op.drop_table("sum_day_brand")
    op.drop_table("sum_day_category")
    op.drop_table("sum_day")
    op.drop_table("sum_region_day_category")
    op.drop_table("sum_region_day")
    op.drop_table("sum_day_category_payment")
    op.drop_table("sum_day_category_basket")
    op.drop_table("sum_day_category_hour")
    op.drop_table("sum_region_day_category_payment")
    op.drop_table("sum_region_day_category_basket")
    op.drop_table("sum_region_day_category_hour")
    op.drop_table("pair_month")
    op.drop_table("sum_customer_store_day")
    op.drop_table("sum_region_day_payment")
    op.drop_table("sum_region_day_basket")
    op.drop_table("sum_region_day_hour")
    op.drop_table("sum_region_day_sku")
    op.drop_table("sum_region_day_brand")
    op.drop_table("sum_store_day_category")
    op.drop_table("sum_store_day")
