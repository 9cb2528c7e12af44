"""``import function_app`` must touch no network and no service: the Functions host indexes the app
by importing it, before any connection string is known to be right."""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import socket, sys

def refuse(*args, **kwargs):
    raise AssertionError(f"network touched while importing the app: {args!r}")

socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

import function_app

names = sorted(f.get_function_name() for f in function_app.app.get_functions())
print(len(names), "functions:", ", ".join(names))
"""


def test_importing_the_app_touches_no_network_and_no_storage(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "SCOUT_DATA_DIR": str(data_dir), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "health" in result.stdout and "etl_orchestrator" in result.stdout
    assert not data_dir.exists(), "the data dir (database, blobs, keys) was created at import time"
