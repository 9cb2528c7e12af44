"""The audit trail: who ingested or changed what, when, from which client (``audit_log``)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, desc, insert, select

from shared.auth.principal import Principal
from shared.db.engine import ensure_schema
from shared.db.tables import audit_log, utcnow


def record(
    conn: Connection,
    actor: Principal,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> None:
    """Write one audit row inside the caller's transaction (so it commits with the change)."""
    conn.execute(
        insert(audit_log).values(
            at=utcnow(),
            actor=actor.subject[:128],
            client_app=(actor.client_app or None) and str(actor.client_app)[:128],
            client_ip=(client_ip or None) and client_ip[:64],
            action=action[:64],
            target=None if target is None else str(target)[:200],
            detail=json.dumps(detail or {}, default=str, sort_keys=True),
        )
    )


def audit(
    actor: Principal,
    action: str,
    target: str | None,
    detail: dict[str, Any] | None = None,
    client_ip: str | None = None,
) -> None:
    """Write one audit row in its own transaction."""
    with ensure_schema().begin() as conn:
        record(conn, actor, action, target, detail, client_ip)


def recent(
    conn: Connection,
    *,
    limit: int = 100,
    before_id: int | None = None,
    actor: str | None = None,
    action: str | None = None,
) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(desc(audit_log.c.audit_id)).limit(limit)
    if before_id is not None:
        query = query.where(audit_log.c.audit_id < before_id)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        item["detail"] = json.loads(item["detail"]) if item["detail"] else {}
        rows.append(item)
    return rows
