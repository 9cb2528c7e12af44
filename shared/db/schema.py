"""The whole schema as one MetaData: the core tables and the analytics summaries declared on it.

Migrations are checked against it (no drift between the table modules and ``migrations/``).
"""

from __future__ import annotations

from sqlalchemy import MetaData

import shared.analytics.summary_tables  # noqa: F401 - declares the summary tables on ``metadata``
from shared.db.tables import metadata


def full_metadata() -> MetaData:
    return metadata
