"""Static Web Apps' ``x-ms-client-principal`` header (base64 JSON), trusted only when configured.

Trust it only when the Function App is reachable solely through the Static Web App's linked
backend: anyone who can reach the Functions endpoint directly can forge the header.
"""

from __future__ import annotations

import base64
import binascii
import json

from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ, Principal
from shared.auth.tokens import invalid_token

HEADER = "x-ms-client-principal"
TENANT = "static-web-apps"
_KNOWN_ROLES = {ROLE_ADMIN, ROLE_INGEST, ROLE_READ}


def principal_from_swa(value: str) -> Principal:
    try:
        data = json.loads(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError) as exc:
        raise invalid_token("The client principal header is malformed.") from exc
    if not isinstance(data, dict) or not isinstance(data.get("userId"), str) or not data["userId"]:
        raise invalid_token("The client principal names no user.")
    roles = data.get("userRoles") or []
    granted = frozenset(r for r in roles if isinstance(r, str) and r in _KNOWN_ROLES)
    return Principal(
        subject=data["userId"],
        tenant_id=TENANT,
        roles=granted,
        client_app=str(data.get("identityProvider") or "swa"),
        claims={"userRoles": roles, "identityProvider": data.get("identityProvider")},
    )
