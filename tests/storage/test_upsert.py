"""Upserts on SQLite and PostgreSQL for real; the SQL Server MERGE compiled with the mssql dialect
(no SQL Server can run here)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.mssql import pyodbc as mssql_pyodbc

from shared.db.engine import get_engine
from shared.db.tables import category_mapping, dim_product
from shared.db.upsert import upsert, upsert_statements

MSSQL = mssql_pyodbc.dialect(paramstyle="qmark")  # as create_engine sets it up for pyodbc


def _product(sku: str, cost: float | None = 1.5, brand: str = "Acme") -> dict:
    return {"sku": sku, "product_name": f"P {sku}", "brand": brand, "category": "Snacks", "unit_cost": cost}


def _products(url: str) -> dict[str, tuple]:
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(dim_product.c.sku, dim_product.c.brand, dim_product.c.unit_cost)).all()
    return {sku: (brand, cost) for sku, brand, cost in rows}


def test_inserts_then_updates_existing_keys(sql_url: str) -> None:
    with get_engine(sql_url).begin() as conn:
        upsert(conn, dim_product, [_product("A"), _product("B")], ["sku"])
        upsert(conn, dim_product, [_product("B", 2.0, "Beta"), _product("C", None)], ["sku"])
    assert _products(sql_url) == {"A": ("Acme", 1.5), "B": ("Beta", 2.0), "C": ("Acme", None)}


def test_update_columns_limit_what_changes(sql_url: str) -> None:
    with get_engine(sql_url).begin() as conn:
        upsert(conn, dim_product, [_product("A")], ["sku"])
        upsert(conn, dim_product, [_product("A", 9.0, "Other")], ["sku"], update_columns=["unit_cost"])
    assert _products(sql_url) == {"A": ("Acme", 9.0)}  # brand kept, cost replaced


def test_no_update_columns_keeps_existing_rows(sql_url: str) -> None:
    with get_engine(sql_url).begin() as conn:
        upsert(conn, dim_product, [_product("A")], ["sku"])
        upsert(conn, dim_product, [_product("A", 9.0), _product("B")], ["sku"], update_columns=[])
    assert _products(sql_url) == {"A": ("Acme", 1.5), "B": ("Acme", 1.5)}


def test_composite_key_across_many_chunks(sql_url: str) -> None:
    rows = [{"vendor_id": f"v{i % 3}", "source_category": f"c{i}", "category": "Old"} for i in range(2_500)]
    with get_engine(sql_url).begin() as conn:
        upsert(conn, category_mapping, rows, ["vendor_id", "source_category"])
        changed = [{**row, "category": "New"} for row in rows[::2]]
        upsert(conn, category_mapping, changed, ["vendor_id", "source_category"])
    with get_engine(sql_url).connect() as conn:
        category = category_mapping.c.category
        counts = dict(conn.execute(select(category, func.count()).group_by(category)).all())
    assert counts == {"New": 1_250, "Old": 1_250}


def test_sqlite_statement_is_one_insert_on_conflict_per_chunk() -> None:
    rows = [_product(str(i)) for i in range(2_500)]
    statements = list(upsert_statements(sqlite.dialect(), dim_product, rows, ["sku"]))
    assert len(statements) == 3  # 1,000 rows per statement
    sql = str(statements[0].compile(dialect=sqlite.dialect()))
    assert sql.startswith("INSERT INTO dim_product")
    assert "ON CONFLICT (sku) DO UPDATE SET product_name = excluded.product_name" in sql


def test_mssql_merge_shape() -> None:
    rows = [_product("A"), _product("B", None)]
    (statement,) = upsert_statements(MSSQL, dim_product, rows, ["sku"], update_columns=["unit_cost"])
    compiled = statement.compile(dialect=MSSQL)
    sql = " ".join(str(compiled).split())
    assert sql.startswith("MERGE INTO dim_product WITH (HOLDLOCK) AS target USING (VALUES (")
    assert "AS source (sku, product_name, brand, category, unit_cost) ON target.sku = source.sku" in sql
    assert "WHEN MATCHED THEN UPDATE SET target.unit_cost = source.unit_cost" in sql
    assert sql.endswith(
        "WHEN NOT MATCHED THEN INSERT (sku, product_name, brand, category, unit_cost) VALUES (source.sku, "
        "source.product_name, source.brand, source.category, source.unit_cost);"
    )
    assert sql.count("?") == 10  # every value bound (pyodbc qmark), none inlined
    assert compiled.construct_params()["p1_4"] is None


def test_mssql_chunks_stay_under_parameter_limit() -> None:
    rows = [_product(str(i)) for i in range(1_000)]
    statements = list(upsert_statements(MSSQL, dim_product, rows, ["sku"]))
    params = [len(s.compile(dialect=MSSQL).construct_params()) for s in statements]
    assert max(params) <= 2_000 and sum(params) == 5_000
