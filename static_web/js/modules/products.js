// Product Mix: category and brand shares, top/bottom SKUs, Pareto curve, category x region, pairs.
import { chart, colour } from "../charts.js";
import { card, el, emptyNote } from "../dom.js";
import { fmt } from "../format.js";
import { dataTable } from "../table.js";
import { barConfig, choice, doughnutConfig, heatCell } from "../widgets.js";

const TOP_CHOICES = ["5", "10", "20"];
const BRANDS_CHARTED = 12;

const SKU_COLUMNS = [
  { key: "rank", label: "Rank", numeric: true },
  { key: "sku", label: "SKU" },
  { key: "product_name", label: "Product" },
  { key: "brand", label: "Brand" },
  { key: "category", label: "Category" },
  { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
  { key: "units", label: "Units", numeric: true, format: fmt.num },
  { key: "share", label: "Share", numeric: true, format: fmt.pct },
];

function paretoConfig(pareto) {
  return {
    type: "line",
    data: {
      labels: pareto.curve.map((p) => p.rank),
      datasets: [
        { label: "Cumulative share of revenue", data: pareto.curve.map((p) => p.cumulative_share), borderColor: colour(0), pointRadius: 0, fill: false },
        { label: "80 %", data: pareto.curve.map(() => 0.8), borderColor: colour(3), borderDash: [4, 4], pointRadius: 0, fill: false },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { title: { display: true, text: "SKUs ranked by revenue" }, ticks: { maxTicksLimit: 10 } },
        y: { min: 0, max: 1, ticks: { callback: (v) => fmt.pct(v) } },
      },
      plugins: { tooltip: { callbacks: { label: (i) => `${i.dataset.label}: ${fmt.pct(i.raw)}` } } },
    },
  };
}

function categoryRegionMatrix(cells) {
  const regions = [...new Set(cells.map((c) => c.region))].sort();
  const categories = [...new Set(cells.map((c) => c.category))].sort();
  const byKey = new Map(cells.map((c) => [`${c.category}\u0000${c.region}`, c]));
  const top = Math.max(...cells.map((c) => c.share_of_region), 0.0001);
  return el(
    "div",
    { class: "table-scroll", tabindex: "0", role: "region", "aria-label": "Category share of each region's revenue" },
    el(
      "table",
      { class: "data-table matrix", id: "category-region" },
      el("caption", { text: "Share of each region's revenue by category" }),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: "Category" }), regions.map((r) => el("th", { scope: "col", class: "num", text: r })))),
      el(
        "tbody",
        {},
        categories.map((category) =>
          el(
            "tr",
            {},
            el("th", { scope: "row", text: category }),
            regions.map((region) => {
              const cell = byKey.get(`${category}\u0000${region}`);
              return cell ? heatCell(cell.share_of_region, cell.share_of_region / top, fmt.pct(cell.share_of_region)) : el("td", { class: "num", text: "—" });
            }),
          ),
        ),
      ),
    ),
  );
}

export default {
  id: "products",
  title: "Product Mix",
  endpoint: "products",
  params: { top: { value: "10", allowed: TOP_CHOICES } },
  exports: [
    ["categories", "Category shares"],
    ["brands", "Brand shares"],
    ["top_skus", "Top SKUs"],
    ["bottom_skus", "Bottom SKUs"],
    ["category_region", "Category by region"],
    ["pairs", "Bought together"],
  ],

  controls(state, update) {
    return choice({ name: "top", label: "SKUs listed", value: state.top, options: TOP_CHOICES.map((n) => [n, `Top/bottom ${n}`]), onChange: (top) => update({ top }) });
  },

  isEmpty: (data) => data.categories.length === 0,

  render(data) {
    const { categories, pareto } = data;
    const brands = data.brands.slice(0, BRANDS_CHARTED);
    const paretoText = `${fmt.int(pareto.skus_for_80pct)} of ${fmt.int(pareto.sku_count)} SKUs (${fmt.pct(pareto.share_of_skus)}) make 80 % of revenue.`;
    return [
      el(
        "div",
        { class: "grid" },
        card(
          "Revenue share by category",
          { id: "mix-categories" },
          chart("Doughnut chart of revenue share by category", doughnutConfig(categories.map((c) => c.name), categories.map((c) => c.revenue), "Revenue")),
          dataTable({
            caption: "Categories",
            sortable: true,
            sortKey: "revenue",
            columns: [
              { key: "name", label: "Category" },
              { key: "revenue", label: "Revenue", numeric: true, format: fmt.money },
              { key: "share", label: "Share", numeric: true, format: fmt.pct },
            ],
            rows: categories,
          }),
        ),
        card(
          `Revenue share by brand (top ${brands.length})`,
          { id: "mix-brands" },
          chart(
            "Bar chart of revenue share by brand",
            barConfig({ labels: brands.map((b) => b.name), horizontal: true, percent: true, datasets: [{ label: "Share of revenue", data: brands.map((b) => b.share), colourIndex: 1 }] }),
            { height: Math.max(220, 28 * brands.length) },
          ),
        ),
        card(
          "Pareto: how many SKUs make 80 % of revenue",
          { id: "mix-pareto" },
          el("p", { class: "headline", "data-value": pareto.skus_for_80pct, text: paretoText }),
          chart("Line chart of cumulative revenue share by SKU rank", paretoConfig(pareto)),
        ),
        card(
          "Category share by region",
          { id: "mix-matrix" },
          data.category_region.length ? categoryRegionMatrix(data.category_region) : emptyNote("No regional figures."),
        ),
        card(`Top ${data.top} SKUs by ${data.sku_sort}`, { id: "mix-top", wide: true }, dataTable({ caption: `Best-selling ${data.top} SKUs`, columns: SKU_COLUMNS, rows: data.top_skus })),
        card(`Bottom ${data.top} SKUs by ${data.sku_sort}`, { id: "mix-bottom", wide: true }, dataTable({ caption: `Weakest-selling ${data.top} SKUs with sales`, columns: SKU_COLUMNS, rows: data.bottom_skus })),
        card(
          "Bought together",
          { id: "mix-pairs", wide: true },
          data.pairs.length
            ? dataTable({
                caption: `Product pairs in the same basket, counted over whole months ${data.pairs_from} – ${data.pairs_to} (support over ${fmt.int(data.basket_transactions)} transactions)`,
                sortable: true,
                sortKey: "lift",
                columns: [
                  { key: "product_a", label: "Product" },
                  { key: "product_b", label: "Bought with" },
                  { key: "transactions", label: "Baskets", numeric: true, format: fmt.int },
                  { key: "support", label: "Support", numeric: true, format: fmt.pct },
                  { key: "confidence", label: "Confidence", numeric: true, format: fmt.pct },
                  { key: "lift", label: "Lift", numeric: true, format: fmt.num },
                ],
                rows: data.pairs,
              })
            : emptyNote("No two products were bought together often enough to show."),
        ),
      ),
    ];
  },
};
