"""``LocalHost``: the real ``python -m local_host`` as a subprocess, on a free port, with its own data dir.

    host = LocalHost(tmp_path / "data", env={"SCOUT_AUTH_MODE": "dev"})
    host.start()
    httpx.get(f"{host.base_url}/api/health")
    host.kill(); host.start()      # crash and resume
    host.stop()

The host's stderr (its JSON log) goes to ``{data_dir}/host.log``; when the host fails to come up
the tail of that log is in the raised error.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_APP = "function_app:app"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalHostError(RuntimeError):
    pass


class LocalHost:
    """One local Functions host process. ``start`` waits until ``GET /admin/host/status`` answers."""

    def __init__(
        self,
        data_dir: Path,
        *,
        app: str = DEFAULT_APP,
        env: dict[str, str] | None = None,
        port: int | None = None,
        load_sample: bool = False,
        startup_timeout: float = 60.0,
        shutdown_grace: float | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.app = app
        self.env = dict(env or {})
        self.port = port or free_port()
        self._port_is_ours = port is None  # picked here: another free one may be tried on a clash
        self._started_before = False
        self.load_sample = load_sample
        self.startup_timeout = startup_timeout
        self.shutdown_grace = shutdown_grace
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # --- addresses and keys ----------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "host.log"

    def _keys(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "host-keys.json").read_text())

    @property
    def function_key(self) -> str:
        return str(self._keys()["functionKeys"]["default"])

    @property
    def master_key(self) -> str:
        return str(self._keys()["masterKey"])

    @property
    def system_key(self) -> str:
        return str(self._keys()["systemKeys"]["durabletask_extension"])

    def client(self, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` on ``base_url`` (close it, or use it as a context manager)."""
        return httpx.Client(base_url=self.base_url, timeout=kwargs.pop("timeout", 30.0), **kwargs)

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> LocalHost:
        """Start and wait until it answers. On its first start a host whose free port was taken
        meanwhile by another process moves to a new one; a restart keeps its port (and issuer)."""
        for _attempt in range(3):
            try:
                self._launch()
            except LocalHostError:
                if self._started_before or not self._port_is_ours or "already in use" not in self.log_tail(5):
                    raise
                self.port = free_port()
                continue
            self._started_before = True
            return self
        raise LocalHostError(f"no free port found\n{self.log_tail()}")

    def _launch(self) -> None:
        if self.process is not None and self.process.poll() is None:
            raise LocalHostError("host already running")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "SCOUT_DATA_DIR": str(self.data_dir), "PYTHONUNBUFFERED": "1", **self.env}
        cmd = [sys.executable, "-m", "local_host", "--port", str(self.port), "--app", self.app]
        cmd += ["--data-dir", str(self.data_dir)]
        if self.load_sample:
            cmd.append("--load-sample")
        if self.shutdown_grace is not None:
            cmd += ["--shutdown-grace", str(self.shutdown_grace)]
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            cmd, cwd=REPO_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                code = self.process.returncode
                self._reap()
                raise LocalHostError(f"host exited with {code}\n{self.log_tail()}")
            try:
                answer = httpx.get(f"{self.base_url}/admin/host/status", timeout=2.0)
                if answer.status_code == 200 and answer.json().get("pid") == self.process.pid:
                    return  # this host, not whatever else may hold the port
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.1)
        self.kill()
        raise LocalHostError(f"host did not answer within {self.startup_timeout}s\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and wait (graceful shutdown); SIGKILL if it does not exit in time."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self._reap()

    def kill(self) -> int | None:
        """SIGKILL, like a power cut: nothing gets to clean up."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        return self._reap()

    def restart(self) -> LocalHost:
        self.stop()
        return self.start()

    def _reap(self) -> int | None:
        assert self.process is not None
        code = self.process.returncode
        self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no host log)"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> LocalHost:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
