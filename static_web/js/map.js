// Stores on an SVG map of the Philippines: an equirectangular projection of lat/lon (corrected
// for latitude), circles sized (by area) and shaded by revenue. No tiles, no network.
import { svg } from "./dom.js";
import { fmt } from "./format.js";
import { BOUNDS, ISLANDS } from "./ph_outline.js";
import { heatStyle } from "./widgets.js";

const SCALE = 40; // SVG units per degree of latitude
const X_FACTOR = Math.cos((12 * Math.PI) / 180); // degrees of longitude are shorter near 12° N
const MAX_RADIUS = 18;
const MIN_RADIUS = 3;

const project = ([lon, lat]) => [
  ((lon - BOUNDS.west) * X_FACTOR * SCALE).toFixed(1),
  ((BOUNDS.north - lat) * SCALE).toFixed(1),
];

export function storeMap(stores, label) {
  const width = ((BOUNDS.east - BOUNDS.west) * X_FACTOR * SCALE).toFixed(0);
  const height = ((BOUNDS.north - BOUNDS.south) * SCALE).toFixed(0);
  const placed = stores.filter((s) => s.lat !== null && s.lon !== null);
  const top = Math.max(...placed.map((s) => s.revenue), 1);
  const land = Object.entries(ISLANDS).map(([name, ring]) =>
    svg("polygon", { class: "land", points: ring.map((p) => project(p).join(",")).join(" "), "data-island": name }),
  );
  // Largest first so small circles stay visible on top.
  const circles = [...placed]
    .sort((a, b) => b.revenue - a.revenue)
    .map((s) => {
      const [cx, cy] = project([s.lon, s.lat]);
      const ratio = s.revenue / top;
      const r = (MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * Math.sqrt(ratio)).toFixed(1);
      const circle = svg(
        "circle",
        { class: "store-dot", cx, cy, r, fill: heatStyle(0.25 + 0.75 * ratio).background, "data-store": s.key },
        svg("title", {}, `${s.name} (${s.city ?? s.region}): ${fmt.money(s.revenue)}, ${fmt.int(s.transactions)} transactions`),
      );
      return circle;
    });
  return svg(
    "svg",
    { class: "store-map", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label, preserveAspectRatio: "xMidYMid meet" },
    svg("rect", { class: "sea", x: 0, y: 0, width, height }),
    ...land,
    ...circles,
  );
}
