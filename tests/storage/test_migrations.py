"""Migrations on SQLite and PostgreSQL: head reached, re-run harmless, no drift from ``tables.py``."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Table, inspect, select
from sqlalchemy.exc import OperationalError

from shared.db import tables
from shared.db.engine import alembic_config, current_revision, get_engine, head_revision, migrate, ping
from shared.db.schema import full_metadata

REPO = Path(__file__).resolve().parents[2]
CORE_TABLES = {value.name for value in vars(tables).values() if isinstance(value, Table)}


def _schema_drift(url: str) -> list:
    with get_engine(url).connect() as conn:
        assert current_revision(conn) == head_revision()
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, full_metadata())


def _table_of(item) -> str:
    kind, *args = item[0] if isinstance(item, list) else item  # modify_* items come as lists
    if kind.endswith("_table"):
        return args[0].name
    if kind.endswith(("_index", "_constraint", "_fk")):
        return args[0].table.name
    return args[1]  # add_column, remove_column, modify_*: (schema, table, ...)


def test_core_tables_migrated_without_drift(sql_url: str) -> None:
    drift = [item for item in _schema_drift(sql_url) if _table_of(item) in CORE_TABLES]
    assert drift == []
    assert set(inspect(get_engine(sql_url)).get_table_names()) >= CORE_TABLES


def test_every_declared_table_has_a_migration(sql_url: str) -> None:
    """Tables declared on the shared metadata elsewhere (analytics summaries) need their migration too."""
    assert _schema_drift(sql_url) == []


def test_migrate_again_changes_nothing(sql_url: str) -> None:
    engine = get_engine(sql_url)
    migrate(engine)
    migrate(engine)
    assert ping(sql_url) == {"dialect": engine.dialect.name, "revision": head_revision()}


def test_first_revision_is_core_and_head_descends_from_it() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    revisions = [rev.revision for rev in script.walk_revisions()]
    assert revisions[-1] == "0001_core"
    assert revisions[0] == head_revision()


def test_concurrent_migrations_on_one_sqlite_file(tmp_path) -> None:
    """Two processes start on an empty file at once: one migrates, the other finds it at head."""
    url = f"sqlite:///{tmp_path / 'race.db'}"
    code = "import sys; from shared.db.engine import get_engine, migrate; migrate(get_engine(sys.argv[1]))"
    workers = [subprocess.Popen([sys.executable, "-c", code, url], cwd=REPO) for _ in range(2)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert ping(url)["revision"] == head_revision()


def test_ping_raises_when_database_unreachable() -> None:
    from tests.support.host import free_port

    with pytest.raises(OperationalError):
        ping(f"postgresql+psycopg://scout@127.0.0.1:{free_port()}/nothing?connect_timeout=2")


@pytest.mark.postgres
def test_concurrent_migrations_on_one_postgres_database(postgres_server) -> None:
    """Three connections migrate an empty database at once; the advisory lock lets one do it."""
    url = postgres_server.create_database()
    engine = get_engine(url)
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda _: migrate(engine), range(3)))
    assert ping(url)["revision"] == head_revision()
    engine.dispose()


def test_downgrade_to_base_and_up_again(sql_url: str) -> None:
    engine = get_engine(sql_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert _schema_drift(sql_url) == []


def test_store_month_summaries_are_filled_from_facts_already_loaded(sql_url: str) -> None:
    """0005 adds summaries to a database that may hold years of lines: it groups them from the
    fact table, so the new tables agree with it from the start (no drift, not merely empty)."""
    from datetime import date

    from shared.analytics import summaries
    from shared.analytics.summary_tables import SPECS_BY_NAME
    from tests.analytics import fact_rows

    engine = get_engine(sql_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004_summary_change")  # the fixture's database is at head
    stores, products = fact_rows.dimensions(4, 12, seed=3)
    fact_rows.load_dimensions(engine, stores, products)
    fact_rows.load_lines(engine, fact_rows.lines(stores, products, date(2025, 1, 20), 45, 6, seed=3))
    migrate(engine)
    report = summaries.drift(engine)
    for name in ("sum_store_month_sku", "sum_store_month_brand"):
        assert name not in report, report.get(name)
        with engine.connect() as conn:
            months = conn.scalars(select(SPECS_BY_NAME[name].table.c.month).distinct()).all()
        assert sorted(str(m) for m in months) == ["2025-01-01", "2025-02-01", "2025-03-01"]
