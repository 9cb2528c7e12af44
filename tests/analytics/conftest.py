"""A loaded database per backend (SQLite, PostgreSQL), shared by a test module: generated
dimensions and lines, summaries rebuilt, plus the pandas reference over the same lines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import Engine

from shared.db.engine import dispose_engines, get_engine, migrate
from tests.analytics import fact_rows
from tests.analytics.reference import Reference

START = date(2025, 1, 1)
DAYS = 75
SILENT_STORE = "S0009"  # the last generated store never sells


@dataclass
class Loaded:
    engine: Engine
    lines: pd.DataFrame
    stores: pd.DataFrame
    reference: Reference


def load(engine: Engine, seed: int = 7) -> Loaded:
    stores, products = fact_rows.dimensions(10, 30, seed)
    lines = fact_rows.lines(stores, products, START, DAYS, 9, seed)
    fact_rows.load_summarised(engine, stores, products, lines)
    return Loaded(engine, lines, stores, Reference(lines, stores))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('analytics') / 'scout.db'}"
        migrate(get_engine(url))
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.create_database(template=server.template)
    try:
        yield load(get_engine(url))
    finally:
        dispose_engines()
