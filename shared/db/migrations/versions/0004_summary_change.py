"""Changes to summary tables that processes keep in memory, for their copies to follow.

Revision ID: 0004_summary_change
Revises: 0003_refresh_pending
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_summary_change"
down_revision = "0003_refresh_pending"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_change",
        sa.Column("version", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=True),
        sa.Column("date_to", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_summary_change")),
    )


def downgrade() -> None:
    op.drop_table("summary_change")
