"""Master data into the dimension tables: vendors, stores, products, category mappings.

Rows come from CSV or JSON (an array of objects), are checked against the pydantic models in
``shared.schema`` (every bad row reported, nothing written), and are upserted, so loading the
same file twice changes nothing. Stores may name a vendor not yet registered: it is created
with its id as its name.

    python -m shared.dimensions load --stores stores.csv --products products.csv \\
        [--vendors vendors.csv] [--category-map category_map.csv]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, Table, select

from shared.db.tables import category_mapping, dim_product, dim_store, dim_vendor
from shared.db.upsert import upsert
from shared.errors import ApiError
from shared.schema import CategoryMappingIn, ProductIn, StoreIn, VendorIn

# kind -> (model, table, key columns); loaded in this order so foreign keys hold.
KINDS: dict[str, tuple[type[BaseModel], Table, tuple[str, ...]]] = {
    "vendors": (VendorIn, dim_vendor, ("vendor_id",)),
    "stores": (StoreIn, dim_store, ("store_id",)),
    "products": (ProductIn, dim_product, ("sku",)),
    "category_map": (CategoryMappingIn, category_mapping, ("vendor_id", "source_category")),
}
MAX_ERRORS = 50


def read_rows(data: bytes, fmt: str) -> list[dict[str, Any]]:
    """Rows from CSV (header row) or JSON (array of objects); empty CSV cells become missing."""
    if fmt == "json":
        try:
            rows = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ApiError(400, "malformed_json", f"The body is not valid JSON: {exc}.") from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ApiError(400, "malformed_json", "The body must be a JSON array of objects.")
        return rows
    if fmt == "csv":
        try:
            reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")), strict=True)
            rows = [{k: v for k, v in r.items() if v not in ("", None)} for r in reader]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ApiError(400, "malformed_csv", f"The CSV cannot be read: {exc}.") from exc
        if any(None in r for r in rows):
            raise ApiError(400, "malformed_csv", "A row has more fields than the header.")
        return rows
    raise ApiError(415, "unsupported_format", f"Dimension files are CSV or JSON, not {fmt!r}.")


def checked_rows(kind: str, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows validated by the kind's model; 422 ``invalid_rows`` with every failure otherwise."""
    model = KINDS[kind][0]
    good, errors = [], []
    for n, row in enumerate(rows, start=1):
        try:
            good.append(model.model_validate(dict(row)).model_dump())
        except ValidationError as exc:
            errors += [
                {"row": n, "field": ".".join(map(str, e["loc"])), "code": e["type"], "message": e["msg"]}
                for e in exc.errors()
            ]
    if errors:
        raise ApiError(
            422, "invalid_rows", f"{kind}: {len(errors)} problem(s) in the rows.", details=errors[:MAX_ERRORS]
        )
    keys = KINDS[kind][2]
    seen: set[tuple[Any, ...]] = set()
    for n, row in enumerate(good, start=1):
        key = tuple(row[k] for k in keys)
        if key in seen:
            raise ApiError(422, "duplicate_key", f"{kind}: row {n} repeats key {key}.", details=[{"row": n}])
        seen.add(key)
    return good


def load(
    engine: Engine, rows_by_kind: Mapping[str, Sequence[Mapping[str, Any]]], now: datetime
) -> dict[str, int]:
    """Validate every kind given, then upsert all of them in one transaction; rows per kind."""
    unknown = sorted(set(rows_by_kind) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown dimension kinds: {unknown}")
    checked = {kind: checked_rows(kind, rows_by_kind[kind]) for kind in KINDS if kind in rows_by_kind}
    stamp = now.astimezone(UTC).replace(tzinfo=None)
    counts: dict[str, int] = {}
    with engine.begin() as conn:
        named = {r["vendor_id"] for r in checked.get("vendors", [])}
        wanted = {
            r["vendor_id"] for kind in ("stores", "category_map") for r in checked.get(kind, [])
        } - named
        if wanted:
            known = set(
                conn.execute(
                    select(dim_vendor.c.vendor_id).where(dim_vendor.c.vendor_id.in_(wanted))
                ).scalars()
            )
            checked.setdefault("vendors", []).extend(
                {"vendor_id": v, "name": v} for v in sorted(wanted - known)
            )
        for kind, rows in sorted(checked.items(), key=lambda kv: list(KINDS).index(kv[0])):
            _model, table, keys = KINDS[kind]
            if kind == "vendors":
                rows = [{**r, "created_at": stamp} for r in rows]
            if kind == "stores":
                rows = [
                    {**r, "opened_on": date.fromisoformat(r["opened_on"]) if r["opened_on"] else None}
                    for r in rows
                ]
            if rows:
                upsert(conn, table, rows, keys, None if kind != "vendors" else ["name"])
            counts[kind] = len(rows)
    return counts


def _format_of(path: Path) -> str:
    return "json" if path.suffix.lower() == ".json" else "csv"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.dimensions", description="Load master data.")
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("load", help="upsert dimension rows from CSV or JSON files")
    for kind in KINDS:
        cmd.add_argument(f"--{kind.replace('_', '-')}", type=Path, dest=kind)
    cmd.add_argument("--sql-url", default=None, help="default: SCOUT_SQL_URL or SQLite in the data dir")
    args = parser.parse_args(argv)
    from shared.db.engine import ensure_schema

    rows = {
        kind: read_rows(getattr(args, kind).read_bytes(), _format_of(getattr(args, kind)))
        for kind in KINDS
        if getattr(args, kind)
    }
    if not rows:
        parser.error("give at least one of " + ", ".join(f"--{k.replace('_', '-')}" for k in KINDS))
    try:
        counts = load(ensure_schema(args.sql_url), rows, datetime.now(UTC))
    except ApiError as err:
        raise SystemExit(json.dumps(err.to_dict(), indent=2)) from err
    print(", ".join(f"{n} {kind}" for kind, n in counts.items()))


if __name__ == "__main__":
    main()
