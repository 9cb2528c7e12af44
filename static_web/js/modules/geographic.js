// Geographic Heatmap: stores on a map of the Philippines, revenue by area, a sortable table.
import { chart } from "../charts.js";
import { card, el, emptyNote } from "../dom.js";
import { fmt } from "../format.js";
import { storeMap } from "../map.js";
import { dataTable } from "../table.js";
import { barConfig, choice } from "../widgets.js";

const LEVELS = [
  ["regions", "Regions", "Region"],
  ["provinces", "Provinces", "Province"],
  ["cities", "Cities", "City"],
  ["stores", "Stores", "Store"],
];

const growth = (v) => (v === null || v === undefined ? "new" : fmt.change(v / 100));

export default {
  id: "geographic",
  title: "Geographic Heatmap",
  endpoint: "geographic",
  params: { level: { value: "regions", allowed: LEVELS.map(([v]) => v), local: true } },
  exports: LEVELS.map(([v, plural]) => [v, plural]),
  defaultExport: (state) => state.level,

  controls(state, update) {
    return choice({ name: "level", label: "Table by", value: state.level, options: LEVELS.map(([v, plural]) => [v, plural]), onChange: (level) => update({ level }) });
  },

  isEmpty: (data) => data.stores.every((s) => s.transactions === 0) && data.regions.every((r) => r.transactions === 0),

  render(data, state) {
    const [, levelLabel, singular] = LEVELS.find(([v]) => v === state.level);
    const rows = data[state.level];
    const withSales = data.stores.filter((s) => s.transactions > 0);
    const placed = withSales.filter((s) => s.lat !== null && s.lon !== null);
    const regions = [...data.regions].sort((a, b) => b.revenue - a.revenue);
    return [
      el(
        "div",
        { class: "grid" },
        card(
          "Stores by revenue",
          { id: "geo-map" },
          placed.length
            ? storeMap(placed, `Map of ${placed.length} stores in the Philippines; larger, darker circles took more revenue`)
            : emptyNote("No store with sales has a known location."),
          el("p", { class: "note", text: "Circle area and shade follow revenue. Hover or focus the table for figures." }),
        ),
        card(
          "Revenue by region",
          { id: "geo-regions" },
          chart(
            "Bar chart of revenue by region",
            barConfig({ labels: regions.map((r) => r.name), money: true, horizontal: true, datasets: [{ label: "Revenue", data: regions.map((r) => r.revenue) }] }),
            { height: Math.max(200, 40 * regions.length) },
          ),
        ),
        card(
          `${levelLabel} ranked`,
          { id: "geo-table", wide: true },
          dataTable({
            caption: `Revenue, transactions and growth by ${levelLabel.toLowerCase()} (growth vs ${data.previous_from} – ${data.previous_to})`,
            sortable: true,
            sortKey: "revenue",
            tall: true,
            id: "geo-ranking",
            columns: [
              { key: "name", label: singular },
              { key: "region", label: "Region" },
              { key: "stores", label: "Stores", numeric: true, format: fmt.int },
              { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
              { key: "transactions", label: "Transactions", numeric: true, format: fmt.int },
              { key: "growth_pct", label: "Growth", numeric: true, format: growth },
            ].filter((c) => state.level !== "regions" || c.key !== "region"),
            rows,
          }),
        ),
      ),
    ];
  },
};
