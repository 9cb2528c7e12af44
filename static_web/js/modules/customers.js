// Customer Profiling: age band x gender, loyalty tiers, new vs returning, RFM segments.
// Groups smaller than the API's k-anonymity threshold never arrive here.
import { chart, colour } from "../charts.js";
import { card, el, emptyNote } from "../dom.js";
import { fmt } from "../format.js";
import { dataTable } from "../table.js";
import { barConfig, doughnutConfig, kpiCard, kpiRow } from "../widgets.js";

const TIER_ORDER = ["basic", "bronze", "silver", "gold", "platinum"];

// "<18" before "18-24" before "65+": bands sort by their first number.
const bandStart = (band) => (band.startsWith("<") ? -1 : parseInt(band, 10) || 0);
const tierRank = (tier) => (TIER_ORDER.includes(tier) ? TIER_ORDER.indexOf(tier) : TIER_ORDER.length);

function demographicsConfig(cells) {
  const bands = [...new Set(cells.map((c) => c.age_band))].sort((a, b) => bandStart(a) - bandStart(b));
  const genders = [...new Set(cells.map((c) => c.gender))].sort();
  const revenue = new Map(cells.map((c) => [`${c.age_band}|${c.gender}`, c.revenue]));
  return barConfig({
    labels: bands,
    money: true,
    datasets: genders.map((gender, i) => ({ label: gender, data: bands.map((band) => revenue.get(`${band}|${gender}`) ?? 0), backgroundColor: colour(i) })),
  });
}

export default {
  id: "customers",
  title: "Customer Profiling",
  endpoint: "customers",
  params: {},
  exports: [
    ["demographics", "Age band x gender"],
    ["loyalty", "Loyalty tiers"],
    ["new_vs_returning", "New vs returning"],
    ["rfm", "RFM segments"],
  ],

  isEmpty: (data) => data.identified_transactions + data.anonymous_transactions === 0,

  render(data) {
    const total = data.identified_transactions + data.anonymous_transactions;
    const identifiedShare = total ? data.identified_transactions / total : null;
    const segments = [...data.rfm].sort((a, b) => b.revenue - a.revenue);
    const newReturning = data.new_vs_returning;
    const loyalty = [...data.loyalty].sort((a, b) => tierRank(a.tier) - tierRank(b.tier) || a.tier.localeCompare(b.tier));
    return [
      kpiRow([
        kpiCard({ key: "identified_transactions", label: "Transactions by known customers", value: data.identified_transactions, text: fmt.int(data.identified_transactions) }),
        kpiCard({ key: "anonymous_transactions", label: "Anonymous transactions", value: data.anonymous_transactions, text: fmt.int(data.anonymous_transactions) }),
        kpiCard({ key: "identified_share", label: "Share identified", value: identifiedShare, text: fmt.pct(identifiedShare) }),
      ]),
      data.suppressed_groups
        ? el("p", { class: "note", text: `${fmt.int(data.suppressed_groups)} groups with fewer than ${data.k_anonymity} customers are hidden to protect privacy.` })
        : null,
      el(
        "div",
        { class: "grid" },
        card(
          "Revenue by age band and gender",
          { id: "customers-demographics" },
          data.demographics.length ? chart("Grouped bar chart of revenue by age band and gender", demographicsConfig(data.demographics)) : emptyNote("No customer group is large enough to show."),
        ),
        card(
          "Loyalty tiers",
          { id: "customers-loyalty" },
          loyalty.length ? chart("Doughnut chart of revenue by loyalty tier", doughnutConfig(loyalty.map((l) => l.tier), loyalty.map((l) => l.revenue), "Revenue")) : emptyNote("No loyalty figures."),
          dataTable({
            caption: "Loyalty tiers",
            columns: [
              { key: "tier", label: "Tier" },
              { key: "customers", label: "Customers", numeric: true, format: fmt.int },
              { key: "transactions", label: "Transactions", numeric: true, format: fmt.int },
              { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
              { key: "share", label: "Share", numeric: true, format: fmt.pct },
            ],
            rows: loyalty,
          }),
        ),
        card(
          "New and returning customers",
          { id: "customers-new-returning" },
          chart("Bar chart of new and returning customers", barConfig({ labels: newReturning.map((n) => n.kind), datasets: [{ label: "Customers", data: newReturning.map((n) => n.customers), colourIndex: 5 }] }), { height: 220 }),
          dataTable({
            caption: "New and returning customers",
            columns: [
              { key: "kind", label: "Customers" },
              { key: "customers", label: "Count", numeric: true, format: fmt.int },
              { key: "transactions", label: "Transactions", numeric: true, format: fmt.int },
              { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
            ],
            rows: newReturning,
          }),
        ),
        card(
          "RFM segments",
          { id: "customers-rfm", wide: true },
          segments.length
            ? chart("Bar chart of revenue by RFM segment", barConfig({ labels: segments.map((s) => s.segment), money: true, horizontal: true, datasets: [{ label: "Revenue", data: segments.map((s) => s.revenue), colourIndex: 4 }] }), { height: Math.max(200, 32 * segments.length) })
            : emptyNote("No segment is large enough to show."),
          dataTable({
            caption: "Recency, frequency and monetary value by segment",
            sortable: true,
            sortKey: "revenue",
            columns: [
              { key: "segment", label: "Segment" },
              { key: "customers", label: "Customers", numeric: true, format: fmt.int },
              { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
              { key: "avg_recency_days", label: "Days since last visit", numeric: true, format: fmt.num },
              { key: "avg_frequency", label: "Visits", numeric: true, format: fmt.num },
              { key: "avg_monetary", label: "Spend per customer", numeric: true, format: fmt.money },
            ],
            rows: segments,
          }),
        ),
      ),
    ];
  },
};
