"""Summary tables: pre-aggregated fact lines at several levels, so every endpoint reads few rows.

Each :class:`SummarySpec` names its dimensions and its source: the fact table (``source=None``)
or a finer summary it rolls up (store -> region, day -> month). Every table carries the same
measures. ``transactions`` counts distinct transactions; it adds up across stores, regions,
days, hours and any transaction attribute, but not across categories, brands or SKUs (a basket
spans several), which the planner (``planner.py``) respects.

Sizes at 10M lines (500 stores, 17 regions, 730 days, ~10 categories, ~60 brands, ~200 SKUs) are
noted per table; the planner picks the smallest table that can answer a query.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Date, Index, Integer, SmallInteger, String, Table

from shared.db.tables import Money, Qty, metadata

# Dimensions a summary may have: column type, and whether the value belongs to a line (so
# distinct transactions cannot be summed across it) rather than to the whole transaction.
DIMENSIONS: dict[str, tuple[type, int | None, bool]] = {
    "local_date": (Date, None, False),
    "month": (Date, None, False),
    "store_id": (String, 32, False),
    "region": (String, 100, False),
    "category": (String, 100, True),
    "brand": (String, 100, True),
    "sku": (String, 64, True),
    "weekday": (SmallInteger, None, False),
    "local_hour": (SmallInteger, None, False),
    "payment_method": (String, 32, False),
    "size_bucket": (String, 16, False),
    "value_bucket": (String, 16, False),
    "customer_key": (String, 64, False),
    "age_band": (String, 16, False),
    "gender": (String, 16, False),
    "loyalty_tier": (String, 32, False),
    "sku_a": (String, 64, True),  # a product pair, sku_a < sku_b
    "sku_b": (String, 64, True),
}
LINE_DIMENSIONS = frozenset(name for name, (_t, _l, line) in DIMENSIONS.items() if line)
# A SKU has one brand and one category: grouping by SKU keeps distinct counts exact for both.
DETERMINED_BY = {"sku": frozenset({"brand", "category"})}

MEASURES: tuple[str, ...] = (
    "revenue",
    "gross",
    "discount",
    "units",
    "lines",
    "transactions",
    "discounted_transactions",
)
INTEGER_MEASURES = frozenset({"lines", "transactions", "discounted_transactions"})
DATE_MEASURES = frozenset({"first_date", "last_date"})
CUSTOMER_MEASURES = (*MEASURES, "first_date", "last_date")
PAIR_MEASURES = ("transactions",)  # transactions containing both SKUs

UNKNOWN = "unknown"  # stored for a missing age band, gender or loyalty tier


@dataclass(frozen=True)
class SummarySpec:
    name: str
    dims: tuple[str, ...]  # the first is the time dimension: local_date or month
    source: str | None = None  # None: computed from the fact table; else rolled up from that summary
    only_identified: bool = False  # lines with a customer key only
    measures: tuple[str, ...] = MEASURES
    in_memory: bool = False  # a process keeps a copy: its changes go to ``summary_change``

    @property
    def time_dim(self) -> str:
        return self.dims[0]

    @property
    def location(self) -> str | None:
        """``store_id`` or ``region`` (a refresh recomputes rows there); None: chain-wide rows."""
        return next((d for d in self.dims[1:2] if d in ("store_id", "region")), None)

    @property
    def pairs(self) -> bool:
        return "sku_a" in self.dims

    @property
    def table(self) -> Table:
        return TABLES[self.name]


# Asked per day or week over long ranges (trend and payment-mix series): with a region + category
# filter these read only their rows through an index.
DAILY_SERIES_BY_REGION_CATEGORY = frozenset({"sum_region_day_category", "sum_region_day_category_payment"})

_CUSTOMER = ("customer_key", "age_band", "gender", "loyalty_tier")
SPECS: tuple[SummarySpec, ...] = (
    # day level, from the fact table (rows at 10M lines: 500 stores, 17 regions, 730 days)
    SummarySpec("sum_store_day", ("local_date", "store_id")),  # 365k
    SummarySpec("sum_store_day_category", ("local_date", "store_id", "category")),  # 2.9M
    SummarySpec("sum_region_day_brand", ("local_date", "region", "brand")),  # ~900k
    SummarySpec("sum_region_day_sku", ("local_date", "region", "sku", "brand", "category")),  # ~3M
    SummarySpec("sum_store_day_hour", ("local_date", "store_id", "weekday", "local_hour")),  # ~3M
    SummarySpec("sum_store_day_basket", ("local_date", "store_id", "size_bucket", "value_bucket")),  # ~2.5M
    SummarySpec("sum_store_day_payment", ("local_date", "store_id", "payment_method")),  # ~1.5M
    SummarySpec(
        "sum_customer_store_day",
        ("local_date", "store_id", *_CUSTOMER),
        only_identified=True,
        measures=CUSTOMER_MEASURES,
        in_memory=True,
    ),  # one row per customer visit day
    # a transaction falls on one day in one store, so pair counts add up over regions and days
    SummarySpec("pair_region_day", ("local_date", "region", "sku_a", "sku_b"), measures=PAIR_MEASURES),
    SummarySpec("sum_region_day_category_brand", ("local_date", "region", "category", "brand")),  # ~500k
    SummarySpec(
        "sum_region_day_category_hour", ("local_date", "region", "category", "weekday", "local_hour")
    ),  # ~1.3M
    SummarySpec(
        "sum_region_day_category_basket", ("local_date", "region", "category", "size_bucket", "value_bucket")
    ),
    SummarySpec("sum_region_day_category_payment", ("local_date", "region", "category", "payment_method")),
    # day level, rolled up over stores, then over regions (chain-wide)
    SummarySpec("sum_region_day", ("local_date", "region"), source="sum_store_day"),  # 12k
    SummarySpec(
        "sum_region_day_hour", ("local_date", "region", "weekday", "local_hour"), source="sum_store_day_hour"
    ),  # ~175k
    SummarySpec(
        "sum_region_day_basket",
        ("local_date", "region", "size_bucket", "value_bucket"),
        source="sum_store_day_basket",
    ),  # ~300k
    SummarySpec(
        "sum_region_day_payment", ("local_date", "region", "payment_method"), source="sum_store_day_payment"
    ),  # ~75k
    SummarySpec(
        "sum_region_day_category", ("local_date", "region", "category"), source="sum_store_day_category"
    ),
    SummarySpec("sum_day", ("local_date",), source="sum_region_day"),
    SummarySpec(
        "sum_day_category_brand", ("local_date", "category", "brand"), source="sum_region_day_category_brand"
    ),
    SummarySpec("sum_day_category", ("local_date", "category"), source="sum_region_day_category"),
    SummarySpec("sum_day_brand", ("local_date", "brand"), source="sum_region_day_brand"),
    SummarySpec(
        "sum_day_sku", ("local_date", "sku", "brand", "category"), source="sum_region_day_sku"
    ),  # 220k
    SummarySpec("sum_day_hour", ("local_date", "weekday", "local_hour"), source="sum_region_day_hour"),
    SummarySpec(
        "sum_day_basket", ("local_date", "size_bucket", "value_bucket"), source="sum_region_day_basket"
    ),
    SummarySpec("sum_day_payment", ("local_date", "payment_method"), source="sum_region_day_payment"),
    SummarySpec(
        "sum_day_category_hour",
        ("local_date", "category", "weekday", "local_hour"),
        source="sum_region_day_category_hour",
    ),  # ~80k
    SummarySpec(
        "sum_day_category_basket",
        ("local_date", "category", "size_bucket", "value_bucket"),
        source="sum_region_day_category_basket",
    ),
    SummarySpec(
        "sum_day_category_payment",
        ("local_date", "category", "payment_method"),
        source="sum_region_day_category_payment",
    ),
    # month level, rolled up over days
    SummarySpec(
        "pair_region_month",
        ("month", "region", "sku_a", "sku_b"),
        source="pair_region_day",
        measures=PAIR_MEASURES,
        in_memory=True,
    ),
    # pairs are only asked over whole months: the chain's month rolls up the regions' months
    SummarySpec(
        "pair_month", ("month", "sku_a", "sku_b"), source="pair_region_month", measures=PAIR_MEASURES
    ),
    SummarySpec("sum_store_month", ("month", "store_id"), source="sum_store_day"),  # 12k
    SummarySpec(
        "sum_store_month_category", ("month", "store_id", "category"), source="sum_store_day_category"
    ),
    # a store's SKUs and brands: by day they would be nearly as many rows as the fact table, so
    # these months are grouped from it directly (a range's ragged days read the store's fact lines)
    SummarySpec("sum_store_month_sku", ("month", "store_id", "sku", "brand", "category")),  # 910k
    SummarySpec("sum_store_month_brand", ("month", "store_id", "brand")),  # 600k
    SummarySpec("sum_region_month", ("month", "region"), source="sum_region_day"),
    SummarySpec(
        "sum_region_month_category", ("month", "region", "category"), source="sum_region_day_category"
    ),
    SummarySpec("sum_region_month_brand", ("month", "region", "brand"), source="sum_region_day_brand"),
    SummarySpec(
        "sum_region_month_sku", ("month", "region", "sku", "brand", "category"), source="sum_region_day_sku"
    ),
    SummarySpec(
        "sum_region_month_hour", ("month", "region", "weekday", "local_hour"), source="sum_region_day_hour"
    ),
    SummarySpec(
        "sum_region_month_basket",
        ("month", "region", "size_bucket", "value_bucket"),
        source="sum_region_day_basket",
    ),
    SummarySpec(
        "sum_region_month_payment", ("month", "region", "payment_method"), source="sum_region_day_payment"
    ),
    SummarySpec(
        "sum_region_month_category_brand",
        ("month", "region", "category", "brand"),
        source="sum_region_day_category_brand",
    ),
    SummarySpec(
        "sum_region_month_category_hour",
        ("month", "region", "category", "weekday", "local_hour"),
        source="sum_region_day_category_hour",
    ),
    SummarySpec(
        "sum_region_month_category_basket",
        ("month", "region", "category", "size_bucket", "value_bucket"),
        source="sum_region_day_category_basket",
    ),
    SummarySpec(
        "sum_region_month_category_payment",
        ("month", "region", "category", "payment_method"),
        source="sum_region_day_category_payment",
    ),
    SummarySpec(
        "sum_customer_region_month",
        ("month", "region", *_CUSTOMER),
        source="sum_customer_store_day",
        only_identified=True,
        measures=CUSTOMER_MEASURES,
    ),
    SummarySpec(
        "sum_month_category_hour",
        ("month", "category", "weekday", "local_hour"),
        source="sum_day_category_hour",
    ),
    SummarySpec(
        "sum_month_category_basket",
        ("month", "category", "size_bucket", "value_bucket"),
        source="sum_day_category_basket",
    ),
    SummarySpec(
        "sum_month_category_payment",
        ("month", "category", "payment_method"),
        source="sum_day_category_payment",
    ),
    SummarySpec("sum_month", ("month",), source="sum_day"),
    SummarySpec("sum_month_category", ("month", "category"), source="sum_day_category"),
    SummarySpec("sum_month_sku", ("month", "sku", "brand", "category"), source="sum_day_sku"),
    SummarySpec("sum_month_brand", ("month", "brand"), source="sum_day_brand"),
    SummarySpec("sum_month_category_brand", ("month", "category", "brand"), source="sum_day_category_brand"),
    SummarySpec("sum_month_hour", ("month", "weekday", "local_hour"), source="sum_day_hour"),
    SummarySpec("sum_month_basket", ("month", "size_bucket", "value_bucket"), source="sum_day_basket"),
    SummarySpec("sum_month_payment", ("month", "payment_method"), source="sum_day_payment"),
)
SPECS_BY_NAME = {spec.name: spec for spec in SPECS}


def _dimension_column(name: str) -> Column:
    type_, length, _line = DIMENSIONS[name]
    return Column(name, type_(length) if length else type_(), primary_key=True)


def _measure_column(name: str) -> Column:
    if name in DATE_MEASURES:
        return Column(name, Date, nullable=False)
    if name in INTEGER_MEASURES:
        return Column(name, Integer, nullable=False)
    return Column(name, Qty() if name == "units" else Money(), nullable=False)


def _table(spec: SummarySpec) -> Table:
    columns = [_dimension_column(d) for d in spec.dims] + [_measure_column(m) for m in spec.measures]
    indexes = []
    if "customer_key" in spec.dims:
        indexes.append(Index(f"ix_{spec.name}_customer", "customer_key", spec.time_dim))
    if "store_id" in spec.dims:
        # covering: one store's rows lie scattered through the table (stored by date), so a store
        # filter over a long range reads them from the index in one sweep instead
        rest = [c for c in (*spec.dims, *spec.measures) if c not in ("store_id", spec.time_dim)]
        indexes.append(Index(f"ix_{spec.name}_store", "store_id", spec.time_dim, *rest))
    if spec.location == "store_id" and "category" in spec.dims and spec.time_dim == "local_date":
        # covering: a category filter over every store reads that category's rows only
        rest = [c for c in (*spec.dims, *spec.measures) if c not in ("category", spec.time_dim)]
        indexes.append(Index(f"ix_{spec.name}_category", "category", spec.time_dim, *rest))
    if spec.name in DAILY_SERIES_BY_REGION_CATEGORY:
        indexes.append(Index(f"ix_{spec.name}_region_category", "region", "category", spec.time_dim))
    # SQLite: WITHOUT ROWID, so rows are stored in key order (time first) and a date-range scan reads
    # every column in place instead of looking each row up from the key's index
    return Table(spec.name, metadata, *columns, *indexes, sqlite_with_rowid=False)


TABLES: dict[str, Table] = {spec.name: _table(spec) for spec in SPECS}

# Basket buckets: (label, lower bound inclusive); each ends where the next begins, the last is open.
SIZE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<2", 0.0),
    ("2", 2.0),
    ("3", 3.0),
    ("4-5", 4.0),
    ("6-9", 6.0),
    ("10+", 10.0),
)
VALUE_BUCKETS: tuple[tuple[str, float], ...] = (
    ("<100", 0.0),
    ("100-250", 100.0),
    ("250-500", 250.0),
    ("500-1000", 500.0),
    ("1000-2500", 1000.0),
    ("2500-5000", 2500.0),
    ("5000+", 5000.0),
)
