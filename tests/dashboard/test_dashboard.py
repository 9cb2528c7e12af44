"""The dashboard in headless Chromium against the real local host and its real API.

Every figure checked on the page is compared with the API's own answer for the same filters,
fetched with a Dashboard.Read token from the host's development issuer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.dashboard.conftest import PHONE, Dashboard

pytestmark = pytest.mark.browser

MODULES = ["trends", "geographic", "products", "behavior", "customers"]


@pytest.fixture(scope="module")
def span(api: httpx.Client) -> dict[str, str]:
    """The loaded sample's whole date range, as the page and the API take it."""
    answer = api.get("/api/filters").json()
    assert answer["min_date"] and answer["max_date"], "the sample did not load"
    return {"from": answer["min_date"], "to": answer["max_date"]}


def query(module: str, params: dict[str, str]) -> str:
    return "?" + "&".join([f"module={module}", *(f"{k}={v}" for k, v in params.items())])


def money(value: float) -> str:
    return f"₱{value:,.2f}"


def charts_with_data(d: Dashboard) -> int:
    """How many Chart.js charts on the page were drawn with at least one data point."""
    return int(
        d.page.evaluate(
            """() => [...document.querySelectorAll('canvas')]
                 .map((c) => window.Chart.getChart(c))
                 .filter((chart) => chart && chart.data.datasets.some((s) => s.data.length > 0)
                          && chart.width > 0 && chart.height > 0).length"""
        )
    )


def heat_total(d: Dashboard, table: str) -> float:
    return float(
        d.page.evaluate(
            f"() => [...document.querySelectorAll('#{table} td.heat')]"
            ".reduce((sum, cell) => sum + Number(cell.dataset.value), 0)"
        )
    )


def first_row(d: Dashboard, table: str) -> list[str]:
    return d.page.locator(f"#{table} tbody tr").first.locator("td").all_inner_texts()


# --- what each module must show, checked against the API --------------------------------------
def check_trends(d: Dashboard, api: httpx.Client, params: dict[str, str]) -> None:
    expected = api.get("/api/transactions", params={**params, "grain": "day"}).json()
    kpis = expected["kpis"]
    assert kpis["transactions"] > 0
    revenue, revenue_text = d.kpi("revenue")
    assert revenue == pytest.approx(kpis["revenue"])
    assert revenue_text == f"₱{kpis['revenue']:,.0f}"  # whole pesos on the card
    transactions, transactions_text = d.kpi("transactions")
    assert transactions == kpis["transactions"]
    assert transactions_text == f"{kpis['transactions']:,}"
    assert d.kpi("units")[0] == pytest.approx(kpis["units"])
    assert d.page.locator("#trend-series tbody tr").count() == len(expected["series"])
    assert charts_with_data(d) == 3


def check_geographic(d: Dashboard, api: httpx.Client, params: dict[str, str]) -> None:
    expected = api.get("/api/geographic", params=params).json()
    top = max(expected["regions"], key=lambda r: r["revenue"])
    name, stores, revenue, transactions, _growth = first_row(d, "geo-ranking")
    assert (name, revenue, transactions) == (top["name"], money(top["revenue"]), f"{top['transactions']:,}")
    assert int(stores) == top["stores"]
    placed = [s for s in expected["stores"] if s["transactions"] > 0 and s["lat"] is not None]
    assert d.page.locator("svg.store-map circle.store-dot").count() == len(placed) > 0
    assert charts_with_data(d) == 1


def check_products(d: Dashboard, api: httpx.Client, params: dict[str, str]) -> None:
    expected = api.get("/api/products", params={**params, "top": "10"}).json()
    pareto = d.page.locator("#mix-pareto .headline")
    assert int(pareto.get_attribute("data-value") or -1) == expected["pareto"]["skus_for_80pct"]
    top_category = max(expected["categories"], key=lambda c: c["revenue"])
    assert first_row(d, "mix-categories table")[:2] == [top_category["name"], money(top_category["revenue"])]
    assert d.page.locator("#mix-top tbody tr").count() == len(expected["top_skus"])
    assert first_row(d, "mix-top table")[1] == expected["top_skus"][0]["sku"]
    assert charts_with_data(d) == 3


def check_behavior(d: Dashboard, api: httpx.Client, params: dict[str, str]) -> None:
    expected = api.get("/api/behavior", params={**params, "grain": "week"}).json()
    assert d.kpi("transactions")[0] == expected["discount"]["transactions"] > 0
    assert heat_total(d, "hour-weekday") == sum(c["transactions"] for c in expected["hour_weekday"])
    uptake, uptake_text = d.kpi("discount_uptake")
    assert uptake == pytest.approx(expected["discount"]["uptake_rate"])
    assert uptake_text.endswith("%")
    assert charts_with_data(d) == 3


