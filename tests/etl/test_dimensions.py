"""Dimension loading: validated rows, upserts (a second load changes nothing), the CLI."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from shared.db.engine import get_engine
from shared.db.tables import dim_product, dim_store, dim_vendor
from shared.dimensions import load, main, read_rows
from shared.errors import ApiError
from tests.etl.conftest import FIXTURES, NOW


def _rows(kind: str) -> list[dict]:
    return read_rows((FIXTURES / f"{kind}.csv").read_bytes(), "csv")


def _count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def test_load_is_an_upsert_and_creates_missing_vendors(sql_url):
    engine = get_engine(sql_url)
    assert load(engine, {"stores": _rows("stores"), "products": _rows("products")}, NOW) == {
        "vendors": 2,
        "stores": 3,
        "products": 3,
    }
    products = _rows("products")
    products[0]["unit_cost"] = "12.5"
    load(engine, {"stores": _rows("stores"), "products": products}, NOW)
    assert (_count(engine, dim_vendor), _count(engine, dim_store), _count(engine, dim_product)) == (2, 3, 3)
    with engine.connect() as conn:
        assert conn.scalar(select(dim_product.c.unit_cost).where(dim_product.c.sku == "SKU-1")) == 12.5
        assert conn.scalar(select(dim_vendor.c.name).where(dim_vendor.c.vendor_id == "acme")) == "acme"


def test_bad_rows_are_all_reported_and_nothing_is_written(tmp_path):
    engine = get_engine(f"sqlite:///{tmp_path / 'd.db'}")
    from shared.db.engine import migrate

    migrate(engine)
    stores = _rows("stores")
    stores[0]["lat"] = "95"
    stores[1]["vendor"] = "mass-assigned"
    del stores[2]["region"]
    with pytest.raises(ApiError) as caught:
        load(engine, {"stores": stores, "products": _rows("products")}, NOW)
    assert caught.value.code == "invalid_rows"
    assert [(d["row"], d["field"], d["code"]) for d in caught.value.details] == [
        (1, "lat", "less_than_equal"),
        (2, "vendor", "extra_forbidden"),
        (3, "region", "missing"),
    ]
    assert _count(engine, dim_product) == 0


def test_repeated_key_in_one_file_is_refused():
    from shared.dimensions import checked_rows

    with pytest.raises(ApiError) as caught:
        checked_rows("products", _rows("products") + _rows("products")[:1])
    assert caught.value.code == "duplicate_key"


@pytest.mark.parametrize(
    ("data", "fmt", "code"),
    [
        (b"[1]", "json", "malformed_json"),
        (b"{", "json", "malformed_json"),
        (b"a,b\n1,2,3\n", "csv", "malformed_csv"),
        (b"a", "xlsx", "unsupported_format"),
    ],
)
def test_unreadable_files(data, fmt, code):
    with pytest.raises(ApiError) as caught:
        read_rows(data, fmt)
    assert caught.value.code == code


def test_cli_loads_csv_and_json(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    products_json = tmp_path / "products.json"
    products_json.write_text(json.dumps(_rows("products")))
    main(
        [
            "load",
            "--stores",
            str(FIXTURES / "stores.csv"),
            "--products",
            str(products_json),
            "--category-map",
            str(FIXTURES / "category_map.csv"),
            "--sql-url",
            url,
        ]
    )
    assert "3 stores" in capsys.readouterr().out
    assert _count(get_engine(url), dim_product) == 3
