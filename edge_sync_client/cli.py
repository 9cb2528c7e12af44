"""``python -m edge_sync_client capture|push|status|run|requeue`` — see README.md beside this file.

Exit codes: 0 done; 2 bad usage or configuration; 65 (EX_DATAERR) an input to ``capture`` was
unreadable (the other inputs were still captured); 75 (EX_TEMPFAIL) a push run gave up on
transient failures with batches still pending — they stay in the outbox for the next run.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from edge_sync_client import drop_folder
from edge_sync_client.auth import CommandToken, MsalToken, NoToken, StaticToken, TokenSource
from edge_sync_client.backoff import Backoff
from edge_sync_client.config import ConfigError, EdgeConfig, load_config, redacted
from edge_sync_client.ingest_client import IngestClient
from edge_sync_client.outbox import Outbox
from edge_sync_client.push import Pusher, PushReport

EX_DATAERR = 65
EX_TEMPFAIL = 75
log = logging.getLogger("edge_sync_client")


def token_source(config: EdgeConfig) -> TokenSource:
    if config.auth == "static":
        return StaticToken(str(config.token))
    if config.auth == "command":
        return CommandToken(str(config.token_command))
    if config.auth == "msal":
        return MsalToken()
    return NoToken()


def read_lines(path: str) -> list[dict[str, Any]]:
    """A JSON array or NDJSON, from a file or ``-`` (stdin)."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        lines = json.loads(stripped)
    else:
        lines = [json.loads(row) for row in text.splitlines() if row.strip()]
    if not all(isinstance(line, dict) for line in lines):
        raise ValueError("every line must be a JSON object")
    return lines


@dataclass
class Session:
    config: EdgeConfig
    outbox: Outbox
    stop: threading.Event
    tokens: TokenSource


def push_once(session: Session) -> PushReport:
    config, outbox = session.config, session.outbox
    client = IngestClient(config.base_url, session.tokens, config.function_key, config.request_timeout)
    try:
        pusher = Pusher(
            outbox,
            client,
            Backoff(config.backoff_base, config.backoff_cap),
            session.stop,
            batch_size=config.batch_size,
            max_attempts_per_run=config.max_attempts_per_run,
        )
        return pusher.run()
    finally:
        client.close()


def _emit(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str, sort_keys=True))


def _report(report: PushReport) -> dict[str, Any]:
    return {**report.__dict__, "drained": report.drained}


def _capture_one(outbox: Outbox, kind: str, path: str) -> tuple[int, int]:
    if kind == "csv":
        return drop_folder.capture_file(outbox, Path(path))
    result = outbox.capture(read_lines(path))
    return result.captured, result.duplicates


def cmd_capture(args: argparse.Namespace, session: Session) -> int:
    """Each input is captured in its own transaction: a bad file is reported, the others kept."""
    config, outbox = session.config, session.outbox
    summary: dict[str, Any] = {"captured": 0, "duplicates": 0}
    errors = []
    inputs = [("csv", p) for p in args.csv or []] + [("json", p) for p in args.json or []]
    for kind, path in inputs:
        try:
            got, dup = _capture_one(outbox, kind, path)
        except (ValueError, OSError) as error:  # CsvError, JSON and encoding errors are ValueErrors
            errors.append(f"{path}: {error}")
            continue
        summary["captured"] += got
        summary["duplicates"] += dup
    folder = args.drop_folder or config.drop_folder
    if folder is not None:
        found = drop_folder.scan(outbox, Path(folder))
        summary["captured"] += found.captured
        summary["duplicates"] += found.duplicates
        summary["rejected_files"] = found.rejected
    if errors:
        summary["errors"] = errors
    _emit(summary)
    return EX_DATAERR if errors else 0


def cmd_push(args: argparse.Namespace, session: Session) -> int:
    report = push_once(session)
    _emit(_report(report))
    return EX_TEMPFAIL if report.gave_up else 0


def cmd_status(args: argparse.Namespace, session: Session) -> int:
    _emit({"config": redacted(session.config), "outbox": session.outbox.status()})
    return 0


def cmd_requeue(args: argparse.Namespace, session: Session) -> int:
    _emit({"requeued": session.outbox.requeue(args.batch)})
    return 0


def cmd_run(args: argparse.Namespace, session: Session) -> int:
    """Capture from the drop folder and push, cycle after cycle, until SIGTERM/SIGINT."""
    config, outbox, stop = session.config, session.outbox, session.stop
    cycles = 0
    while not stop.is_set() and (args.cycles is None or cycles < args.cycles):
        if config.drop_folder is not None:
            drop_folder.scan(outbox, config.drop_folder)
        report = push_once(session)
        outbox.prune(timedelta(days=config.keep_acked_days))
        log.info("cycle %d: %s", cycles, json.dumps(_report(report)))
        cycles += 1
        if args.cycles is None or cycles < args.cycles:
            stop.wait(config.idle_seconds)
    _emit(outbox.status())
    return 0


COMMANDS = {
    "capture": cmd_capture,
    "push": cmd_push,
    "status": cmd_status,
    "run": cmd_run,
    "requeue": cmd_requeue,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m edge_sync_client", description=__doc__)
    parser.add_argument("--config", type=Path, help="TOML settings file (SCOUT_EDGE_* variables override it)")
    parser.add_argument("--outbox", type=Path, help="outbox SQLite file")
    parser.add_argument("--base-url", help="Scout API base URL, e.g. https://scout.example.com")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    capture = sub.add_parser("capture", help="append lines to the outbox (durable before returning)")
    capture.add_argument("--csv", action="append", help="a CSV file of canonical columns (repeatable)")
    capture.add_argument("--json", action="append", help="a JSON array or NDJSON file, or - for stdin")
    capture.add_argument("--drop-folder", type=Path, help="capture every *.csv in this folder once")
    sub.add_parser("push", help="send pending batches until the outbox is empty or retries run out")
    sub.add_parser("status", help="print the outbox state as JSON")
    run = sub.add_parser("run", help="capture from the drop folder and push, until stopped")
    run.add_argument("--cycles", type=int, help="stop after this many cycles (default: until a signal)")
    requeue = sub.add_parser("requeue", help="send dead-lettered batches again")
    requeue.add_argument("--batch", type=int, help="only this batch id (default: all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose or args.command == "run" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        config = load_config(args.config, outbox=args.outbox, base_url=args.base_url)
        # Only the sending commands need credentials; a missing one is a configuration error.
        tokens = token_source(config) if args.command in {"push", "run"} else NoToken()
    except (ConfigError, OSError, ValueError, RuntimeError, ImportError) as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with Outbox(config.outbox) as outbox:
        return COMMANDS[args.command](args, Session(config, outbox, stop, tokens))
