// The dashboard shell: module navigation, filters kept in the URL, loading and error states.
import { downloadCsv, getJson } from "./api.js";
import { destroyCharts, mountCharts } from "./charts.js";
import { el } from "./dom.js";
import { apiParams, defaultRange, FILTER_KEYS, readState, toSearch } from "./state.js";
import behavior from "./modules/behavior.js";
import customers from "./modules/customers.js";
import geographic from "./modules/geographic.js";
import products from "./modules/products.js";
import trends from "./modules/trends.js";

const MODULES = Object.fromEntries([trends, geographic, products, behavior, customers].map((m) => [m.id, m]));
const DEFAULT_MODULE = trends.id;

const form = document.getElementById("filters");
const view = document.getElementById("view");
const status = document.getElementById("status");
const nav = document.getElementById("module-nav");

let state = null;
let stores = [];
let lastDataDay = null; // the newest sales date the API knows, for the default range
let inFlight = null;

const optionList = (names) => names.map((name) => ({ value: name, label: name }));

function fillSelect(select, options, allLabel) {
  const current = select.value;
  select.replaceChildren(el("option", { value: "", text: allLabel }), ...options.map((o) => el("option", { value: o.value, text: o.label })));
  select.value = options.some((o) => o.value === current) ? current : "";
}

function storeOptions(region) {
  return stores
    .filter((s) => !region || s.region === region)
    .map((s) => ({ value: s.store_id, label: s.city ? `${s.name} (${s.city})` : s.name }));
}

function syncForm() {
  fillSelect(form.elements.store, storeOptions(state.region), "All stores");
  for (const key of FILTER_KEYS) {
    const field = form.elements[key];
    field.value = state[key];
    // A value from a shared link that the lists do not hold is kept, shown as itself.
    if (field.tagName === "SELECT" && state[key] && field.value !== state[key]) {
      field.append(el("option", { value: state[key], text: state[key] }));
      field.value = state[key];
    }
  }
  form.elements.from.max = state.to || "";
  form.elements.to.min = state.from || "";
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.module === state.module) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
    link.href = toSearch({ ...stateWithoutModuleParams(), module: link.dataset.module });
  }
}

function stateWithoutModuleParams() {
  const shared = { module: state.module };
  for (const key of FILTER_KEYS) shared[key] = state[key];
  return shared;
}

function completeState(next) {
  const range = defaultRange(lastDataDay);
  const complete = { ...next, from: next.from || range.from, to: next.to || range.to };
  for (const [key, fallback] of Object.entries(MODULES[next.module].params ?? {})) {
    complete[key] = complete[key] || fallback.value;
  }
  return complete;
}

function navigate(next, { replace = false } = {}) {
  state = completeState(next);
  const url = toSearch(state);
  if (replace) history.replaceState(null, "", url);
  else if (url !== location.search) history.pushState(null, "", url);
  syncForm();
  return renderView();
}

function announce(text) {
  status.textContent = text;
}

function errorPanel(error, retry) {
  const detail = error.code ? `${error.message} (${error.code})` : error.message;
  return el(
    "div",
    { class: "error-panel", role: "alert", "data-state": "error" },
    el("h2", { text: "The data could not be loaded" }),
    el("p", { class: "error-message", text: detail }),
    el("button", { type: "button", text: "Try again", onclick: retry }),
  );
}

// The API exports one table of an answer per CSV (`part`); the reader picks which.
function exportControls(module, params) {
  const parts = module.exports;
  const picker = el(
    "select",
    { id: "export-part", name: "part" },
    parts.map(([part, label]) => el("option", { value: part, text: label, selected: part === module.defaultExport?.(state) })),
  );
  const button = el("button", {
    type: "button",
    class: "secondary export",
    text: "Export CSV",
    onclick: async () => {
      const part = picker.value;
      const label = picker.selectedOptions[0].textContent;
      button.disabled = true;
      announce(`Preparing the ${label} CSV…`);
      try {
        await downloadCsv(module.endpoint, { ...params, part }, `scout-${module.id}-${part}-${params.from}-to-${params.to}.csv`);
        announce(`${label} CSV downloaded.`);
      } catch (error) {
        announce(`The CSV export failed: ${error.message}`);
      } finally {
        button.disabled = false;
      }
    },
  });
  return el("div", { class: "control export-control" }, el("label", { for: "export-part", text: "Table to export" }), el("div", { class: "inline" }, picker, button));
}

