// Bearer tokens for API calls. See config.js for the two modes.
import { config } from "../config.js";

let cached = null; // { token, expiresAt } — held in memory only, never in storage

function expiryOf(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return typeof payload.exp === "number" ? payload.exp * 1000 : Date.now() + 5 * 60 * 1000;
  } catch {
    return Date.now() + 5 * 60 * 1000;
  }
}

async function devToken() {
  const response = await fetch(config.devTokenUrl, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw new Error(`The development token service answered ${response.status}.`);
  }
  const body = await response.json();
  if (!body.access_token) throw new Error("The development token service returned no token.");
  return body.access_token;
}

export async function getToken({ refresh = false } = {}) {
  if (config.authMode === "msal") {
    throw new Error("Sign-in with Entra ID (authMode \"msal\") is not wired in this build; see config.js.");
  }
  if (!refresh && cached && cached.expiresAt - Date.now() > 30_000) return cached.token;
  const token = await devToken();
  cached = { token, expiresAt: expiryOf(token) };
  return token;
}
