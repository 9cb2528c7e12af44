"""``python -m local_host [--port N] [--app module:attr] [--data-dir D] [--load-sample]``,
``python -m local_host token --role ROLE [--vendor V] [--regions R,...]``,
``python -m local_host keys``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_PORT = 7071
DEFAULT_APP = "function_app:app"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["token"]:
        return _token(args[1:])
    if args[:1] == ["keys"]:
        return _keys(args[1:])
    return _serve(args)


def _serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_host", description="Run the Function App locally.")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default loopback only)")
    parser.add_argument("--app", default=DEFAULT_APP, help="module:attribute of the FunctionApp")
    parser.add_argument("--data-dir", help="default: $SCOUT_DATA_DIR or .scout")
    parser.add_argument("--load-sample", action="store_true", help="load sample data once /api/health is up")
    parser.add_argument(
        "--shutdown-grace",
        type=float,
        default=10.0,
        help="seconds SIGTERM waits for running activities before leaving them queued for the next start",
    )
    parser.add_argument(
        "--activities-in-host",
        action="store_true",
        help="run activities on the host process's threads instead of an activity worker process",
    )
    args = parser.parse_args(argv)

    from .settings import apply_defaults, load_local_settings

    load_local_settings(Path.cwd())
    data_dir = apply_defaults(args.port, args.data_dir)

    import uvicorn

    from shared.telemetry import configure_logging

    from .discovery import index_app, load_app
    from .host_json import HostJson
    from .keys import load_or_create
    from .lock import DataDirLocked, HostLock
    from .server import HostConfig, build_app

    configure_logging()
    lock = HostLock(data_dir)
    try:
        lock.acquire()
    except DataDirLocked as exc:
        print(f"local_host: {exc}", file=sys.stderr)
        return 2
    try:
        app, app_dir = load_app(args.app)
        index = index_app(app, app_dir)
        config = HostConfig(
            index=index,
            keys=load_or_create(data_dir),
            data_dir=data_dir,
            port=args.port,
            load_sample=args.load_sample,
            host_json=HostJson.read(app_dir),
            shutdown_grace_seconds=args.shutdown_grace,
            app_spec=args.app,
            activity_process=not args.activities_in_host,
        )
        server = uvicorn.Server(
            uvicorn.Config(
                build_app(config),
                host=args.host,
                port=args.port,
                log_config=None,
                access_log=False,
                timeout_graceful_shutdown=max(1, int(config.shutdown_grace_seconds)),
            )
        )
        server.run()
        return 0 if server.started else 1
    finally:
        lock.release()


def _token(argv: list[str]) -> int:
    """Host options (``--port``, ``--data-dir``: which host the token is for), then the issuer's own."""
    host_options = argparse.ArgumentParser(add_help=False)
    host_options.add_argument("--port", type=int, default=DEFAULT_PORT)
    host_options.add_argument("--data-dir")
    known, rest = host_options.parse_known_args(argv)
    from .settings import apply_defaults, load_local_settings

    load_local_settings(Path.cwd())
    apply_defaults(known.port, known.data_dir)
    from shared.auth.dev_issuer import cli_token

    return cli_token(rest)


def _keys(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local_host keys", description="Print the default function key."
    )
    parser.add_argument("--data-dir", help="default: $SCOUT_DATA_DIR or .scout")
    args = parser.parse_args(argv)
    from .keys import load_or_create
    from .settings import apply_defaults, load_local_settings

    load_local_settings(Path.cwd())
    print(load_or_create(apply_defaults(DEFAULT_PORT, args.data_dir)).default_function_key)
    return 0


if __name__ == "__main__":
    sys.exit(main())