def check_customers(d: Dashboard, api: httpx.Client, params: dict[str, str]) -> None:
    expected = api.get("/api/customers", params=params).json()
    identified, text = d.kpi("identified_transactions")
    assert identified == expected["identified_transactions"]
    assert text == f"{expected['identified_transactions']:,}"
    assert d.kpi("anonymous_transactions")[0] == expected["anonymous_transactions"]
    assert d.page.locator("#customers-rfm tbody tr").count() == len(expected["rfm"])
    assert charts_with_data(d) >= 1


CHECKS: dict[str, Callable[[Dashboard, httpx.Client, dict[str, str]], Any]] = {
    "trends": check_trends,
    "geographic": check_geographic,
    "products": check_products,
    "behavior": check_behavior,
    "customers": check_customers,
}


@pytest.mark.parametrize("module", MODULES)
def test_module_shows_the_apis_figures_on_desktop_and_phone(
    module: str,
    dashboard: Callable[..., Dashboard],
    api: httpx.Client,
    span: dict[str, str],
    screenshot_dir: Path,
) -> None:
    desktop = dashboard().open(query(module, span))
    assert desktop.state == "ready"
    CHECKS[module](desktop, api, span)
    desktop.screenshot(screenshot_dir, f"{module}-desktop")
    assert desktop.console_errors == []

    phone = dashboard(PHONE).open(query(module, span))
    assert phone.state == "ready"
    CHECKS[module](phone, api, span)
    layout = phone.page.evaluate(
        """() => ({
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            cardLefts: [...new Set([...document.querySelectorAll('.grid > .card')]
                          .map((c) => Math.round(c.getBoundingClientRect().left)))],
        })"""
    )
    assert layout["overflow"] <= 0, "the page scrolls sideways on a phone"
    assert len(layout["cardLefts"]) == 1, "cards should stack in one column on a phone"
    phone.screenshot(screenshot_dir, f"{module}-phone")
    assert phone.console_errors == []


def wait_for_query(d: Dashboard, name: str, value: str) -> None:
    d.page.wait_for_function(
        "([name, value]) => new URLSearchParams(location.search).get(name) === value", arg=[name, value]
    )
    d.wait_settled()


def test_changing_filters_updates_url_and_charts(
    dashboard: Callable[..., Dashboard], api: httpx.Client, span: dict[str, str]
) -> None:
    d = dashboard().open(query("trends", span))
    selling = [
        r["name"] for r in api.get("/api/geographic", params=span).json()["regions"] if r["transactions"]
    ]
    assert len(selling) >= 2, "the sample should cover more than one region"
    region = selling[-1]
    whole = api.get("/api/transactions", params={**span, "grain": "day"}).json()

    d.page.get_by_label("Region", exact=True).select_option(region)
    wait_for_query(d, "region", region)
    narrowed = api.get("/api/transactions", params={**span, "region": region, "grain": "day"}).json()
    assert 0 < narrowed["kpis"]["revenue"] < whole["kpis"]["revenue"]
    assert d.kpi("revenue")[0] == pytest.approx(narrowed["kpis"]["revenue"])
    charted = d.page.evaluate(
        "() => Chart.getChart(document.querySelector('#trend-revenue canvas')).data.datasets[0].data"
    )
    assert sum(charted) == pytest.approx(sum(p["revenue"] for p in narrowed["series"]))

    d.page.get_by_label("Group by").select_option("week")
    wait_for_query(d, "grain", "week")
    weekly = api.get("/api/transactions", params={**span, "region": region, "grain": "week"}).json()
    assert d.query["region"] == [region]
    assert d.page.locator("#trend-series tbody tr").count() == len(weekly["series"])

    d.page.go_back()
    wait_for_query(d, "grain", "day")
    assert d.page.get_by_label("Region", exact=True).input_value() == region
    assert d.page.locator("#trend-series tbody tr").count() == len(narrowed["series"])
    assert d.console_errors == []


def test_category_and_store_filters_narrow_the_product_mix(
    dashboard: Callable[..., Dashboard], api: httpx.Client, span: dict[str, str]
) -> None:
    d = dashboard().open(query("products", span))
    category = api.get("/api/filters").json()["categories"][0]
    d.page.get_by_label("Category", exact=True).select_option(category)
    wait_for_query(d, "category", category)
    assert d.page.locator("#mix-categories tbody td:first-child").all_inner_texts() == [category]

    store = api.get("/api/stores", params=span).json()["stores"][0]
    d.page.get_by_label("Store", exact=True).select_option(store["store_id"])
    wait_for_query(d, "store", store["store_id"])
    expected = api.get(
        "/api/products", params={**span, "category": category, "store": store["store_id"], "top": "10"}
    ).json()
    assert d.page.locator("#mix-top tbody tr").count() == len(expected["top_skus"])
    assert first_row(d, "mix-top table")[5] == money(expected["top_skus"][0]["revenue"])
    assert d.console_errors == []


