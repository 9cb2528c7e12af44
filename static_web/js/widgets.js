// Pieces several views share: KPI cards, heat-shaded cells, chart defaults for common shapes.
import { colour } from "./charts.js";
import { el } from "./dom.js";
import { fmt } from "./format.js";

// `change` is a percentage (12.5 = +12.5 %) or null when there is nothing to compare with.
export function kpiCard({ key, label, value, text, change, comparedWith }) {
  const direction = change === null || change === undefined ? "flat" : change > 0 ? "up" : change < 0 ? "down" : "flat";
  const arrow = { up: "▲", down: "▼", flat: "" }[direction];
  const changeText =
    change === null || change === undefined
      ? `nothing to compare${comparedWith ? ` in ${comparedWith}` : ""}`
      : `${arrow} ${fmt.change(change / 100)}${comparedWith ? ` vs ${comparedWith}` : ""}`;
  return el(
    "div",
    { class: "kpi", "data-kpi": key, "data-value": value ?? "" },
    el("p", { class: "kpi-label", text: label }),
    el("p", { class: "kpi-value", text, title: text }),
    change === undefined ? null : el("p", { class: `kpi-change ${direction}`, text: changeText }),
  );
}

export function kpiRow(cards) {
  return el("div", { class: "kpis", role: "group", "aria-label": "Key figures" }, cards);
}

const channel = (c) => {
  const v = c / 255;
  return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
};
const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
const DARK_TEXT = [0, 0, 0];

// Background for a value on a 0..1 scale, with whichever text colour (black or white)
// contrasts more with it (WCAG relative luminance).
export function heatStyle(ratio) {
  const t = Math.max(0, Math.min(1, ratio || 0));
  const light = [235, 243, 251];
  const dark = [13, 59, 110];
  const rgb = light.map((c, i) => Math.round(c + (dark[i] - c) * t));
  const bg = luminance(rgb);
  const onWhite = 1.05 / (bg + 0.05);
  const onDark = (bg + 0.05) / (luminance(DARK_TEXT) + 0.05);
  return { background: `rgb(${rgb.join(",")})`, color: onWhite > onDark ? "#fff" : "#000" };
}

export function heatCell(value, ratio, text) {
  const cell = el("td", { class: "heat num", "data-value": value, text });
  const style = heatStyle(ratio);
  cell.style.background = style.background;
  cell.style.color = style.color;
  return cell;
}

export function barConfig({ labels, datasets, horizontal = false, stacked = false, percent = false, money = false }) {
  const tick = percent ? (v) => fmt.pct(v) : money ? (v) => fmt.moneyShort(v) : (v) => fmt.int(v);
  const valueAxis = { beginAtZero: true, stacked, ticks: { callback: tick }, max: percent && stacked ? 1 : undefined };
  const categoryAxis = { stacked, ticks: { autoSkip: true } };
  return {
    type: "bar",
    data: {
      labels,
      datasets: datasets.map((d, i) => ({ backgroundColor: colour(d.colourIndex ?? i), ...d })),
    },
    options: {
      indexAxis: horizontal ? "y" : "x",
      scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
      plugins: {
        legend: { display: datasets.length > 1 },
        tooltip: {
          callbacks: {
            label: (item) => `${item.dataset.label}: ${percent ? fmt.pct(item.raw) : money ? fmt.money(item.raw) : fmt.num(item.raw)}`,
          },
        },
      },
    },
  };
}

export function doughnutConfig(labels, values, label) {
  return {
    type: "doughnut",
    data: { labels, datasets: [{ label, data: values, backgroundColor: labels.map((_, i) => colour(i)) }] },
    options: { plugins: { legend: { position: "bottom" } } },
  };
}

export function choice({ name, label, value, options, onChange }) {
  const id = `ctl-${name}`;
  return el(
    "div",
    { class: "control" },
    el("label", { for: id, text: label }),
    el(
      "select",
      { id, name, onchange: (event) => onChange(event.target.value) },
      options.map(([optionValue, text]) => el("option", { value: optionValue, text, selected: optionValue === value })),
    ),
  );
}
