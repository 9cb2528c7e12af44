"""Response models of the analytics API: one per endpoint, each with the filters echoed, the data
and ``generated_at``. The OpenAPI document (``shared/openapi.py``) is generated from them.

Money is net of discounts (``net_amount``) in the store currency; shares and rates are 0..1;
``*_pct`` changes are percentages (``12.5`` = +12.5 %) and ``null`` when the previous value is 0.
``transactions`` counts distinct transactions that contain at least one line matching the
filters. Dates are store-local.

Example responses (abridged lists)::

    GET /api/transactions?from=2025-01-01&to=2025-01-31&grain=week
    {"filters": {"from": "2025-01-01", "to": "2025-01-31", "region": [], "store": [],
                 "category": [], "brand": [], "scoped_regions": null},
     "generated_at": "2025-02-01T08:00:00Z", "grain": "week",
     "kpis": {"revenue": 1523400.5, "transactions": 40210, "units": 121003.0, "lines": 98000,
              "avg_basket_value": 37.89, "avg_basket_size": 3.01, "discount": 20400.0},
     "previous": {...same keys...}, "previous_from": "2024-12-01", "previous_to": "2024-12-31",
     "change": {"revenue_pct": 4.2, "transactions_pct": 1.0, "units_pct": 2.2,
                "avg_basket_value_pct": 3.1, "avg_basket_size_pct": 1.2},
     "series": [{"period": "2024-12-30", "period_end": "2025-01-05", "revenue": 250100.0,
                 "transactions": 6700, "units": 20001.0, "avg_basket_value": 37.33,
                 "revenue_ma7": null}, ...]}

    GET /api/geographic?from=2025-01-01&to=2025-01-31
    {"filters": {...}, "generated_at": "...", "previous_from": "2024-12-01", "previous_to": "2024-12-31",
     "regions": [{"level": "region", "key": "NCR", "name": "NCR", "region": "NCR", "province": null,
                  "city": null, "store_id": null, "lat": 14.6, "lon": 121.0, "stores": 40,
                  "revenue": 500000.0, "transactions": 13000, "units": 40000.0,
                  "previous_revenue": 480000.0, "growth_pct": 4.17}, ...],
     "provinces": [...], "cities": [...], "stores": [{"level": "store", "key": "S001", ...}]}

    GET /api/products?from=2025-01-01&to=2025-01-31&top=5
    {"filters": {...}, "generated_at": "...", "top": 5, "sku_sort": "revenue",
     "categories": [{"name": "Beverages", "revenue": 300000.0, "units": 9000.0,
                     "transactions": 8000, "share": 0.2}, ...],
     "brands": [...same shape...],
     "top_skus": [{"rank": 1, "sku": "SKU-0001", "product_name": "Cola 1L", "brand": "Fizz",
                   "category": "Beverages", "revenue": 40000.0, "units": 1000.0, "share": 0.026}, ...],
     "bottom_skus": [...],
     "pareto": {"sku_count": 120, "skus_for_80pct": 31, "share_of_skus": 0.258,
                "curve": [{"rank": 1, "cumulative_share": 0.026}, ...]},
     "category_region": [{"category": "Beverages", "region": "NCR", "revenue": 90000.0,
                          "share_of_region": 0.18}, ...],
     "pairs": [{"sku_a": "SKU-0001", "sku_b": "SKU-0042", "product_a": "Cola 1L",
                "product_b": "Chips", "transactions": 800, "support": 0.02,
                "confidence": 0.3, "lift": 2.4}, ...],
     "basket_transactions": 40210, "pairs_from": "2025-01-01", "pairs_to": "2025-01-31"}

    GET /api/behavior?from=2025-01-01&to=2025-01-31&grain=week
    {"filters": {...}, "generated_at": "...", "grain": "week",
     "hour_weekday": [{"weekday": 0, "hour": 9, "transactions": 410, "revenue": 15500.0}, ...],
     "basket_size": [{"label": "1", "lower": 1.0, "upper": 2.0, "transactions": 9000,
                      "share": 0.22}, ..., {"label": "10+", "lower": 10.0, "upper": null, ...}],
     "basket_value": [{"label": "0-50", "lower": 0.0, "upper": 50.0, ...}, ...],
     "payment_mix": [{"period": "2024-12-30", "method": "gcash", "transactions": 1200,
                      "revenue": 45000.0, "share": 0.18}, ...],
     "payment_totals": [{"name": "cash", "revenue": ..., "units": ..., "transactions": ..., "share": 0.5}],
     "discount": {"transactions": 40210, "discounted_transactions": 9000, "uptake_rate": 0.224,
                  "gross": 1560000.0, "discount": 36600.0, "discount_rate": 0.0235}}

    GET /api/customers?from=2025-01-01&to=2025-01-31
    {"filters": {...}, "generated_at": "...", "k_anonymity": 5,
     "identified_transactions": 25000, "anonymous_transactions": 15210,
     "demographics": [{"age_band": "25-34", "gender": "F", "customers": 3100,
                       "transactions": 5200, "revenue": 190000.0, "share": 0.12}, ...],
     "loyalty": [{"tier": "gold", "customers": 900, "transactions": 2500, "revenue": 120000.0,
                  "share": 0.08}, ...],
     "new_vs_returning": [{"kind": "new", "customers": 1200, "transactions": 1500,
                           "revenue": 52000.0}, {"kind": "returning", ...}],
     "rfm": [{"segment": "Champions", "customers": 700, "transactions": 4100, "revenue": 160000.0,
              "avg_recency_days": 3.2, "avg_frequency": 5.9, "avg_monetary": 228.5}, ...],
     "suppressed_groups": 2}

    GET /api/stores
    {"filters": {...}, "generated_at": "...",
     "stores": [{"store_id": "S001", "name": "Makati Ayala", "region": "NCR", "province": "Metro Manila",
                 "city": "Makati", "lat": 14.55, "lon": 121.02, "revenue": 52000.0,
                 "transactions": 1400}, ...]}

    GET /api/filters
    {"filters": {...}, "generated_at": "...", "min_date": "2024-01-01", "max_date": "2025-12-31",
     "regions": ["NCR", ...], "stores": [{"store_id": "S001", "name": "...", "region": "NCR"}],
     "categories": ["Beverages", ...], "brands": ["Fizz", ...], "payment_methods": ["cash", ...],
     "grains": ["day", "week", "month"], "max_query_days": 800}
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Grain = Literal["day", "week", "month"]


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class Filters(_Model):
    """The filters the answer was computed for (``scoped_regions``: the caller's region limit)."""

    from_: date = Field(alias="from")
    to: date
    region: list[str] = Field(default_factory=list)
    store: list[str] = Field(default_factory=list)
    category: list[str] = Field(default_factory=list)
    brand: list[str] = Field(default_factory=list)
    scoped_regions: list[str] | None = None


class AnalyticsResponse(_Model):
    filters: Filters
    generated_at: datetime


# --- /api/transactions --------------------------------------------------------------------
class Kpis(_Model):
    revenue: float
    transactions: int
    units: float
    lines: int
    avg_basket_value: float | None
    avg_basket_size: float | None  # units per transaction
    discount: float


class KpiChange(_Model):
    revenue_pct: float | None
    transactions_pct: float | None
    units_pct: float | None
    avg_basket_value_pct: float | None
    avg_basket_size_pct: float | None


class TrendPoint(_Model):
    period: date  # first day of the period (Monday for weeks), clipped to ``from``
    period_end: date  # clipped to ``to``
    revenue: float
    transactions: int
    units: float
    avg_basket_value: float | None
    revenue_ma7: float | None  # day grain only: mean daily revenue over this and the 6 days before


class TransactionsResponse(AnalyticsResponse):
    grain: Grain
    kpis: Kpis
    previous: Kpis
    previous_from: date
    previous_to: date
    change: KpiChange
    series: list[TrendPoint]


# --- /api/geographic ----------------------------------------------------------------------
class GeoArea(_Model):
    level: Literal["region", "province", "city", "store"]
    key: str
    name: str
    region: str
    province: str | None
    city: str | None
    store_id: str | None
    lat: float | None  # a store's position; for areas the mean of their stores'
    lon: float | None
    stores: int
    revenue: float
    transactions: int
    units: float
    previous_revenue: float
    growth_pct: float | None


class GeographicResponse(AnalyticsResponse):
    previous_from: date
    previous_to: date
    regions: list[GeoArea]
    provinces: list[GeoArea]
    cities: list[GeoArea]
    stores: list[GeoArea]


# --- /api/products ------------------------------------------------------------------------
class Share(_Model):
    name: str
    revenue: float
    units: float
    transactions: int
    share: float  # of revenue


class SkuRank(_Model):
    rank: int
    sku: str
    product_name: str
    brand: str
    category: str
    revenue: float
    units: float
    share: float


class ParetoPoint(_Model):
    rank: int
    cumulative_share: float


class Pareto(_Model):
    sku_count: int
    skus_for_80pct: int
    share_of_skus: float | None
    curve: list[ParetoPoint]  # at most 100 points, evenly spaced by rank, always incl. the last


class CategoryRegionCell(_Model):
    category: str
    region: str
    revenue: float
    share_of_region: float


class ProductPair(_Model):
    sku_a: str
    sku_b: str
    product_a: str
    product_b: str
    transactions: int  # transactions containing both
    support: float  # transactions with both / transactions in scope
    confidence: float  # P(b | a)
    lift: float


class ProductsResponse(AnalyticsResponse):
    top: int
    sku_sort: Literal["revenue", "units"]
    categories: list[Share]
    brands: list[Share]
    top_skus: list[SkuRank]
    bottom_skus: list[SkuRank]
    pareto: Pareto
    category_region: list[CategoryRegionCell]
    pairs: list[ProductPair]
    basket_transactions: int  # the support denominator
    pairs_from: date  # pairs: over the whole months containing the range's last 90 days
    pairs_to: date


# --- /api/behavior ------------------------------------------------------------------------
class HourWeekdayCell(_Model):
    weekday: int  # 0 = Monday
    hour: int
    transactions: int
    revenue: float


class Bucket(_Model):
    label: str
    lower: float
    upper: float | None  # exclusive; null: open-ended
    transactions: int
    share: float


class PaymentPoint(_Model):
    period: date
    method: str
    transactions: int
    revenue: float
    share: float  # of the period's transactions


class DiscountUptake(_Model):
    transactions: int
    discounted_transactions: int
    uptake_rate: float | None
    gross: float
    discount: float
    discount_rate: float | None  # discount / gross


class BehaviorResponse(AnalyticsResponse):
    grain: Grain
    hour_weekday: list[HourWeekdayCell]
    basket_size: list[Bucket]  # units in the whole transaction
    basket_value: list[Bucket]  # net value of the whole transaction
    payment_mix: list[PaymentPoint]
    payment_totals: list[Share]
    discount: DiscountUptake


# --- /api/customers -----------------------------------------------------------------------
class DemographicCell(_Model):
    age_band: str
    gender: str
    customers: int
    transactions: int
    revenue: float
    share: float  # of identified revenue


class LoyaltyRow(_Model):
    tier: str
    customers: int
    transactions: int
    revenue: float
    share: float


class NewReturning(_Model):
    kind: Literal["new", "returning"]  # new: first purchase ever falls in the period
    customers: int
    transactions: int
    revenue: float


class RfmSegment(_Model):
    segment: str
    customers: int
    transactions: int
    revenue: float
    avg_recency_days: float
    avg_frequency: float
    avg_monetary: float


class CustomersResponse(AnalyticsResponse):
    k_anonymity: int  # groups with fewer customers than this are left out
    identified_transactions: int
    anonymous_transactions: int
    demographics: list[DemographicCell]
    loyalty: list[LoyaltyRow]
    new_vs_returning: list[NewReturning]
    rfm: list[RfmSegment]
    suppressed_groups: int


# --- /api/stores, /api/filters ------------------------------------------------------------
class StoreRow(_Model):
    store_id: str
    name: str
    region: str
    province: str
    city: str
    lat: float | None
    lon: float | None
    revenue: float
    transactions: int


class StoresResponse(AnalyticsResponse):
    stores: list[StoreRow]


class StoreOption(_Model):
    store_id: str
    name: str
    region: str


class FiltersResponse(AnalyticsResponse):
    min_date: date | None
    max_date: date | None
    regions: list[str]
    stores: list[StoreOption]
    categories: list[str]
    brands: list[str]
    payment_methods: list[str]
    grains: list[Grain]
    max_query_days: int


class ErrorBody(_Model):
    code: str
    message: str
    details: list[dict[str, object]] = Field(default_factory=list)


class ErrorResponse(_Model):
    error: ErrorBody
