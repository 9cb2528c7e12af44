"""Store-days a load left for the aggregate stage to recompute.

Revision ID: 0003_refresh_pending
Revises: 0002_summaries
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_refresh_pending"
down_revision = "0002_summaries"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_refresh_pending",
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=32), nullable=False),
        sa.Column("local_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint(
            "batch_id", "store_id", "local_date", name=op.f("pk_summary_refresh_pending")
        ),
    )


def downgrade() -> None:
    op.drop_table("summary_refresh_pending")
