// The dashboard's state lives in the URL query string, so any view can be shared as a link.
export const FILTER_KEYS = ["from", "to", "region", "store", "category", "brand"];

export function readState(search, modules, defaultModule) {
  const query = new URLSearchParams(search);
  const module = modules[query.get("module")] ? query.get("module") : defaultModule;
  const state = { module };
  for (const key of FILTER_KEYS) state[key] = query.get(key) ?? "";
  for (const [key, fallback] of Object.entries(modules[module].params ?? {})) {
    const value = query.get(key);
    const allowed = fallback.allowed;
    state[key] = value !== null && (!allowed || allowed.includes(value)) ? value : fallback.value;
  }
  return state;
}

export function toSearch(state) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(state)) {
    if (value !== "" && value !== null && value !== undefined) query.set(key, value);
  }
  return `?${query.toString()}`;
}

export function apiParams(state, module) {
  const params = {};
  for (const key of FILTER_KEYS) params[key] = state[key];
  for (const [key, spec] of Object.entries(module.params ?? {})) {
    if (!spec.local) params[key] = state[key]; // local parameters only change the page
  }
  return params;
}

const iso = (date) => date.toISOString().slice(0, 10);

// The last 30 days ending at `lastDay` (an ISO date), or at today when the data has no range.
export function defaultRange(lastDay) {
  const end = lastDay ? new Date(`${lastDay}T00:00:00Z`) : new Date();
  const start = new Date(end);
  start.setUTCDate(start.getUTCDate() - 29);
  return { from: iso(start), to: iso(end) };
}