def test_shared_link_and_keyboard_navigation_keep_filters(
    dashboard: Callable[..., Dashboard], api: httpx.Client, span: dict[str, str]
) -> None:
    region = api.get("/api/filters").json()["regions"][0]
    d = dashboard().open(query("geographic", {**span, "region": region, "level": "stores"}))
    assert d.page.get_by_label("Region", exact=True).input_value() == region
    assert d.page.get_by_label("Table by").input_value() == "stores"
    stores = api.get("/api/geographic", params={**span, "region": region}).json()["stores"]
    assert d.page.locator("#geo-ranking tbody tr").count() == len(stores)

    d.page.focus("a[data-module='products']")
    d.page.keyboard.press("Enter")
    wait_for_query(d, "module", "products")
    assert d.query["region"] == [region] and d.query["from"] == [span["from"]]
    assert d.page.locator("a[aria-current='page']").inner_text() == "Product Mix"
    assert d.page.evaluate("() => localStorage.length + sessionStorage.length") == 0, "no token at rest"
    assert d.console_errors == []


@pytest.mark.parametrize(
    ("module", "extra", "part"),
    [("products", {"top": "10"}, "top_skus"), ("geographic", {"level": "stores"}, "stores")],
)
def test_csv_export_downloads_the_apis_csv(
    module: str,
    extra: dict[str, str],
    part: str,
    dashboard: Callable[..., Dashboard],
    api: httpx.Client,
    span: dict[str, str],
    tmp_path: Path,
) -> None:
    d = dashboard().open(query(module, {**span, **extra}))
    d.page.get_by_label("Table to export").select_option(part)
    with d.page.expect_download() as download_info:
        d.page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"scout-{module}-{part}-{span['from']}-to-{span['to']}.csv"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    api_params = {**span, **{k: v for k, v in extra.items() if k != "level"}, "format": "csv", "part": part}
    expected = api.get(f"/api/{module}", params=api_params)
    assert expected.headers["content-type"].startswith("text/csv")
    assert len(expected.text.splitlines()) > 1
    assert saved.read_bytes() == expected.content
    assert "downloaded" in d.page.locator("#status").inner_text()
    assert d.console_errors == []


def test_api_error_shows_the_error_state(
    dashboard: Callable[..., Dashboard], api: httpx.Client, span: dict[str, str]
) -> None:
    backwards = {"from": span["to"], "to": span["from"]}
    refused = api.get("/api/transactions", params={**backwards, "grain": "day"})
    assert refused.status_code == 400
    d = dashboard().open(query("trends", backwards))
    assert d.state == "error"
    alert = d.page.get_by_role("alert")
    assert "could not be loaded" in alert.inner_text()
    assert refused.json()["error"]["code"] in alert.inner_text()
    assert "could not be loaded" in d.page.locator("#status").inner_text()
    assert d.page.get_by_role("button", name="Try again").is_visible()
    assert all("status of 400" in line for line in d.console_errors), d.console_errors


def test_a_period_without_sales_shows_the_empty_state(dashboard: Callable[..., Dashboard]) -> None:
    d = dashboard().open(query("trends", {"from": "2001-01-01", "to": "2001-01-31"}))
    assert d.state == "empty"
    assert d.page.get_by_role("heading", name="No sales match these filters").is_visible()
    assert d.console_errors == []


def test_filters_are_labelled_and_status_is_announced(
    dashboard: Callable[..., Dashboard], span: dict[str, str]
) -> None:
    d = dashboard().open(query("behavior", span))
    for label in ("From", "To", "Region", "Store", "Category", "Brand"):
        assert d.page.get_by_label(label, exact=True).count() == 1, label
    assert d.page.locator("#status").get_attribute("aria-live") == "polite"
    assert "updated" in d.page.locator("#status").inner_text()
    assert d.console_errors == []


CONTRAST_FAILURES = """() => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const rgba = parse(getComputedStyle(node).backgroundColor);
      if (rgba.length === 3 || (rgba.length === 4 && rgba[3] > 0)) return rgba.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  for (const el of document.body.querySelectorAll('*')) {
    const ownText = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!ownText || box.width === 0 || el.closest('[hidden], noscript, .skip-link')) continue;
    const style = getComputedStyle(el);
    const [a, b] = [lum(parse(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) {
      failures.push(`${el.tagName}.${el.className} ${ratio.toFixed(2)}: ${el.textContent.slice(0, 30)}`);
    }
  }
  return failures;
}"""


@pytest.mark.parametrize("module", ["trends", "behavior", "products"])
def test_text_contrast_meets_wcag_aa(
    module: str, dashboard: Callable[..., Dashboard], span: dict[str, str]
) -> None:
    d = dashboard().open(query(module, span))
    assert d.state == "ready"
    assert d.page.evaluate(CONTRAST_FAILURES) == []
