// Chart.js (loaded as vendor/chart.umd.js) with the dashboard's look; one registry so a view
// re-render destroys the charts it replaces.
import { el } from "./dom.js";

export const PALETTE = [
  "#1f5fa8", "#d9730d", "#2e8540", "#b3261e", "#6b4fbb", "#00838f",
  "#8d6e00", "#c2185b", "#546e7a", "#5d4037", "#7cb342", "#4fc3f7",
  "#f06292", "#9575cd", "#ffb74d", "#4db6ac",
];

const live = new Set();
const pending = [];

export function destroyCharts() {
  for (const chart of live) chart.destroy();
  live.clear();
  pending.length = 0;
}

// Chart.js measures the canvas's parent, so charts are created once their boxes are in the page.
export function mountCharts() {
  for (const { canvas, config } of pending.splice(0)) {
    if (canvas.isConnected) live.add(new window.Chart(canvas, config));
  }
}

function configureDefaults() {
  const { Chart } = window;
  Chart.defaults.animation = false; // instant redraws; nothing moves for users who dislike motion
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#333";
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

let configured = false;

// A canvas in a sized box; `label` describes the chart for screen readers (the table next to
// each chart carries the numbers).
export function chart(label, config, { height = 280 } = {}) {
  if (!window.Chart) throw new Error("The chart library did not load.");
  if (!configured) {
    configureDefaults();
    configured = true;
  }
  const canvas = el("canvas", { role: "img", "aria-label": label });
  const box = el("div", { class: "chart-box" }, canvas);
  box.style.height = `${height}px`;
  pending.push({ canvas, config });
  return box;
}

export function colour(index, alpha = 1) {
  const hex = PALETTE[index % PALETTE.length];
  if (alpha === 1) return hex;
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
