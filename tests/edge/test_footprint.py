"""The client runs where only the standard library and httpx exist (a Raspberry Pi): with the
rest of Scout's stack made unimportable, capture, status and push (fixed token) still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.edge.conftest import make_lines
from tests.edge.flaky_server import FUNCTION_KEY, TOKEN, FlakyIngestServer
from tests.support.host import REPO_ROOT

BLOCKED = [
    "pandas",
    "numpy",
    "pyarrow",
    "sqlalchemy",
    "pydantic",
    "pydantic_settings",
    "azure",
    "starlette",
    "uvicorn",
    "jwt",
    "shared",
    "functions",
    "local_host",
]

RUN_BLOCKED = textwrap.dedent(
    """
    import importlib.abc, runpy, sys

    BLOCKED = set(sys.argv[1].split(","))

    class Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"{name} is not installed on this device")
            return None

    sys.meta_path.insert(0, Refuse())
    sys.argv = ["edge_sync_client", *sys.argv[2:]]
    runpy.run_module("edge_sync_client", run_name="__main__")
    """
)


def run_blocked(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", RUN_BLOCKED, ",".join(BLOCKED), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_capture_status_and_push_need_only_stdlib_and_httpx(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "SCOUT_EDGE_BASE_URL": flaky_server.base_url,
        "SCOUT_EDGE_OUTBOX": str(tmp_path / "outbox.db"),
        "SCOUT_EDGE_AUTH": "static",
        "SCOUT_EDGE_TOKEN": TOKEN,
        "SCOUT_EDGE_FUNCTION_KEY": FUNCTION_KEY,
    }
    lines = tmp_path / "lines.json"
    lines.write_text(json.dumps(make_lines(6)))
    captured = run_blocked("capture", "--json", str(lines), env=env)
    assert captured.returncode == 0, captured.stderr
    pushed = run_blocked("push", env=env)
    assert pushed.returncode == 0, pushed.stderr
    status = run_blocked("status", env=env)
    assert json.loads(status.stdout)["outbox"]["acked"]["lines"] == 6
    # The blocker is real: the same interpreter setup cannot import pandas.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            RUN_BLOCKED.replace('runpy.run_module("edge_sync_client", run_name="__main__")', "import pandas"),
            ",".join(BLOCKED),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.returncode != 0 and "not installed on this device" in probe.stderr
