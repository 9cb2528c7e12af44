"""The outbox: captured lines on local disk until the server has acknowledged them.

One SQLite file (WAL, ``synchronous=FULL``): :meth:`Outbox.capture` returns only after its
transaction is on disk, so a power cut after capture loses nothing. Lines are sealed into
batches in capture order; a sealed batch never changes, so its idempotency key — derived from
the device, its sequence range and its content — is the same on every retry and after every
restart, and the server can recognise a resend of a batch it already accepted.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

PENDING, ACKED, DEAD = "pending", "acked", "dead"

SCHEMA = """
CREATE TABLE IF NOT EXISTS line (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    content_hash TEXT NOT NULL UNIQUE,
    payload      TEXT NOT NULL,
    captured_at  TEXT NOT NULL,
    batch_id     INTEGER REFERENCES batch(id)
);
CREATE INDEX IF NOT EXISTS line_by_batch ON line(batch_id, seq);
CREATE TABLE IF NOT EXISTS batch (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    first_seq       INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL,
    line_count      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    last_attempt_at TEXT,
    last_error      TEXT,
    acked_at        TEXT,
    server_batch_id TEXT
);
CREATE INDEX IF NOT EXISTS batch_by_state ON batch(state, id);
CREATE TABLE IF NOT EXISTS dead_letter (
    batch_id INTEGER PRIMARY KEY REFERENCES batch(id),
    status   INTEGER,
    error    TEXT NOT NULL,
    dead_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS captured_file (
    sha256      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    lines       INTEGER NOT NULL,
    captured_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


@dataclass(frozen=True)
class CaptureResult:
    captured: int
    duplicates: int
    last_seq: int | None  # highest sequence number in the outbox after this capture


@dataclass(frozen=True)
class Batch:
    id: int
    idempotency_key: str
    first_seq: int
    last_seq: int
    line_count: int
    attempts: int


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    def __init__(self, path: Path | str, now: Callable[[], datetime] = _utc_now) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.now = now
        # Autocommit mode: every write below opens its own BEGIN IMMEDIATE, so a capture process
        # and a push process can share the file without deadlocking on a lock upgrade.
        self.conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.executescript(SCHEMA)  # idempotent DDL; executescript manages its own transaction
        with self._write():
            self.conn.execute(
                "INSERT OR IGNORE INTO sync_state(name, value) VALUES ('device_id', ?)",
                (uuid.uuid4().hex[:16],),
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _stamp(self) -> str:
        return self.now().isoformat()

    @property
    def device_id(self) -> str:
        return str(self._state("device_id"))

    def _state(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM sync_state WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row["value"])

    # --- capture ---------------------------------------------------------------------------
    def capture(
        self, lines: Iterable[Mapping[str, Any]], source: tuple[str, str] | None = None
    ) -> CaptureResult:
        """Append lines in one durable transaction. A line identical to one already in the
        outbox is counted as a duplicate, not stored twice. ``source`` = (sha256, name) of the
        file the lines came from: a file already captured is skipped whole."""
        payloads = [canonical_json(dict(line)) for line in lines]
        stamp = self._stamp()
        with self._write() as conn:
            if source is not None:
                sha, name = source
                if conn.execute("SELECT 1 FROM captured_file WHERE sha256 = ?", (sha,)).fetchone():
                    return CaptureResult(0, len(payloads), self._last_seq())
                conn.execute(
                    "INSERT INTO captured_file(sha256, name, lines, captured_at) VALUES (?, ?, ?, ?)",
                    (sha, name, len(payloads), stamp),
                )
            before = conn.total_changes
            conn.executemany(
                "INSERT OR IGNORE INTO line(content_hash, payload, captured_at) VALUES (?, ?, ?)",
                [(hashlib.sha256(p.encode()).hexdigest(), p, stamp) for p in payloads],
            )
            captured = conn.total_changes - before
        return CaptureResult(captured, len(payloads) - captured, self._last_seq())

    def _last_seq(self) -> int | None:
        return self.conn.execute("SELECT max(seq) FROM line").fetchone()[0]

    # --- batches ---------------------------------------------------------------------------
    def seal(self, batch_size: int) -> int:
        """Group every unbatched line, in capture order, into batches of up to ``batch_size``."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        sealed = 0
        with self._write() as conn:
            while True:
                rows = conn.execute(
                    "SELECT seq, payload FROM line WHERE batch_id IS NULL ORDER BY seq LIMIT ?", (batch_size,)
                ).fetchall()
                if not rows:
                    return sealed
                first, last = rows[0]["seq"], rows[-1]["seq"]
                digest = hashlib.sha256(_body([r["payload"] for r in rows])).hexdigest()
                key = f"edge-{self.device_id}-{first}-{last}-{digest[:24]}"
                batch_id = conn.execute(
                    "INSERT INTO batch(idempotency_key, first_seq, last_seq, line_count, state, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (key, first, last, len(rows), PENDING, self._stamp()),
                ).lastrowid
                conn.execute(
                    "UPDATE line SET batch_id = ? WHERE batch_id IS NULL AND seq BETWEEN ? AND ?",
                    (batch_id, first, last),
                )
                sealed += 1

    def next_pending(self) -> Batch | None:
        row = self.conn.execute(
            "SELECT id, idempotency_key, first_seq, last_seq, line_count, attempts FROM batch"
            " WHERE state = ? ORDER BY id LIMIT 1",
            (PENDING,),
        ).fetchone()
        return None if row is None else Batch(**dict(row))

    def body(self, batch: Batch) -> bytes:
        """The request body for ``batch``: byte-for-byte the same on every call."""
        rows = self.conn.execute("SELECT payload FROM line WHERE batch_id = ? ORDER BY seq", (batch.id,))
        return _body([r["payload"] for r in rows])

    def record_attempt(self, batch: Batch, error: str | None) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE batch SET attempts = attempts + 1, last_attempt_at = ?, last_error = ? WHERE id = ?",
                (self._stamp(), error, batch.id),
            )

    def ack(self, batch: Batch, server_batch_id: str | None) -> None:
        """The server accepted ``batch``: mark it and persist the acknowledged position."""
        with self._write() as conn:
            conn.execute(
                "UPDATE batch SET state = ?, acked_at = ?, server_batch_id = ?, last_error = NULL,"
                " attempts = attempts + 1, last_attempt_at = ? WHERE id = ?",
                (ACKED, self._stamp(), server_batch_id, self._stamp(), batch.id),
            )
            self._advance_position(conn)

    def dead_letter(self, batch: Batch, status: int | None, error: str) -> None:
        """The server refused ``batch`` for good: park it with the server's error and move on."""
        with self._write() as conn:
            conn.execute(
                "UPDATE batch SET state = ?, last_error = ?, attempts = attempts + 1, last_attempt_at = ?"
                " WHERE id = ?",
                (DEAD, error, self._stamp(), batch.id),
            )
            conn.execute(
                "INSERT OR REPLACE INTO dead_letter(batch_id, status, error, dead_at) VALUES (?, ?, ?, ?)",
                (batch.id, status, error, self._stamp()),
            )
            self._advance_position(conn)

    def requeue(self, batch_id: int | None = None) -> int:
        """Send dead-lettered batches again (all, or one), with their original keys."""
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id FROM batch WHERE state = 'dead' AND (? IS NULL OR id = ?)", (batch_id, batch_id)
            )
            ids = [r["id"] for r in rows]
            for ident in ids:
                conn.execute("DELETE FROM dead_letter WHERE batch_id = ?", (ident,))
                conn.execute("UPDATE batch SET state = ?, attempts = 0 WHERE id = ?", (PENDING, ident))
        return len(ids)

    def _advance_position(self, conn: sqlite3.Connection) -> None:
        """Persist the highest sequence number below which nothing awaits the server."""
        waiting = conn.execute(
            "SELECT min(s) FROM (SELECT min(first_seq) AS s FROM batch WHERE state = 'pending'"
            " UNION ALL SELECT min(seq) FROM line WHERE batch_id IS NULL)"
        ).fetchone()[0]
        position = (waiting - 1) if waiting is not None else (self._last_seq() or 0)
        conn.execute(
            "INSERT INTO sync_state(name, value) VALUES ('acked_through_seq', ?)"
            " ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (str(position),),
        )

    def prune(self, older_than: timedelta) -> int:
        """Forget the lines of batches acknowledged longer ago than ``older_than``."""
        cutoff = (self.now() - older_than).isoformat()
        with self._write() as conn:
            return conn.execute(
                "DELETE FROM line WHERE batch_id IN"
                " (SELECT id FROM batch WHERE state = 'acked' AND acked_at < ?)",
                (cutoff,),
            ).rowcount

    # --- reporting -------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        conn = self.conn
        counts = {
            row["state"]: {"batches": row["batches"], "lines": row["lines"] or 0}
            for row in conn.execute(
                "SELECT state, count(*) AS batches, sum(line_count) AS lines FROM batch GROUP BY state"
            )
        }
        last_ack = conn.execute("SELECT max(acked_at) FROM batch WHERE state = 'acked'").fetchone()[0]
        last_error = conn.execute(
            "SELECT last_error FROM batch WHERE state = 'pending' AND last_error IS NOT NULL"
            " ORDER BY id LIMIT 1"
        ).fetchone()
        dead = [
            dict(row)
            for row in conn.execute(
                "SELECT b.id, b.idempotency_key, b.line_count, d.status, d.error, d.dead_at"
                " FROM dead_letter d JOIN batch b ON b.id = d.batch_id ORDER BY b.id"
            )
        ]
        return {
            "device_id": self.device_id,
            "unbatched_lines": conn.execute("SELECT count(*) FROM line WHERE batch_id IS NULL").fetchone()[0],
            "pending": counts.get(PENDING, {"batches": 0, "lines": 0}),
            "acked": counts.get(ACKED, {"batches": 0, "lines": 0}),
            "dead": counts.get(DEAD, {"batches": 0, "lines": 0}),
            "acked_through_seq": int(self._state("acked_through_seq") or 0),
            "last_seq": self._last_seq() or 0,
            "last_ack_at": last_ack,
            "last_error": None if last_error is None else last_error[0],
            "dead_letters": dead,
        }

    def payloads(self, batch_id: int) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT payload FROM line WHERE batch_id = ? ORDER BY seq", (batch_id,))
        return [json.loads(r["payload"]) for r in rows]


def _body(payloads: list[str]) -> bytes:
    return ("[" + ",".join(payloads) + "]").encode()
