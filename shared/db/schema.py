"""The whole schema as one MetaData: core tables plus the analytics summaries when present.

Migrations are checked against it (no drift between ``tables.py`` and ``migrations/``).
"""

from __future__ import annotations

import importlib
import importlib.util

from sqlalchemy import MetaData

from shared.db.tables import metadata

# Modules that declare further tables on the same ``metadata``; each owner adds its migration.
TABLE_MODULES = ("shared.analytics.summary_tables",)


def full_metadata() -> MetaData:
    for module in TABLE_MODULES:
        if importlib.util.find_spec(module.rsplit(".", 1)[0]) and importlib.util.find_spec(module):
            importlib.import_module(module)
    return metadata
