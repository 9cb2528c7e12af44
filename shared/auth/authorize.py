"""``authorize_request``: from request headers to a :class:`Principal` allowed to do the thing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from shared.auth import tokens
from shared.auth.directory import grants_for
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, Principal
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.errors import ApiError
from shared.ratelimit import check_rate
from shared.telemetry import get_logger

log = get_logger("auth")


def _authenticate(headers: Mapping[str, str]) -> Principal:
    token = tokens.bearer_token(headers)
    if token is None:
        swa_value = tokens._header(headers, "x-ms-client-principal")
        if swa_value and get_settings().trust_swa_principal:
            from shared.auth.swa import principal_from_swa

            return principal_from_swa(swa_value)
        raise tokens.missing_token()
    claims = tokens.get_validator().validate(token)
    return tokens.principal_from_claims(claims)


def authorize_request(
    headers: Mapping[str, str],
    roles: frozenset[str],
    client_ip: str | None = None,
) -> Principal:
    """Validate the caller, require ANY of ``roles`` (Admin implies all), rate-limit, and attach
    the caller's vendor and regions from SQL.
    """
    principal = _authenticate(headers)
    check_rate(f"{principal.tenant_id}/{principal.subject}")
    if not principal.has_any_role(ROLE_ADMIN, *roles):
        log.warning(
            "access refused: missing role",
            extra={"subject": principal.subject, "client_ip": client_ip, "required": sorted(roles)},
        )
        raise ApiError(
            403, "forbidden", "This caller lacks the role this endpoint requires: " + ", ".join(sorted(roles))
        )
    with ensure_schema().connect() as conn:
        grants = grants_for(conn, principal.subject)
    principal = dataclasses.replace(principal, vendor_id=grants.vendor_id, regions=grants.regions)
    if ROLE_INGEST in roles and principal.vendor_id is None and not principal.has_any_role(ROLE_ADMIN):
        raise ApiError(
            403, "vendor_not_mapped", "This caller is not mapped to a vendor; ask an administrator."
        )
    return principal
