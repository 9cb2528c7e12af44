"""SQLite stores every summary table WITHOUT ROWID (rows clustered on their key, so a date-range scan
reads them in place), whether the schema comes from the migrations or from the table definitions."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from shared.analytics.summary_tables import SPECS
from shared.db.engine import dispose_engines, get_engine, migrate
from shared.db.tables import metadata


def _clustered(url: str) -> dict[str, bool]:
    with create_engine(url).connect() as conn:
        found = dict(conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
    return {spec.name: "WITHOUT ROWID" in found[spec.name].upper() for spec in SPECS}


def test_migrated_summary_tables_are_without_rowid(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    try:
        migrate(get_engine(url))
    finally:
        dispose_engines()
    assert _clustered(url) == {spec.name: True for spec in SPECS}


def test_defined_summary_tables_are_without_rowid(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'created.db'}"
    metadata.create_all(create_engine(url), tables=[spec.table for spec in SPECS])
    assert _clustered(url) == {spec.name: True for spec in SPECS}
