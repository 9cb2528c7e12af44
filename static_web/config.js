// Dashboard configuration. Deployed as is; holds no secret (a client id and a tenant are public).
//
// authMode "dev": the page asks the local host's development issuer for a Dashboard.Read token
//   (GET /dev-issuer/dashboard-token, served only when the host runs with SCOUT_AUTH_MODE=dev).
// authMode "msal": sign-in with Entra ID through MSAL.js (@azure/msal-browser). NOT WIRED YET:
//   js/auth.js shows a clear error in this mode. To wire it, vendor msal-browser.min.js under
//   vendor/, load it from index.html, and in js/auth.js create a PublicClientApplication with
//   `msal` below, call loginRedirect/handleRedirectPromise, then acquireTokenSilent({scopes:
//   [msal.apiScope]}) before each call. The Function App must accept the scope's audience.
export const config = Object.freeze({
  authMode: "dev",
  apiBase: "/api",
  devTokenUrl: "/dev-issuer/dashboard-token",
  msal: Object.freeze({
    clientId: "00000000-0000-0000-0000-000000000000", // the dashboard's SPA app registration
    authority: "https://login.microsoftonline.com/<tenant-id>",
    redirectUri: "/",
    apiScope: "api://scout/Dashboard.Read", // delegated scope exposed by the API app registration
  }),
});
