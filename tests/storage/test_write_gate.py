"""The SQLite write gate: writers in one process take turns in Python, request threads first, and
every way a transaction ends gives the gate back (real SQLite engines, real threads)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from shared.db import write_gate
from shared.db.engine import dispose_engines, get_engine

WAIT_S = 10.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = get_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    yield engine
    dispose_engines()


def _gate(engine: Engine) -> write_gate.WriteGate:
    gate = write_gate.gate_of(engine)
    assert gate is not None, "SQLite engines get a write gate"
    return gate


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the other threads"
        time.sleep(0.005)


def _writer(engine: Engine, who: str, interactive: bool) -> threading.Thread:
    def write() -> None:
        if interactive:
            write_gate.mark_interactive()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES (:who)"), {"who": who})

    return threading.Thread(target=write, name=who)


def _order(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.scalars(text("SELECT who FROM t ORDER BY id")))


def test_a_request_thread_writes_before_background_writers_that_came_first(engine: Engine) -> None:
    gate = _gate(engine)
    holder = engine.connect()
    holder.execute(text("INSERT INTO t (who) VALUES ('holder')"))  # takes the gate, keeps it
    background = [_writer(engine, f"background-{n}", interactive=False) for n in range(2)]
    for thread in background:
        thread.start()
    _until(lambda: gate.waiting == 2)
    request = _writer(engine, "request", interactive=True)
    request.start()
    _until(lambda: gate.waiting == 3)
    holder.commit()
    holder.close()
    for thread in (*background, request):
        thread.join(WAIT_S)
        assert not thread.is_alive()
    order = _order(engine)
    assert order[:2] == ["holder", "request"]
    assert sorted(order[2:]) == ["background-0", "background-1"]


def test_reads_do_not_take_the_gate(engine: Engine) -> None:
    gate = _gate(engine)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM t")).scalar_one()
        writer = _writer(engine, "writer", interactive=False)
        writer.start()
        writer.join(WAIT_S)
        assert not writer.is_alive()
    assert gate.waiting == 0 and _order(engine) == ["writer"]


@pytest.mark.parametrize("ending", ["failed statement", "rollback", "closed without commit"])
def test_every_end_of_a_write_transaction_gives_the_gate_back(engine: Engine, ending: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'first')"))
    if ending == "failed statement":
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('kept out')"))
            conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'duplicate')"))
    else:
        conn = engine.connect()
        conn.execute(text("INSERT INTO t (who) VALUES ('undone')"))
        if ending == "rollback":
            conn.rollback()
        conn.close()
    after = _writer(engine, "after", interactive=False)
    after.start()
    after.join(WAIT_S)
    assert not after.is_alive(), f"the gate was not given back after a {ending}"
    assert _order(engine) == ["first", "after"]


def test_begin_immediate_holds_the_gate_for_driver_level_writes(engine: Engine) -> None:
    """The load's form: ``BEGIN IMMEDIATE`` through the connection, then writes through its
    driver connection (no SQLAlchemy events), then commit."""
    gate = _gate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        waiter = _writer(engine, "waiter", interactive=True)
        waiter.start()
        _until(lambda: gate.waiting == 1)
        conn.connection.driver_connection.cursor().execute("INSERT INTO t (who) VALUES ('bulk')")
        conn.commit()
    waiter.join(WAIT_S)
    assert not waiter.is_alive()
    assert _order(engine) == ["bulk", "waiter"]


def test_background_writers_step_aside_while_a_request_is_served(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_gate, "BACKGROUND_YIELD_S", WAIT_S)  # step aside until the request ends
    gate = _gate(engine)
    with write_gate.serving_request():
        background = _writer(engine, "background", interactive=False)
        background.start()
        _until(lambda: gate.waiting == 1)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (who) VALUES ('request')"))
        assert _order(engine) == ["request"] and background.is_alive()
    background.join(WAIT_S)
    assert not background.is_alive()
    assert _order(engine) == ["request", "background"]


def test_overlapping_requests_in_one_event_loop_leave_no_mark_behind() -> None:
    """Handlers of concurrent requests share the event loop's thread: the mark is per task, so a
    request ending first does not unmark another, nor does the last leave the loop marked."""

    async def request(enter: asyncio.Event, leave: asyncio.Event) -> bool:
        with write_gate.serving_request():
            enter.set()
            await leave.wait()
            return write_gate.interactive()

    async def main() -> tuple[bool, bool, bool]:
        a_in, a_out, b_in, b_out = (asyncio.Event() for _ in range(4))
        a = asyncio.create_task(request(a_in, a_out))
        b = asyncio.create_task(request(b_in, b_out))
        await a_in.wait()
        await b_in.wait()
        a_out.set()
        marked_a = await a
        b_out.set()
        return marked_a, await b, write_gate.interactive()

    with ThreadPoolExecutor(1) as pool:  # a loop of its own: another test's may still run on this thread
        assert pool.submit(asyncio.run, main()).result(WAIT_S) == (True, True, False)
