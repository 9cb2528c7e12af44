"""The task hub: instances, their histories, an inbox of events not yet seen by the orchestrator,
and an outbox of activity work, in one SQLite file (WAL).

Everything an episode decides is written in one transaction before any of it is acted on, so a
host killed at any instant restarts from a consistent state: queued work runs (again), delivered
events are in the history exactly once.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .events import EventType, RuntimeStatus, event

SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    instance_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    status TEXT NOT NULL,
    input TEXT,
    output TEXT,
    custom_status TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    parent_instance_id TEXT,
    parent_task_id INTEGER,
    bookkeeping TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_created ON instances (created_at);
CREATE TABLE IF NOT EXISTS history (
    instance_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    event TEXT NOT NULL,
    PRIMARY KEY (instance_id, position)
);
CREATE TABLE IF NOT EXISTS inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    event TEXT NOT NULL,
    visible_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_visible ON inbox (visible_at);
CREATE INDEX IF NOT EXISTS inbox_instance ON inbox (instance_id);
CREATE TABLE IF NOT EXISTS work (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    instance_id TEXT NOT NULL,
    execution_id TEXT NOT NULL,
    task_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    input TEXT
);
CREATE TABLE IF NOT EXISTS timer_runs (
    name TEXT PRIMARY KEY,
    last_run TEXT,
    next_due TEXT
);
"""


@dataclass
class Instance:
    instance_id: str
    name: str
    execution_id: str
    status: str
    input: str | None
    output: str | None
    custom_status: str | None
    created_at: str
    updated_at: str
    parent_instance_id: str | None
    parent_task_id: int | None
    bookkeeping: dict[str, Any]

    @property
    def is_final(self) -> bool:
        return self.status in RuntimeStatus.FINAL


@dataclass
class InboxEvent:
    id: int
    event: dict[str, Any]


@dataclass
class WorkItem:
    id: int
    instance_id: str
    execution_id: str
    task_id: int
    name: str
    input: str | None


@dataclass
class NewInstance:
    instance_id: str
    name: str
    input: str | None
    parent_instance_id: str | None = None
    parent_task_id: int | None = None


@dataclass
class EpisodeChanges:
    """What one orchestrator episode decided; applied atomically by :meth:`TaskHubStore.commit_episode`."""

    instance_id: str
    execution_id: str
    consumed_inbox_ids: list[int]
    history_append: list[dict[str, Any]]
    status: str
    output: str | None
    custom_status: str | None
    bookkeeping: dict[str, Any]
    updated_at: str
    work: list[tuple[int, str, str | None]] = field(default_factory=list)  # task id, activity, input
    inbox: list[tuple[str, dict[str, Any], str]] = field(default_factory=list)  # instance, event, visible
    new_instances: list[NewInstance] = field(default_factory=list)
    cancelled_timer_ids: list[int] = field(default_factory=list)
    continue_as_new_input: str | None = None
    continued_as_new: bool = False


def new_bookkeeping() -> dict[str, Any]:
    # next_seq: the SDK's next task sequence number; action_ids: the id each action took
    # (None for external-event waits); retries: open retry attempts by task id; retry_timers:
    # retry backoff timers by timer id; action_sigs: what each action asked for, to detect a
    # replay that diverges from the first run.
    return {"next_seq": 0, "action_ids": [], "action_sigs": [], "retries": {}, "retry_timers": {}}


class TaskHubStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # --- instances -------------------------------------------------------------------------
    def create_instance(self, new: NewInstance, execution_id: str, now: str) -> tuple[bool, Instance | None]:
        """Start ``new`` unless a non-final instance has its id: ``(created, existing)``.
        A final instance with the same id is replaced, as Azure does by default."""
        with self._tx() as db:
            existing = self._instance(db, new.instance_id)
            if existing is not None and not existing.is_final:
                return False, existing
            if existing is not None:
                _delete_instance(db, new.instance_id)
            _insert_instance(db, new, execution_id, now)
            return True, None

    def instance(self, instance_id: str) -> Instance | None:
        with self._lock:
            return self._instance(self._conn, instance_id)

    def _instance(self, db: sqlite3.Connection, instance_id: str) -> Instance | None:
        row = db.execute("SELECT * FROM instances WHERE instance_id = ?", (instance_id,)).fetchone()
        return _to_instance(row) if row else None

    def history(self, instance_id: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT event FROM history WHERE instance_id = ? ORDER BY position", (instance_id,)
            ).fetchall()
        return [json.loads(r["event"]) for r in rows]

    def query(
        self,
        *,
        created_from: str | None = None,
        created_to: str | None = None,
        statuses: list[str] | None = None,
        prefix: str | None = None,
        limit: int | None = None,
    ) -> list[Instance]:
        sql, args = "SELECT * FROM instances WHERE 1=1", list[object]()
        if created_from:
            sql, args = sql + " AND created_at >= ?", [*args, created_from]
        if created_to:
            sql, args = sql + " AND created_at <= ?", [*args, created_to]
        if statuses:
            sql += f" AND status IN ({','.join('?' * len(statuses))})"
            args += statuses
        if prefix:
            sql, args = sql + " AND substr(instance_id, 1, ?) = ?", [*args, len(prefix), prefix]
        sql += " ORDER BY created_at"
        if limit:
            sql, args = sql + " LIMIT ?", [*args, limit]
        with self._lock:
            return [_to_instance(r) for r in self._conn.execute(sql, args).fetchall()]

    # --- the orchestrator's inbox --------------------------------------------------------------
    def ready_instances(self, now: str) -> list[str]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT instance_id, MIN(id) AS first FROM inbox WHERE visible_at <= ?"
                " GROUP BY instance_id ORDER BY first",
                (now,),
            ).fetchall()
        return [r["instance_id"] for r in rows]

    def next_visible_at(self) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT MIN(visible_at) AS t FROM inbox").fetchone()
        return row["t"] if row else None

    def ready_inbox(self, instance_id: str, now: str) -> list[InboxEvent]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, event FROM inbox WHERE instance_id = ? AND visible_at <= ?"
                " ORDER BY visible_at, id",
                (instance_id, now),
            ).fetchall()
        return [InboxEvent(r["id"], json.loads(r["event"])) for r in rows]

    def drop_inbox(self, ids: list[int]) -> None:
        with self._tx() as db:
            db.executemany("DELETE FROM inbox WHERE id = ?", [(i,) for i in ids])

    def add_event(self, instance_id: str, event: dict[str, Any], visible_at: str) -> Instance | None:
        """Queue an event (raised event, completion) for a non-final instance; return the instance."""
        with self._tx() as db:
            found = self._instance(db, instance_id)
            if found is None or found.is_final:
                return found
            _insert_inbox(db, instance_id, found.execution_id, event, visible_at)
            return found

    # --- activity work ---------------------------------------------------------------------
    def pending_work(self) -> list[WorkItem]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM work ORDER BY id").fetchall()
        return [WorkItem(**dict(r)) for r in rows]

    def has_work(self, work_id: int) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM work WHERE id = ?", (work_id,)).fetchone() is not None

    def complete_work(self, item: WorkItem, event: dict[str, Any], now: str) -> bool:
        """Record an activity's result as an inbox event and retire the work item, atomically.
        A result for an instance that ended (or restarted) since is dropped."""
        with self._tx() as db:
            gone = db.execute("DELETE FROM work WHERE id = ?", (item.id,)).rowcount == 0
            found = self._instance(db, item.instance_id)
            if gone or found is None or found.is_final or found.execution_id != item.execution_id:
                return False
            _insert_inbox(db, item.instance_id, item.execution_id, event, now)
            return True

    # --- one episode ---------------------------------------------------------------------------
    def commit_episode(self, changes: EpisodeChanges) -> list[WorkItem]:
        """Apply an episode atomically; return the activity work it queued."""
        with self._tx() as db:
            current = self._instance(db, changes.instance_id)
            if current is None or current.execution_id != changes.execution_id or current.is_final:
                return []  # terminated or purged while the orchestrator ran: the episode is void
            db.executemany("DELETE FROM inbox WHERE id = ?", [(i,) for i in changes.consumed_inbox_ids])
            if changes.continued_as_new:
                _reset_for_new_execution(db, current, changes)
            else:
                self._append_history(db, changes.instance_id, changes.history_append)
            db.execute(
                "UPDATE instances SET status = ?, output = ?, custom_status = ?, bookkeeping = ?,"
                " updated_at = ?, input = COALESCE(?, input) WHERE instance_id = ?",
                (
                    changes.status,
                    changes.output,
                    changes.custom_status,
                    json.dumps(changes.bookkeeping),
                    changes.updated_at,
                    changes.continue_as_new_input if changes.continued_as_new else None,
                    changes.instance_id,
                ),
            )
            for timer_id in changes.cancelled_timer_ids:
                db.execute(
                    "DELETE FROM inbox WHERE instance_id = ? AND json_extract(event, '$.EventType') = ?"
                    " AND json_extract(event, '$.TimerId') = ?",
                    (changes.instance_id, int(EventType.TIMER_FIRED), timer_id),
                )
            for new in changes.new_instances:
                existing = self._instance(db, new.instance_id)
                if existing is not None:
                    _delete_instance(db, new.instance_id)
                _insert_instance(db, new, f"{changes.execution_id}:{new.instance_id}", changes.updated_at)
            for target, event, visible_at in changes.inbox:
                target_instance = self._instance(db, target)
                if target_instance is not None and not target_instance.is_final:
                    _insert_inbox(db, target, target_instance.execution_id, event, visible_at)
            queued = []
            for task_id, name, input_ in changes.work:
                cur = db.execute(
                    "INSERT INTO work (instance_id, execution_id, task_id, name, input)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (changes.instance_id, changes.execution_id, task_id, name, input_),
                )
                queued.append(
                    WorkItem(
                        int(cur.lastrowid or 0),
                        changes.instance_id,
                        changes.execution_id,
                        task_id,
                        name,
                        input_,
                    )
                )
            return queued

    def _append_history(self, db: sqlite3.Connection, instance_id: str, events: list[dict[str, Any]]) -> None:
        row = db.execute(
            "SELECT COALESCE(MAX(position), -1) AS last FROM history WHERE instance_id = ?", (instance_id,)
        ).fetchone()
        start = int(row["last"]) + 1
        db.executemany(
            "INSERT INTO history (instance_id, position, event) VALUES (?, ?, ?)",
            [(instance_id, start + i, json.dumps(e)) for i, e in enumerate(events)],
        )

    # --- management ------------------------------------------------------------------------
    def terminate(self, instance_id: str, reason: str, now: str) -> Instance | None:
        """End a non-final instance now; its queued work and events are dropped. Returns the instance
        as it was (``None``: not found)."""
        with self._tx() as db:
            found = self._instance(db, instance_id)
            if found is None or found.is_final:
                return found
            self._append_history(
                db,
                instance_id,
                [event(EventType.EXECUTION_TERMINATED, now, Input=json.dumps(reason))],
            )
            db.execute(
                "UPDATE instances SET status = ?, output = ?, updated_at = ? WHERE instance_id = ?",
                (RuntimeStatus.TERMINATED, json.dumps(reason), now, instance_id),
            )
            db.execute("DELETE FROM inbox WHERE instance_id = ?", (instance_id,))
            db.execute("DELETE FROM work WHERE instance_id = ?", (instance_id,))
            return found

    def purge(self, instance_ids: list[str]) -> int:
        """Delete final instances with their history; non-final ones are left alone."""
        deleted = 0
        with self._tx() as db:
            for instance_id in instance_ids:
                found = self._instance(db, instance_id)
                if found is not None and found.is_final:
                    _delete_instance(db, instance_id)
                    deleted += 1
        return deleted

    # --- timer triggers (schedule monitor) --------------------------------------------------------
    def timer_run(self, name: str) -> tuple[str | None, str | None]:
        with self._lock:
            row = self._conn.execute(
                "SELECT last_run, next_due FROM timer_runs WHERE name = ?", (name,)
            ).fetchone()
        return (row["last_run"], row["next_due"]) if row else (None, None)

    def record_timer_run(self, name: str, last_run: str | None, next_due: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO timer_runs (name, last_run, next_due) VALUES (?, ?, ?)"
                " ON CONFLICT(name) DO UPDATE SET last_run = excluded.last_run, next_due = excluded.next_due",
                (name, last_run, next_due),
            )


