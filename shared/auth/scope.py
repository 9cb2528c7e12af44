"""What a caller may touch: its vendor's stores (ingest) and its regions (analytics)."""

from __future__ import annotations

from collections.abc import Iterable

from shared.auth.directory import store_vendors
from shared.auth.principal import ROLE_ADMIN, Principal
from shared.config import get_settings
from shared.db.engine import ensure_schema
from shared.errors import ApiError
from shared.telemetry import get_logger

log = get_logger("auth")

_NAMED_MAX = 50  # offending ids listed in one error, so the answer stays small


def _normalise_store(store_id: str) -> str:
    return str(store_id).strip().upper()  # as the clean stage writes them


def check_store_scope(principal: Principal, store_ids: Iterable[str]) -> None:
    """403 ``store_not_allowed`` naming every store outside the caller's vendor.

    A store of another vendor is always refused; a store missing from ``dim_store`` is refused
    too unless ``unknown_store_policy`` is ``accept`` (then the ETL files it under the caller's
    vendor). An Admin without a vendor mapping may write for any store.
    """
    wanted = {_normalise_store(s) for s in store_ids if s is not None and str(s).strip()}
    if not wanted:
        return
    if principal.vendor_id is None:
        if principal.has_any_role(ROLE_ADMIN):
            return
        raise ApiError(403, "vendor_not_mapped", "This caller is not mapped to a vendor.")
    with ensure_schema().connect() as conn:
        owners = store_vendors(conn, wanted)
    accept_unknown = get_settings().unknown_store_policy == "accept"
    refused = sorted(
        s
        for s in wanted
        if (s in owners and owners[s] != principal.vendor_id) or (s not in owners and not accept_unknown)
    )
    if refused:
        log.warning(
            "access refused: stores of another vendor",
            extra={
                "subject": principal.subject,
                "vendor_id": principal.vendor_id,
                "stores": refused[:_NAMED_MAX],
            },
        )
        raise ApiError(
            403,
            "store_not_allowed",
            f"{len(refused)} store(s) do not belong to vendor {principal.vendor_id}: "
            + ", ".join(refused[:_NAMED_MAX])
            + (" ..." if len(refused) > _NAMED_MAX else ""),
            details=[{"field": "store_id", "store_id": s} for s in refused[:_NAMED_MAX]],
        )


def region_filter(principal: Principal, requested: list[str] | None) -> list[str] | None:
    """The regions a query must be limited to (None: no limit).

    A reader limited to some regions gets exactly those when asking for none, and 403
    ``region_not_allowed`` when asking for any other.
    """
    asked = [r for r in (requested or []) if r and r.strip()]
    if principal.regions is None:
        return asked or None
    allowed = {r.casefold(): r for r in principal.regions}
    if not asked:
        return sorted(principal.regions)
    refused = [r for r in asked if r.strip().casefold() not in allowed]
    if refused:
        log.warning(
            "access refused: regions", extra={"subject": principal.subject, "regions": refused[:_NAMED_MAX]}
        )
        raise ApiError(
            403,
            "region_not_allowed",
            "Not allowed to read region(s): " + ", ".join(refused[:_NAMED_MAX]),
            details=[{"field": "region", "region": r} for r in refused[:_NAMED_MAX]],
        )
    return sorted({allowed[r.strip().casefold()] for r in asked})
