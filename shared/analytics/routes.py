"""The analytics endpoints as data: route, parameters, response model and handler.

The same table drives request parsing (``answer``), the trigger functions
(``functions/analytics.py``) and the OpenAPI document (``shared/openapi.py``), so the three
cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from sqlalchemy import Engine

from shared.analytics import behavior, catalog, customers, geography, products, trends
from shared.analytics.caching import CACHE_CONTROL, etag_for, matches
from shared.analytics.context import Context, latest_sales_day, scope_for
from shared.analytics.export import to_csv
from shared.analytics.models import (
    AnalyticsResponse,
    BehaviorResponse,
    CustomersResponse,
    Filters,
    FiltersResponse,
    GeographicResponse,
    ProductsResponse,
    StoresResponse,
    TransactionsResponse,
)
from shared.analytics.params import COMMON_PARAMS, Param, parse, resolve_dates
from shared.auth.principal import Principal
from shared.auth.scope import region_filter
from shared.config import get_settings

GRAINS = ("day", "week", "month")
_STAMP = TypeAdapter(datetime)  # serialises ``generated_at`` as the answer's own JSON does


def list_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Fields of ``model`` holding a list of rows: the tables a CSV export can hold."""
    names = []
    for name, info in model.model_fields.items():
        args = get_args(info.annotation)
        if (
            get_origin(info.annotation) is list
            and args
            and isinstance(args[0], type)
            and issubclass(args[0], BaseModel)
        ):
            names.append(name)
    return tuple(names)


@dataclass(frozen=True)
class Endpoint:
    route: str
    summary: str
    model: type[AnalyticsResponse]
    handler: Callable[[Context], AnalyticsResponse]
    extra_params: tuple[Param, ...] = ()

    @property
    def parts(self) -> tuple[str, ...]:
        return list_fields(self.model)

    @property
    def params(self) -> tuple[Param, ...]:
        part = Param(
            "part",
            "enum",
            "With format=csv: which table of the answer to export.",
            choices=self.parts,
            default=self.parts[0],
        )
        return (*COMMON_PARAMS, *self.extra_params, part)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "transactions",
        "Transaction trends: KPIs vs the previous equal period, series with a 7-day average",
        TransactionsResponse,
        trends.transactions,
        (Param("grain", "enum", "Series period.", choices=GRAINS, default="day"),),
    ),
    Endpoint(
        "geographic",
        "Revenue, transactions and growth per region, province, city and store",
        GeographicResponse,
        geography.geographic,
    ),
    Endpoint(
        "products",
        "Category/brand shares, top and bottom SKUs, Pareto, category x region, product pairs",
        ProductsResponse,
        products.products,
        (
            Param("top", "integer", "How many SKUs and pairs to list.", default=10, minimum=1, maximum=100),
            Param("sku_sort", "enum", "Rank SKUs by.", choices=("revenue", "units"), default="revenue"),
            Param(
                "pair_sort",
                "enum",
                "Rank pairs by.",
                choices=("support", "lift", "confidence"),
                default="support",
            ),
        ),
    ),
    Endpoint(
        "behavior",
        "Hour x weekday, basket distributions, payment mix over time, discount uptake",
        BehaviorResponse,
        behavior.behavior,
        (Param("grain", "enum", "Payment mix period.", choices=GRAINS, default="week"),),
    ),
    Endpoint(
        "customers",
        "Age band x gender, loyalty tiers, new vs returning, RFM segments (k-anonymous)",
        CustomersResponse,
        customers.customers,
    ),
    Endpoint(
        "stores",
        "Stores in scope with their revenue and transactions",
        StoresResponse,
        catalog.stores,
        (Param("sort", "enum", "Order of the list.", choices=catalog.STORE_SORTS, default="store_id"),),
    ),
    Endpoint("filters", "Values for the filter controls", FiltersResponse, catalog.filters),
)
ENDPOINTS_BY_ROUTE = {e.route: e for e in ENDPOINTS}


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]


def build(
    endpoint: Endpoint,
    pairs: Sequence[tuple[str, str]],
    principal: Principal,
    engine: Engine,
    *,
    from_fact: bool = False,
    now: datetime | None = None,
) -> tuple[AnalyticsResponse, dict[str, Any]]:
    """Parse, scope to the caller's regions, and compute the response model."""
    parsed = parse(pairs, endpoint.params)
    regions = region_filter(principal, parsed.lists["region"] or None)
    settings = get_settings()
    with engine.connect() as conn:
        date_from, date_to = resolve_dates(parsed, latest_sales_day(conn), settings.max_query_days)
        filters = Filters.model_validate(
            {
                "from": date_from,
                "to": date_to,
                "region": parsed.lists["region"],
                "store": parsed.lists["store"],
                "category": parsed.lists["category"],
                "brand": parsed.lists["brand"],
                "scoped_regions": sorted(principal.regions) if principal.regions is not None else None,
            }
        )
        options = {
            **parsed.options,
            "generated_at": now or datetime.now(UTC),
            "max_query_days": settings.max_query_days,
        }
        ctx = Context(conn, filters, scope_for(filters, regions), options, from_fact=from_fact)
        return endpoint.handler(ctx), parsed.options


def answer(
    endpoint: Endpoint,
    pairs: Sequence[tuple[str, str]],
    principal: Principal,
    engine: Engine,
    if_none_match: str | None = None,
) -> Answer:
    """The HTTP answer: JSON or CSV, with ETag / Cache-Control, or 304 when the client has it."""
    response, options = build(endpoint, pairs, principal, engine)
    fmt, part = options["format"], options["part"]
    body = response.model_dump_json(by_alias=True).encode()
    # the answer less its generation time: the same figures give the same tag (serialised once)
    stamp = b'"generated_at":' + _STAMP.dump_json(response.generated_at)
    if stamp not in body:
        raise RuntimeError("generated_at is not in the serialised answer")
    etag = etag_for(body.replace(stamp, b"", 1), f"{fmt}:{part}")
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Authorization"}
    if matches(if_none_match, etag):
        return Answer(304, b"", headers)
    if fmt == "csv":
        rows = getattr(response, part)
        item_model = get_args(type(response).model_fields[part].annotation)[0]
        header = list(item_model.model_fields)
        body = to_csv(header, ([getattr(row, h) for h in header] for row in rows)).encode()
        disposition = f'attachment; filename="{endpoint.route}-{part}.csv"'
        return Answer(
            200,
            body,
            {**headers, "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": disposition},
        )
    return Answer(200, body, {**headers, "Content-Type": "application/json"})
