// Consumer Behaviour: when people shop (hour x weekday), basket size and value, payment mix, discounts.
import { chart, colour } from "../charts.js";
import { card, el } from "../dom.js";
import { fmt } from "../format.js";
import { barConfig, choice, heatCell, kpiCard, kpiRow } from "../widgets.js";

const GRAINS = ["day", "week", "month"];
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

function hourWeekdayGrid(cells) {
  const hours = cells.map((c) => c.hour);
  const first = Math.min(...hours);
  const last = Math.max(...hours);
  const span = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const byKey = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c]));
  const top = Math.max(...cells.map((c) => c.transactions), 1);
  return el(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Transactions by weekday and hour" },
    el(
      "table",
      { class: "data-table matrix heatmap", id: "hour-weekday" },
      el("caption", { text: "Transactions by weekday (rows) and hour of day (columns), store-local time" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Day" }), span.map((h) => el("th", { scope: "col", class: "num", text: String(h).padStart(2, "0") })))),
      el(
        "tbody",
        {},
        WEEKDAYS.map((day, weekday) =>
          el(
            "tr",
            {},
            el("th", { scope: "row", text: day.slice(0, 3), title: day }),
            span.map((hour) => {
              const n = byKey.get(`${weekday}:${hour}`)?.transactions ?? 0;
              return heatCell(n, n / top, fmt.int(n));
            }),
          ),
        ),
      ),
    ),
  );
}

function paymentMixConfig(points) {
  const periods = [...new Set(points.map((p) => p.period))].sort();
  const methods = [...new Set(points.map((p) => p.method))].sort();
  const share = new Map(points.map((p) => [`${p.period}|${p.method}`, p.share]));
  return barConfig({
    labels: periods,
    stacked: true,
    percent: true,
    datasets: methods.map((method, i) => ({ label: method, data: periods.map((period) => share.get(`${period}|${method}`) ?? 0), backgroundColor: colour(i) })),
  });
}

function histogram(label, buckets, colourIndex) {
  return barConfig({ labels: buckets.map((b) => b.label), datasets: [{ label, data: buckets.map((b) => b.transactions), colourIndex }] });
}

export default {
  id: "behavior",
  title: "Consumer Behaviour",
  endpoint: "behavior",
  params: { grain: { value: "week", allowed: GRAINS } },
  exports: [
    ["hour_weekday", "Hour x weekday"],
    ["basket_size", "Basket sizes"],
    ["basket_value", "Basket values"],
    ["payment_mix", "Payment mix"],
    ["payment_totals", "Payment totals"],
  ],

  controls(state, update) {
    return choice({ name: "grain", label: "Payment mix by", value: state.grain, options: GRAINS.map((g) => [g, g[0].toUpperCase() + g.slice(1)]), onChange: (grain) => update({ grain }) });
  },

  isEmpty: (data) => data.discount.transactions === 0,

  render(data) {
    const d = data.discount;
    return [
      kpiRow([
        kpiCard({ key: "transactions", label: "Transactions", value: d.transactions, text: fmt.int(d.transactions) }),
        kpiCard({ key: "discount_uptake", label: "Transactions with a discount", value: d.uptake_rate, text: fmt.pct(d.uptake_rate) }),
        kpiCard({ key: "discount_rate", label: "Discount as share of gross sales", value: d.discount_rate, text: fmt.pct(d.discount_rate) }),
        kpiCard({ key: "discount", label: "Discounts given", value: d.discount, text: fmt.money(d.discount) }),
      ]),
      el(
        "div",
        { class: "grid" },
        card("When customers shop", { id: "behavior-heatmap", wide: true }, hourWeekdayGrid(data.hour_weekday)),
        card("Basket size (units per transaction)", { id: "behavior-size" }, chart("Histogram of transactions by basket size in units", histogram("Transactions", data.basket_size, 0))),
        card("Basket value (pesos per transaction)", { id: "behavior-value" }, chart("Histogram of transactions by basket value in pesos", histogram("Transactions", data.basket_value, 2))),
        card(`Payment methods by ${data.grain}`, { id: "behavior-payments", wide: true }, chart(`Stacked bar chart of payment method share of transactions by ${data.grain}`, paymentMixConfig(data.payment_mix), { height: 300 })),
      ),
    ];
  },
};
