// Calls to the Scout API: bearer token, query strings from filters, JSON errors, CSV downloads.
import { config } from "../config.js";
import { getToken } from "./auth.js";

export class ApiRequestError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Filters become repeated query parameters; empty values are left out.
export function queryString(params) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== "") query.append(name, String(item));
    }
  }
  const text = query.toString();
  return text ? `?${text}` : "";
}

async function errorFrom(response) {
  let code = "http_" + response.status;
  let message = `The server answered ${response.status}.`;
  try {
    const body = await response.json();
    const detail = body.error ?? body;
    code = detail.code ?? code;
    message = detail.message ?? message;
  } catch {
    // not JSON: keep the generic message
  }
  return new ApiRequestError(response.status, code, message);
}

async function call(path, params, { signal, accept }) {
  const url = `${config.apiBase}/${path}${queryString(params)}`;
  const send = async (token) =>
    fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: accept }, signal });
  let response = await send(await getToken());
  if (response.status === 401) response = await send(await getToken({ refresh: true }));
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function getJson(path, params = {}, options = {}) {
  const response = await call(path, params, { ...options, accept: "application/json" });
  return response.json();
}

// A download link cannot carry a bearer token, so the CSV is fetched and handed over as a blob.
export async function downloadCsv(path, params, filename) {
  const response = await call(path, { ...params, format: "csv" }, { accept: "text/csv" });
  const blob = await response.blob();
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