function viewHeader(module, params, data) {
  return el(
    "div",
    { class: "view-head" },
    el("h1", { id: "view-title", text: module.title }),
    el("p", { class: "view-period", text: `${state.from} to ${state.to}` }),
    data?.filters?.scoped_regions
      ? el("p", { class: "note scope-note", text: `Your access covers: ${data.filters.scoped_regions.join(", ")}.` })
      : null,
    el("div", { class: "view-actions" }, module.controls ? module.controls(state, (patch) => navigate({ ...state, ...patch })) : null, exportControls(module, params)),
  );
}

async function renderView() {
  const module = MODULES[state.module];
  const params = apiParams(state, module);
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  document.title = `${module.title} — Scout`;
  view.setAttribute("aria-busy", "true");
  view.classList.add("loading");
  announce(`Loading ${module.title}…`);
  try {
    const data = await getJson(module.endpoint, params, { signal: controller.signal });
    if (controller.signal.aborted) return;
    destroyCharts();
    const body = module.isEmpty(data)
      ? [el("div", { class: "empty-panel", "data-state": "empty" }, el("h2", { text: "No sales match these filters" }), el("p", { text: "Widen the date range or clear a filter to see figures." }))]
      : module.render(data, state);
    view.replaceChildren(viewHeader(module, params, data), ...body);
    view.dataset.state = module.isEmpty(data) ? "empty" : "ready";
    mountCharts();
    announce(`${module.title} updated for ${state.from} to ${state.to}.`);
  } catch (error) {
    if (error.name === "AbortError") return;
    destroyCharts();
    view.replaceChildren(viewHeader(module, params), errorPanel(error, () => renderView()));
    view.dataset.state = "error";
    announce(`${module.title} could not be loaded: ${error.message}`);
  } finally {
    if (inFlight === controller) {
      view.setAttribute("aria-busy", "false");
      view.classList.remove("loading");
    }
  }
}

function buildNav() {
  nav.replaceChildren(
    ...Object.values(MODULES).map((m) =>
      el("li", {}, el("a", { href: `?module=${m.id}`, "data-module": m.id, text: m.title })),
    ),
  );
  nav.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-module]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) return;
    event.preventDefault();
    const next = readState(link.search, MODULES, DEFAULT_MODULE);
    navigate(next);
    view.focus({ preventScroll: true });
  });
}

let debounce = null;

function onFilterChange(event) {
  const next = { ...state, [event.target.name]: event.target.value };
  if (event.target.name === "region" && next.store) {
    const store = stores.find((s) => s.store_id === next.store);
    if (store && next.region && store.region !== next.region) next.store = "";
  }
  if (event.target.type === "date" && (!next.from || !next.to || next.from > next.to)) {
    announce("Choose a start date on or before the end date.");
    return;
  }
  clearTimeout(debounce);
  debounce = setTimeout(() => navigate(next), event.target.type === "date" ? 350 : 0);
}

async function loadFilterOptions() {
  const filters = await getJson("filters");
  lastDataDay = filters.max_date;
  // /api/stores adds each store's city to the labels. It is asked for the default period, not
  // the link's, so a shared link with a bad range still opens and shows the API's complaint.
  const storeList = await getJson("stores", defaultRange(lastDataDay));
  stores = storeList.stores.length ? storeList.stores : filters.stores;
  fillSelect(form.elements.region, optionList(filters.regions), "All regions");
  fillSelect(form.elements.category, optionList(filters.categories), "All categories");
  fillSelect(form.elements.brand, optionList(filters.brands), "All brands");
}

async function start() {
  buildNav();
  form.addEventListener("change", onFilterChange);
  form.addEventListener("submit", (event) => event.preventDefault());
  document.getElementById("reset-filters").addEventListener("click", () => {
    navigate({ module: state.module });
  });
  window.addEventListener("popstate", () => {
    state = completeState(readState(location.search, MODULES, DEFAULT_MODULE));
    syncForm();
    renderView();
  });
  state = readState(location.search, MODULES, DEFAULT_MODULE);
  announce("Loading filters…");
  try {
    await loadFilterOptions();
  } catch (error) {
    state = completeState(state);
    syncForm();
    view.replaceChildren(errorPanel(error, () => location.reload()));
    view.dataset.state = "error";
    view.setAttribute("aria-busy", "false");
    announce(`The dashboard could not start: ${error.message}`);
    return;
  }
  await navigate(state, { replace: true });
}

start();
