"""A store's SKUs and brands by month (``sum_store_month_sku``, ``sum_store_month_brand``), grouped
from the fact lines already there, so a store filter on ``/api/products`` reads them.

Revision ID: 0005_store_month_sku_brand
Revises: 0004_summary_change
"""

import sqlalchemy as sa
from alembic import op

from shared.analytics.sql_dates import month_start

revision = "0005_store_month_sku_brand"
down_revision = "0004_summary_change"
branch_labels = None
depends_on = None

MEASURES = ("revenue", "gross", "discount", "units", "lines", "transactions", "discounted_transactions")


def _measure_columns() -> list[sa.Column]:
    money = sa.Numeric(precision=18, scale=4, asdecimal=False)
    return [
        sa.Column("revenue", money, nullable=False),
        sa.Column("gross", money, nullable=False),
        sa.Column("discount", money, nullable=False),
        sa.Column("units", sa.Numeric(precision=12, scale=3, asdecimal=False), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("discounted_transactions", sa.Integer(), nullable=False),
    ]


def _create(name: str, dims: list[sa.Column]) -> None:
    keys = [c.name for c in dims]
    op.create_table(
        name,
        *dims,
        *_measure_columns(),
        sa.PrimaryKeyConstraint(*keys, name=op.f(f"pk_{name}")),
        sqlite_with_rowid=False,
    )
    store_first = ["store_id", "month", *(k for k in keys if k not in ("store_id", "month"))]
    op.create_index(op.f(f"ix_{name}_store"), name, [*store_first, *MEASURES], unique=False)


def _fill(name: str, dims: list[str]) -> None:
    fact = sa.table(
        "fact_sales_line",
        *(sa.column(c) for c in ("local_date", "store_id", "sku", "brand", "category", "transaction_id")),
        *(sa.column(c) for c in ("net_amount", "gross_amount", "discount", "quantity")),
    )
    target = sa.table(name, *(sa.column(c) for c in (*dims, *MEASURES)))
    month = month_start(fact.c.local_date)
    groups = [month if d == "month" else fact.c[d] for d in dims]
    discounted = sa.case((fact.c.discount > 0, fact.c.transaction_id))
    grouped = sa.select(
        *groups,
        sa.func.sum(fact.c.net_amount),
        sa.func.sum(fact.c.gross_amount),
        sa.func.sum(fact.c.discount),
        sa.func.sum(fact.c.quantity),
        sa.func.count(),
        sa.func.count(sa.distinct(fact.c.transaction_id)),
        sa.func.count(sa.distinct(discounted)),
    ).group_by(*groups)
    op.execute(target.insert().from_select([*dims, *MEASURES], grouped))


def _dimension(name: str) -> sa.Column:
    if name == "month":
        return sa.Column(name, sa.Date(), nullable=False)
    return sa.Column(name, sa.String(length={"store_id": 32, "sku": 64}.get(name, 100)), nullable=False)


def upgrade() -> None:
    for name, dims in (
        ("sum_store_month_sku", ["month", "store_id", "sku", "brand", "category"]),
        ("sum_store_month_brand", ["month", "store_id", "brand"]),
    ):
        _create(name, [_dimension(d) for d in dims])
        _fill(name, dims)


def downgrade() -> None:
    op.drop_table("sum_store_month_brand")
    op.drop_table("sum_store_month_sku")
