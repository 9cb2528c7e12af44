"""Activities in a worker process of their own, as the Functions host runs Python functions in
language worker processes: HTTP requests, timers and orchestrator episodes (all short) stay in the
host process; activities (the ETL's CPU-heavy stages) run in the worker, on its thread pool.

So an activity never holds the GIL the host serves requests with, and the worker runs at a lower
CPU priority (``nice``): on a small machine a burst of requests gets the cores first and the ETL
takes what is left. The worker imports the app itself (``module:attr``) and exits when the host
process dies, so a ``kill -9`` of the host leaves no orphan still writing after the restart.

If the worker dies, the calls it was running fail with :class:`WorkerLost` (their results are not
recorded, so their work items run again) and the next call starts a new worker.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from shared.telemetry import get_logger

from .activity import ActivityOutcome, run_activity_function

log = get_logger("local_host.worker")
PARENT_CHECK_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1


class WorkerLost(RuntimeError):
    """The worker process ended while an activity ran in it."""


class ActivityWorker:
    """One worker process running up to ``threads`` activities at once; ``run`` is thread-safe."""

    def __init__(self, app_spec: str, client_binding: str, threads: int, niceness: int = 10) -> None:
        self._args = (app_spec, client_binding, max(1, threads), niceness)
        self._lock = threading.Lock()
        self._ids = itertools.count()
        self._pending: dict[int, tuple[Connection, Future[ActivityOutcome]]] = {}
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._closed = False

    def start(self) -> None:
        """Start the process now (it imports the app before its first call)."""
        with self._lock:
            self._ensure_started()

    def run(self, name: str, input_json: str | None, log_fields: dict[str, Any]) -> ActivityOutcome:
        future: Future[ActivityOutcome] = Future()
        with self._lock:
            if self._closed:
                raise WorkerLost("the host is stopping")
            conn = self._ensure_started()
            call_id = next(self._ids)
            self._pending[call_id] = (conn, future)
            try:
                conn.send((call_id, name, input_json, log_fields))
            except OSError as exc:
                self._pending.pop(call_id, None)
                raise WorkerLost(f"could not reach the worker process: {exc}") from exc
        return future.result()

    def close(self) -> None:
        """End the worker now; calls still running fail with :class:`WorkerLost`."""
        with self._lock:
            self._closed = True
            process, conn = self._process, self._conn
        if process is not None and process.is_alive():
            process.terminate()
            process.join(timeout=5)
        if conn is not None:
            conn.close()

    def _ensure_started(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        context = multiprocessing.get_context("spawn")  # the host has threads: never fork it
        ours, theirs = context.Pipe()
        process = context.Process(
            target=_serve, args=(theirs, os.getpid(), *self._args), name="activity-worker", daemon=True
        )
        process.start()
        theirs.close()
        self._process, self._conn = process, ours
        threading.Thread(target=self._read_answers, args=(ours,), name="worker-answers", daemon=True).start()
        log.info("activity worker started", extra={"pid": process.pid})
        return ours

    def _read_answers(self, conn: Connection) -> None:
        while True:
            try:
                call_id, outcome = conn.recv()
            except (EOFError, OSError):
                break
            with self._lock:
                _conn, future = self._pending.pop(call_id)
            future.set_result(outcome)
        with self._lock:
            if self._conn is conn:
                self._conn = None
            lost = [call_id for call_id, (sent_on, _f) in self._pending.items() if sent_on is conn]
            futures = [self._pending.pop(call_id)[1] for call_id in lost]
        for future in futures:
            future.set_exception(WorkerLost("the worker process ended while the activity ran"))
        if futures and not self._closed:
            log.error("activity worker ended with activities running", extra={"lost": len(futures)})


# --- the worker process ---------------------------------------------------------------------
def _die_with_host(host_pid: int) -> None:
    """SIGKILL when the host dies (Linux ``PR_SET_PDEATHSIG``), at once: a killed host's activity
    must not finish after it. Elsewhere a thread notices within :data:`PARENT_CHECK_SECONDS`."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != host_pid:  # died before that took effect
        os._exit(1)
    threading.Thread(target=_exit_with_host, args=(host_pid,), name="host-watch", daemon=True).start()


def _serve(
    conn: Connection, host_pid: int, app_spec: str, client_binding: str, threads: int, niceness: int
) -> None:
    _die_with_host(host_pid)
    os.nice(niceness)
    from shared.telemetry import configure_logging

    from ..discovery import index_app, load_app
    from ..invoke import Invoker

    configure_logging()
    app, app_dir = load_app(app_spec)
    index = index_app(app, app_dir)
    invoker = Invoker(lambda: client_binding, app_dir)
    send_lock = threading.Lock()

    def answer(call_id: int, future: Future[ActivityOutcome]) -> None:
        with send_lock:
            conn.send((call_id, future.result()))

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="activity") as pool:
        while True:
            try:
                call_id, name, input_json, log_fields = conn.recv()
            except (EOFError, OSError):
                return
            future = pool.submit(run_activity_function, index, invoker, name, input_json, log_fields)
            future.add_done_callback(functools.partial(answer, call_id))


def _exit_with_host(host_pid: int) -> None:
    while os.getppid() == host_pid:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(1)