def _to_instance(row: sqlite3.Row) -> Instance:
    values = dict(row)
    values["bookkeeping"] = json.loads(values["bookkeeping"])
    return Instance(**values)


def _insert_instance(db: sqlite3.Connection, new: NewInstance, execution_id: str, now: str) -> None:
    db.execute(
        "INSERT INTO instances (instance_id, name, execution_id, status, input, created_at, updated_at,"
        " parent_instance_id, parent_task_id, bookkeeping) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new.instance_id,
            new.name,
            execution_id,
            RuntimeStatus.PENDING,
            new.input,
            now,
            now,
            new.parent_instance_id,
            new.parent_task_id,
            json.dumps(new_bookkeeping()),
        ),
    )
    started = event(EventType.EXECUTION_STARTED, now, Name=new.name, Input=new.input, Version="")
    _insert_inbox(db, new.instance_id, execution_id, started, now)


def _reset_for_new_execution(db: sqlite3.Connection, current: Instance, changes: EpisodeChanges) -> None:
    """ContinueAsNew: a fresh history and execution; raised events not yet delivered carry over."""
    execution_id = f"{current.execution_id}+"
    db.execute("DELETE FROM history WHERE instance_id = ?", (current.instance_id,))
    db.execute("DELETE FROM work WHERE instance_id = ?", (current.instance_id,))
    db.execute(
        "DELETE FROM inbox WHERE instance_id = ? AND json_extract(event, '$.EventType') != ?",
        (current.instance_id, int(EventType.EVENT_RAISED)),
    )
    db.execute("UPDATE inbox SET execution_id = ? WHERE instance_id = ?", (execution_id, current.instance_id))
    db.execute(
        "UPDATE instances SET execution_id = ? WHERE instance_id = ?", (execution_id, current.instance_id)
    )
    started = event(
        EventType.EXECUTION_STARTED,
        changes.updated_at,
        Name=current.name,
        Input=changes.continue_as_new_input,
        Version="",
    )
    _insert_inbox(db, current.instance_id, execution_id, started, "")


def _insert_inbox(
    db: sqlite3.Connection, instance_id: str, execution_id: str, event: dict[str, Any], visible_at: str
) -> None:
    db.execute(
        "INSERT INTO inbox (instance_id, execution_id, event, visible_at) VALUES (?, ?, ?, ?)",
        (instance_id, execution_id, json.dumps(event), visible_at),
    )


def _delete_instance(db: sqlite3.Connection, instance_id: str) -> None:
    for table in ("instances", "history", "inbox", "work"):
        db.execute(f"DELETE FROM {table} WHERE instance_id = ?", (instance_id,))  # noqa: S608  # nosec B608 - fixed table names
