// Transaction Trends: KPI cards against the previous equal period, revenue with its 7-day average.
import { chart, colour } from "../charts.js";
import { card, el } from "../dom.js";
import { fmt } from "../format.js";
import { dataTable } from "../table.js";
import { barConfig, choice, kpiCard, kpiRow } from "../widgets.js";

const GRAINS = ["day", "week", "month"];

function revenueChart(series, grain) {
  const datasets = [
    {
      label: "Revenue",
      data: series.map((p) => p.revenue),
      borderColor: colour(0),
      backgroundColor: colour(0, 0.15),
      fill: true,
      pointRadius: series.length > 60 ? 0 : 2,
      tension: 0.2,
    },
  ];
  if (grain === "day") {
    datasets.push({
      label: "7-day moving average",
      data: series.map((p) => p.revenue_ma7),
      borderColor: colour(1),
      borderDash: [6, 4],
      pointRadius: 0,
      fill: false,
    });
  }
  return {
    type: "line",
    data: { labels: series.map((p) => p.period), datasets },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: { y: { beginAtZero: true, ticks: { callback: (v) => fmt.moneyShort(v) } } },
      plugins: { tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.money(i.raw)}` } } },
    },
  };
}

export default {
  id: "trends",
  title: "Transaction Trends",
  endpoint: "transactions",
  params: { grain: { value: "day", allowed: GRAINS } },
  exports: [["series", "Figures by period"]],

  controls(state, update) {
    return choice({
      name: "grain",
      label: "Group by",
      value: state.grain,
      options: GRAINS.map((g) => [g, g[0].toUpperCase() + g.slice(1)]),
      onChange: (grain) => update({ grain }),
    });
  },

  isEmpty: (data) => data.kpis.transactions === 0 && data.previous.transactions === 0,

  render(data) {
    const { kpis, change, series, grain } = data;
    const previous = `${data.previous_from} – ${data.previous_to}`;
    const cards = kpiRow([
      kpiCard({ key: "revenue", label: "Revenue", value: kpis.revenue, text: fmt.moneyWhole(kpis.revenue), change: change.revenue_pct, comparedWith: previous }),
      kpiCard({ key: "transactions", label: "Transactions", value: kpis.transactions, text: fmt.int(kpis.transactions), change: change.transactions_pct, comparedWith: previous }),
      kpiCard({ key: "units", label: "Units sold", value: kpis.units, text: fmt.num(kpis.units), change: change.units_pct, comparedWith: previous }),
      kpiCard({ key: "avg_basket_value", label: "Average basket value", value: kpis.avg_basket_value, text: fmt.money(kpis.avg_basket_value), change: change.avg_basket_value_pct, comparedWith: previous }),
      kpiCard({ key: "avg_basket_size", label: "Average basket size (units)", value: kpis.avg_basket_size, text: fmt.num(kpis.avg_basket_size), change: change.avg_basket_size_pct, comparedWith: previous }),
      kpiCard({ key: "discount", label: "Discounts given", value: kpis.discount, text: fmt.moneyWhole(kpis.discount) }),
    ]);
    const labels = series.map((p) => p.period);
    return [
      cards,
      el(
        "div",
        { class: "grid" },
        card(
          `Revenue by ${grain}${grain === "day" ? " with 7-day moving average" : ""}`,
          { id: "trend-revenue", wide: true },
          chart(`Line chart of revenue by ${grain} from ${labels[0] ?? ""} to ${labels.at(-1) ?? ""}`, revenueChart(series, grain), { height: 320 }),
        ),
        card(
          `Transactions by ${grain}`,
          { id: "trend-transactions" },
          chart(`Bar chart of transactions by ${grain}`, barConfig({ labels, datasets: [{ label: "Transactions", data: series.map((p) => p.transactions) }] })),
        ),
        card(
          `Average basket value by ${grain}`,
          { id: "trend-basket" },
          chart(
            `Bar chart of average basket value by ${grain}`,
            barConfig({ labels, money: true, datasets: [{ label: "Average basket value", data: series.map((p) => p.avg_basket_value), colourIndex: 2 }] }),
          ),
        ),
        card(
          "Figures by period",
          { id: "trend-table", wide: true },
          dataTable({
            caption: `Revenue, transactions and units by ${grain}`,
            sortable: true,
            tall: true,
            id: "trend-series",
            columns: [
              { key: "period", label: "Period starting" },
              { key: "period_end", label: "Ending" },
              { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
              { key: "revenue_ma7", label: "7-day average", numeric: true, format: fmt.money },
              { key: "transactions", label: "Transactions", numeric: true, format: fmt.int },
              { key: "units", label: "Units", numeric: true, format: fmt.num },
              { key: "avg_basket_value", label: "Avg basket", numeric: true, format: fmt.money },
            ].filter((c) => grain === "day" || c.key !== "revenue_ma7"),
            rows: series,
          }),
        ),
      ),
    ];
  },
};
