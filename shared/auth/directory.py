"""Who may touch what, as stored in SQL: caller -> vendor (``api_caller``), reader -> regions
(``reader_scope``), store -> vendor (``dim_store``). Functions take a connection; the caller owns
the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select, update

from shared.db.tables import api_caller, dim_store, dim_vendor, reader_scope, utcnow

_IN_CHUNK = 500  # bound parameters per IN (...) list, well under every dialect's limit


@dataclass(frozen=True)
class Grants:
    vendor_id: str | None
    regions: frozenset[str] | None  # None: every region


def grants_for(conn: Connection, subject: str) -> Grants:
    vendor = conn.execute(select(api_caller.c.vendor_id).where(api_caller.c.subject == subject)).scalar()
    regions = (
        conn.execute(select(reader_scope.c.region).where(reader_scope.c.subject == subject)).scalars().all()
    )
    return Grants(vendor_id=vendor, regions=frozenset(regions) if regions else None)


def vendor_exists(conn: Connection, vendor_id: str) -> bool:
    return (
        conn.execute(select(dim_vendor.c.vendor_id).where(dim_vendor.c.vendor_id == vendor_id)).first()
        is not None
    )


def ensure_vendor(conn: Connection, vendor_id: str, name: str | None = None) -> bool:
    """Create the vendor if missing; True when it was created."""
    if vendor_exists(conn, vendor_id):
        return False
    conn.execute(insert(dim_vendor).values(vendor_id=vendor_id, name=name or vendor_id, created_at=utcnow()))
    return True


def set_caller_vendor(
    conn: Connection,
    subject: str,
    vendor_id: str | None,
    *,
    tenant_id: str | None = None,
    description: str | None = None,
) -> None:
    values = {
        "vendor_id": vendor_id,
        "tenant_id": tenant_id,
        "description": description,
        "updated_at": utcnow(),
    }
    done = conn.execute(update(api_caller).where(api_caller.c.subject == subject).values(**values))
    if done.rowcount == 0:
        conn.execute(insert(api_caller).values(subject=subject, **values))


def set_reader_regions(conn: Connection, subject: str, regions: Iterable[str]) -> None:
    """Replace the subject's regions; an empty list removes the limit (every region)."""
    conn.execute(delete(reader_scope).where(reader_scope.c.subject == subject))
    rows = [{"subject": subject, "region": r} for r in sorted(set(regions))]
    if rows:
        conn.execute(insert(reader_scope), rows)


def store_vendors(conn: Connection, store_ids: Iterable[str]) -> dict[str, str]:
    """store_id -> vendor_id for the stores that exist."""
    ids = sorted(set(store_ids))
    found: dict[str, str] = {}
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        query = select(dim_store.c.store_id, dim_store.c.vendor_id).where(dim_store.c.store_id.in_(chunk))
        found.update({row.store_id: row.vendor_id for row in conn.execute(query)})
    return found
