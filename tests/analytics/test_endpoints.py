"""Every analytics endpoint against figures recomputed with pandas from the raw generated lines,
on SQLite and PostgreSQL, over filters, a single day, empty ranges, month-aligned and ragged
ranges, and a store without sales."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import pytest

from shared.analytics.planner import Question, tables_used
from shared.analytics.routes import ENDPOINTS_BY_ROUTE, build
from shared.analytics.sources import Scope
from shared.auth.principal import Principal
from shared.errors import ApiError
from tests.analytics.conftest import SILENT_STORE, START, Loaded
from tests.analytics.reference import Ask

READER = Principal(subject="reader", tenant_id="t", roles=frozenset({"Dashboard.Read"}))
END = START + timedelta(days=74)

CASES: dict[str, dict[str, Any]] = {
    "whole range": {"from": START, "to": END},
    "single day": {"from": date(2025, 2, 10), "to": date(2025, 2, 10)},
    "empty range": {"from": date(2024, 6, 1), "to": date(2024, 6, 30)},
    "month aligned": {"from": date(2025, 2, 1), "to": date(2025, 2, 28)},
    "ragged months": {"from": date(2025, 1, 15), "to": date(2025, 3, 10)},
    "one category": {"from": START, "to": END, "category": ["Snacks"]},
    "two categories": {
        "from": date(2025, 1, 20),
        "to": date(2025, 3, 5),
        "category": ["Snacks", "Beverages"],
    },
    "one brand": {"from": date(2025, 1, 10), "to": date(2025, 3, 1), "brand": ["Brand 001"]},
    "region": {"from": date(2025, 1, 5), "to": END, "region": ["NCR", "Region VII"]},
    "region and category": {"from": date(2025, 1, 20), "to": END, "region": ["NCR"], "category": ["Snacks"]},
    "stores incl. silent": {"from": START, "to": END, "store": ["S0001", SILENT_STORE]},
    "silent store only": {"from": START, "to": END, "store": [SILENT_STORE]},
}


def pairs_for(case: dict[str, Any], **extra: Any) -> list[tuple[str, str]]:
    pairs = [("from", case["from"].isoformat()), ("to", case["to"].isoformat())]
    for name in ("region", "store", "category", "brand"):
        pairs += [(name, v) for v in case.get(name, [])]
    return pairs + [(k, str(v)) for k, v in extra.items()]


def ask_for(case: dict[str, Any]) -> Ask:
    return Ask(
        case["from"],
        case["to"],
        case.get("region", []),
        case.get("store", []),
        case.get("category", []),
        case.get("brand", []),
    )


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-7, abs_tol=1e-6)


def answer(
    loaded: Loaded, route: str, case: dict[str, Any], principal: Principal = READER, **extra: Any
) -> Any:
    response, _options = build(ENDPOINTS_BY_ROUTE[route], pairs_for(case, **extra), principal, loaded.engine)
    return response


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> dict[str, Any]:
    return CASES[request.param]


@pytest.mark.parametrize("grain", ["day", "week", "month"])
def test_transactions_match_pandas(loaded: Loaded, case: dict[str, Any], grain: str) -> None:
    got = answer(loaded, "transactions", case, grain=grain)
    want = loaded.reference.transactions(ask_for(case), grain)
    for name in ("kpis", "previous"):
        mine, theirs = getattr(got, name).model_dump(), want[name]
        for key in (
            "revenue",
            "transactions",
            "units",
            "lines",
            "discount",
            "avg_basket_value",
            "avg_basket_size",
        ):
            assert close(mine[key], theirs[key]), (name, key, mine[key], theirs[key])
    assert got.previous_to == case["from"] - timedelta(days=1)
    nonzero = {p.period: p for p in got.series if p.transactions}
    assert set(nonzero) == set(want["series"])
    for period, expected in want["series"].items():
        point = nonzero[period]
        assert point.transactions == expected["transactions"]
        assert close(point.revenue, expected["revenue"]) and close(point.units, expected["units"])
        assert close(point.revenue_ma7, expected["revenue_ma7"])
    if grain == "day":
        assert len(got.series) == (case["to"] - case["from"]).days + 1  # every day, zeros included


def test_geographic_match_pandas(loaded: Loaded, case: dict[str, Any]) -> None:
    got = answer(loaded, "geographic", case)
    want = loaded.reference.geographic(ask_for(case))
    stores = {a.store_id: a for a in got.stores}
    assert set(stores) == set(want["store"].index)  # stores without sales are listed with zeros
    for store_id, row in want["store"].iterrows():
        area = stores[store_id]
        assert area.transactions == row["transactions"] and close(area.revenue, row["revenue"])
        assert close(area.previous_revenue, row["previous_revenue"]) and close(area.lat, row["lat"])
    regions = {a.region: a for a in got.regions}
    assert set(regions) == set(want["region"].index)
    for region, row in want["region"].iterrows():
        assert regions[region].transactions == row["transactions"] and regions[region].stores == row["stores"]
        assert close(regions[region].revenue, row["revenue"])
        expected_growth = (
            (row["revenue"] - row["previous_revenue"]) / row["previous_revenue"] * 100
            if row["previous_revenue"]
            else None
        )
        assert close(regions[region].growth_pct, expected_growth)
    assert len(got.cities) == len(want["city"]) and len(got.provinces) == len(want["province"])


def test_products_match_pandas(loaded: Loaded, case: dict[str, Any]) -> None:
    got = answer(loaded, "products", case, top=5)
    want = loaded.reference.products(ask_for(case))
    for mine, theirs in ((got.categories, want["categories"]), (got.brands, want["brands"])):
        assert {s.name for s in mine} == set(theirs.index)
        for s in mine:
            row = theirs.loc[s.name]
            assert s.transactions == row["transactions"] and close(s.revenue, row["revenue"])
            assert close(s.share, row["share"])
    skus = want["skus"].reset_index().sort_values(["revenue", "sku"], ascending=[False, True])
    assert [s.sku for s in got.top_skus] == list(skus["sku"][:5])
    worst = want["skus"].reset_index().sort_values(["revenue", "sku"], ascending=[True, True])
    assert [s.sku for s in got.bottom_skus] == list(worst["sku"][:5])
    assert got.pareto.sku_count == len(skus) and got.pareto.skus_for_80pct == want["skus_for_80pct"]
    cells = {(c.category, c.region): c for c in got.category_region}
    assert set(cells) == set(want["matrix"].index)
    for key, revenue in want["matrix"].items():
        assert close(cells[key].revenue, revenue) and close(
            cells[key].share_of_region, want["share_of_region"][key]
        )
    assert got.basket_transactions == want["basket_transactions"]
    recent = max(case["from"], case["to"] - timedelta(days=89))
    assert got.pairs_from == recent.replace(day=1) and got.pairs_to >= case["to"]
    by_support = sorted(want["pairs"].items(), key=lambda kv: (-kv[1]["support"], kv[0]))[:5]
    assert [(p.sku_a, p.sku_b) for p in got.pairs] == [k for k, _v in by_support]
    for pair, (_key, expected) in zip(got.pairs, by_support, strict=True):
        assert pair.transactions == expected["transactions"]
        assert close(pair.lift, expected["lift"]) and close(pair.confidence, expected["confidence"])
    by_lift = sorted(want["pairs"].items(), key=lambda kv: (-kv[1]["lift"], kv[0]))[:5]
    lifted = answer(loaded, "products", case, top=5, pair_sort="lift")
    assert [(p.sku_a, p.sku_b) for p in lifted.pairs] == [k for k, _v in by_lift]


def test_behavior_matches_pandas(loaded: Loaded, case: dict[str, Any]) -> None:
    got = answer(loaded, "behavior", case, grain="week")
    want = loaded.reference.behavior(ask_for(case), "week")
    cells = {(c.weekday, c.hour): c.transactions for c in got.hour_weekday if c.transactions}
    assert cells == {k: v for k, v in want["hour_weekday"].items()}
    assert {b.label: b.transactions for b in got.basket_size} == want["size"].to_dict()
    assert {b.label: b.transactions for b in got.basket_value} == want["value"].to_dict()
    mix = {(p.period, p.method): p.transactions for p in got.payment_mix}
    expected_mix = {(max(k[0].date(), case["from"]), k[1]): v for k, v in want["payment"].items()}
    assert mix == expected_mix
    assert got.discount.transactions == want["transactions"]
    assert got.discount.discounted_transactions == want["discounted"]
    assert close(got.discount.gross, want["gross"]) and close(got.discount.discount, want["discount"])


def test_customers_match_pandas(loaded: Loaded, case: dict[str, Any]) -> None:
    got = answer(loaded, "customers", case)
    want = loaded.reference.customers(ask_for(case))
    assert got.identified_transactions == want["identified_transactions"]
    assert got.anonymous_transactions == want["anonymous_transactions"]
    assert {(d.age_band, d.gender): (d.customers, d.transactions) for d in got.demographics} == {
        k: (v["customers"], v["transactions"]) for k, v in want["demographics"].iterrows()
    }
    assert {r.tier: r.customers for r in got.loyalty} == want["loyalty"]["customers"].to_dict()
    assert {r.kind: (r.customers, r.transactions) for r in got.new_vs_returning} == {
        k: (v["customers"], v["transactions"]) for k, v in want["new_returning"].iterrows()
    }
    assert {s.segment: s.customers for s in got.rfm} == want["rfm"]["customers"].to_dict()
    for s in got.rfm:
        assert close(s.revenue, want["rfm"].loc[s.segment, "revenue"])
        assert close(s.avg_recency_days, want["rfm"].loc[s.segment, "avg_recency_days"])
    assert got.suppressed_groups == want["suppressed"]
    assert all(group.customers >= got.k_anonymity for group in [*got.demographics, *got.loyalty, *got.rfm])


def test_stores_list_every_store_in_scope(loaded: Loaded, case: dict[str, Any]) -> None:
    got = answer(loaded, "stores", case, sort="revenue")
    want = loaded.reference.store_table(ask_for(case))
    assert {s.store_id: s.transactions for s in got.stores} == want["transactions"].astype(int).to_dict()
    revenues = [s.revenue for s in got.stores]
    assert revenues == sorted(revenues, reverse=True)


@pytest.mark.parametrize(
    "name", ["ragged months", "two categories", "one brand", "region", "silent store only"]
)
def test_summaries_and_fact_table_give_the_same_answer(loaded: Loaded, name: str) -> None:
    case = CASES[name]
    for route in ("transactions", "geographic", "products", "behavior", "customers"):
        endpoint = ENDPOINTS_BY_ROUTE[route]
        fast, _ = build(endpoint, pairs_for(case), READER, loaded.engine)
        slow, _ = build(endpoint, pairs_for(case), READER, loaded.engine, from_fact=True)
        assert_same(
            fast.model_dump(exclude={"generated_at"}), slow.model_dump(exclude={"generated_at"}), route
        )


def assert_same(a: Any, b: Any, where: str) -> None:
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float):
        assert close(a, b), (where, a, b)
    else:
        assert a == b, (where, a, b)


def test_region_scoped_reader_sees_only_their_regions(loaded: Loaded) -> None:
    ncr = Principal(
        subject="ncr", tenant_id="t", roles=frozenset({"Dashboard.Read"}), regions=frozenset({"NCR"})
    )
    case = CASES["whole range"]
    got = answer(loaded, "geographic", case, principal=ncr)
    assert {a.region for a in got.regions} == {"NCR"}
    assert got.filters.scoped_regions == ["NCR"]
    want = loaded.reference.transactions(Ask(case["from"], case["to"], regions=["NCR"]), "day")
    totals = answer(loaded, "transactions", case, principal=ncr)
    assert totals.kpis.transactions == want["kpis"]["transactions"]
    products = answer(loaded, "products", case, principal=ncr)
    assert {c.region for c in products.category_region} == {"NCR"}
    with pytest.raises(ApiError) as refused:
        answer(loaded, "transactions", {**case, "region": ["Region VII"]}, principal=ncr)
    assert refused.value.status == 403


def test_planner_reads_small_tables(loaded: Loaded) -> None:
    """The questions the dashboard asks most are answered from summaries, month tables where whole
    months allow, and the fact table only where a summary could not be exact."""
    chain = Scope(date(2025, 1, 15), date(2025, 3, 10))
    assert tables_used(Question(("store_id",), ("revenue", "transactions"), chain)) == [
        "sum_store_day",
        "sum_store_day",
        "sum_store_month",
    ]
    assert tables_used(Question(("local_date",), ("revenue", "transactions"), chain)) == ["sum_day"]
    ncr = Scope(chain.date_from, chain.date_to, regions=["NCR"])
    assert tables_used(Question(("local_date",), ("revenue", "transactions"), ncr)) == ["sum_region_day"]
    one_category = Scope(chain.date_from, chain.date_to, categories=["Snacks"])
    assert tables_used(Question((), ("transactions",), one_category)) == [
        "sum_day_category",
        "sum_day_category",
        "sum_month_category",
    ]
    two = Scope(chain.date_from, chain.date_to, categories=["Snacks", "Dairy"])
    assert set(tables_used(Question((), ("transactions",), two))) == {"fact_sales_line"}
    assert "sum_month_sku" in tables_used(Question(("sku",), ("revenue",), two))
    months = Scope(date(2025, 1, 1), date(2025, 3, 31))
    assert tables_used(Question(("sku_a", "sku_b"), ("transactions",), months)) == ["pair_month"]
    assert tables_used(Question(("customer_key",), ("last_date",), months, identified_only=True)) == [
        "sum_customer_region_month"
    ]
    ncr_months = Scope(months.date_from, months.date_to, regions=["NCR"])
    assert tables_used(Question(("sku_a", "sku_b"), ("transactions",), ncr_months)) == ["pair_region_month"]
    snacks_in_ncr = Scope(months.date_from, months.date_to, regions=["NCR"], categories=["Snacks"])
    assert tables_used(Question(("weekday", "local_hour"), ("transactions",), snacks_in_ncr)) == [
        "sum_region_month_category_hour"
    ]
    assert tables_used(Question(("brand",), ("transactions",), one_category)) == [
        "sum_day_category_brand",
        "sum_day_category_brand",
        "sum_month_category_brand",
    ]
    # no month table keeps stores' hours or customers: whole months come from the day table
    one_store = Scope(chain.date_from, chain.date_to, stores=["S0001"])
    assert set(tables_used(Question(("size_bucket",), ("transactions",), one_store))) == {
        "sum_store_day_basket"
    }
    assert set(
        tables_used(Question(("customer_key",), ("transactions",), one_store, identified_only=True))
    ) == {"sum_customer_store_day"}
