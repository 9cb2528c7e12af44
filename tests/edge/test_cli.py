"""``python -m edge_sync_client`` as an operator runs it: real processes, a real (flaky) server,
kill -9 at the worst moments, and a graceful stop."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from edge_sync_client.outbox import Outbox
from tests.edge.conftest import make_lines
from tests.edge.flaky_server import FUNCTION_KEY, TOKEN, FlakyIngestServer
from tests.support.host import REPO_ROOT
from tests.support.polling import wait_for


def edge_env(server: FlakyIngestServer, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SCOUT_EDGE_BASE_URL": server.base_url,
        "SCOUT_EDGE_OUTBOX": str(tmp_path / "outbox.db"),
        "SCOUT_EDGE_AUTH": "static",
        "SCOUT_EDGE_TOKEN": TOKEN,
        "SCOUT_EDGE_FUNCTION_KEY": FUNCTION_KEY,
        "SCOUT_EDGE_BATCH_SIZE": "10",
        "SCOUT_EDGE_BACKOFF_BASE": "0.01",
        "SCOUT_EDGE_BACKOFF_CAP": "0.05",
        **extra,
    }


def edge(
    *args: str, env: dict[str, str], stdin: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge_sync_client", *args],
        cwd=REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_edge(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "edge_sync_client", *args],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def write_csv(path: Path, lines: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(lines[0]))
        writer.writeheader()
        writer.writerows(lines)
    return path


def stored_once(server: FlakyIngestServer, lines: list[dict[str, Any]]) -> bool:
    expected = {(line["transaction_id"], line["line_number"]) for line in lines}
    return set(server.stores) == expected and set(server.stores.values()) == {1}


def test_capture_push_status_from_the_command_line(flaky_server: FlakyIngestServer, tmp_path: Path) -> None:
    env = edge_env(flaky_server, tmp_path)
    lines = make_lines(23)
    csv_file = write_csv(tmp_path / "export.csv", lines)
    captured = edge("capture", "--csv", str(csv_file), env=env)
    assert captured.returncode == 0, captured.stderr
    assert json.loads(captured.stdout) == {"captured": 23, "duplicates": 0}

    flaky_server.script.extend(["503", "drop_after"])
    pushed = edge("push", env=env)
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["acked_lines"] == 23

    status = json.loads(edge("status", env=env).stdout)
    assert status["outbox"]["acked"] == {"batches": 3, "lines": 23}
    assert status["config"]["token"] == "***" and status["config"]["function_key"] == "***"
    assert stored_once(flaky_server, lines)
    # Numbers typed from CSV text, as the JSON body the server received shows.
    assert flaky_server.attempts[0].lines == 10


def test_ndjson_from_stdin(flaky_server: FlakyIngestServer, tmp_path: Path) -> None:
    env = edge_env(flaky_server, tmp_path)
    body = "\n".join(json.dumps(line) for line in make_lines(4))
    done = edge("capture", "--json", "-", env=env, stdin=body)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["captured"] == 4


def test_a_bad_input_is_reported_and_the_good_ones_are_kept(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    env = edge_env(flaky_server, tmp_path)
    good = write_csv(tmp_path / "good.csv", make_lines(5))
    (tmp_path / "bad.json").write_text("[{not json")
    done = edge("capture", "--json", str(tmp_path / "bad.json"), "--csv", str(good), env=env)
    assert done.returncode == 65
    summary = json.loads(done.stdout)
    assert summary["captured"] == 5 and "bad.json" in summary["errors"][0]


def test_killed_between_capture_and_push_nothing_is_lost(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    """``run`` captures a drop folder, then the network is down (503s) and the process is
    killed -9 while it backs off. A fresh ``push`` later delivers every line exactly once."""
    drop = tmp_path / "drop"
    drop.mkdir()
    lines = make_lines(35)
    write_csv(drop / "a.csv", lines[:20])
    write_csv(drop / "b.csv", lines[20:])
    flaky_server.script.extend(["503"] * 1000)
    env = edge_env(
        flaky_server,
        tmp_path,
        SCOUT_EDGE_DROP_FOLDER=str(drop),
        SCOUT_EDGE_BACKOFF_BASE="30",
        SCOUT_EDGE_BACKOFF_CAP="60",
    )
    runner = start_edge("run", env=env)
    try:
        wait_for(lambda: len(flaky_server.attempts) >= 1 or runner.poll() is not None, interval=0.02)
        assert runner.poll() is None, runner.stderr.read() if runner.stderr else ""
    finally:
        os.killpg(runner.pid, signal.SIGKILL)
        runner.wait(timeout=10)
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["a.csv", "b.csv"]
    assert not flaky_server.stores

    flaky_server.script.clear()
    pushed = edge("push", env=edge_env(flaky_server, tmp_path))
    assert pushed.returncode == 0, pushed.stderr
    assert stored_once(flaky_server, lines)


def test_killed_after_the_server_stored_but_before_the_ack_resends_the_same_key(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    env = edge_env(flaky_server, tmp_path)
    lines = make_lines(10)
    Outbox(tmp_path / "outbox.db").capture(lines)
    flaky_server.script.append("hold_after")
    pusher = start_edge("push", env=env)
    try:
        assert flaky_server.held.wait(20), "the server never received the batch"
    finally:
        os.killpg(pusher.pid, signal.SIGKILL)
        pusher.wait(timeout=10)
    flaky_server.release()
    with Outbox(tmp_path / "outbox.db") as outbox:
        assert outbox.status()["pending"]["lines"] == 10, "no ack was recorded before the kill"

    pushed = edge("push", env=env)
    assert pushed.returncode == 0, pushed.stderr
    keys = flaky_server.keys_seen()
    assert len(keys) == 2 and keys[0] == keys[1], "the resend reused the batch's key"
    assert stored_once(flaky_server, lines)
    with Outbox(tmp_path / "outbox.db") as outbox:
        assert outbox.status()["acked"]["lines"] == 10


def test_push_exits_75_when_its_retry_budget_runs_out(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    env = edge_env(flaky_server, tmp_path, SCOUT_EDGE_MAX_ATTEMPTS_PER_RUN="3")
    Outbox(tmp_path / "outbox.db").capture(make_lines(3))
    flaky_server.script.extend(["503"] * 10)
    pushed = edge("push", env=env)
    assert pushed.returncode == 75
    assert json.loads(pushed.stdout)["gave_up"] is True
    assert len(flaky_server.attempts) == 3


def test_sigterm_stops_run_gracefully(flaky_server: FlakyIngestServer, tmp_path: Path) -> None:
    env = edge_env(flaky_server, tmp_path, SCOUT_EDGE_IDLE_SECONDS="600")
    Outbox(tmp_path / "outbox.db").capture(make_lines(5))
    runner = start_edge("run", env=env)
    try:
        wait_for(lambda: stored_once(flaky_server, make_lines(5)), interval=0.02)
        time.sleep(0.2)  # now idle for 600 s
        runner.send_signal(signal.SIGTERM)
        out, err = runner.communicate(timeout=20)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
    assert runner.returncode == 0, err
    assert json.loads(out)["acked"]["lines"] == 5


@pytest.mark.parametrize(
    "env_change,message",
    [
        ({"SCOUT_EDGE_BASE_URL": "http://scout.example.com"}, "plain http"),
        ({"SCOUT_EDGE_BATCH_SIZE": "0"}, "batch_size"),
        ({"SCOUT_EDGE_BATCH_SIZE": "many"}, "batch_size"),
        ({"SCOUT_EDGE_AUTH": "command", "SCOUT_EDGE_TOKEN_COMMAND": ""}, "token_command"),
    ],
)
def test_bad_configuration_exits_2_with_a_message(
    flaky_server: FlakyIngestServer, tmp_path: Path, env_change: dict[str, str], message: str
) -> None:
    done = edge("status", env={**edge_env(flaky_server, tmp_path), **env_change})
    assert done.returncode == 2 and message in done.stderr


def test_entra_credentials_missing_is_a_configuration_error(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    """The real client-credentials path (msal against Entra ID) cannot run here; what can be
    checked is that a device without its SCOUT_CLIENT_* settings says so and sends nothing."""
    env = {k: v for k, v in edge_env(flaky_server, tmp_path, SCOUT_EDGE_AUTH="msal").items()}
    env = {k: v for k, v in env.items() if not k.startswith("SCOUT_CLIENT_")}
    done = edge("push", env=env)
    assert done.returncode == 2 and "SCOUT_CLIENT_" in done.stderr
    assert flaky_server.attempts == []


def test_a_toml_file_configures_and_a_token_command_supplies_the_token(
    flaky_server: FlakyIngestServer, tmp_path: Path
) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(
        f'base_url = "{flaky_server.base_url}"\n'
        f'outbox = "{tmp_path / "from-file.db"}"\n'
        "batch_size = 4\n"
        'auth = "command"\n'
        f'token_command = "{sys.executable} -c \'print(\\"{TOKEN}\\")\'"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCOUT_EDGE_")}
    env["SCOUT_EDGE_FUNCTION_KEY"] = FUNCTION_KEY
    Outbox(tmp_path / "from-file.db").capture(make_lines(9))
    pushed = edge("--config", str(config), "push", env=env)
    assert pushed.returncode == 0, pushed.stderr
    assert json.loads(pushed.stdout)["acked_batches"] == 3
    assert stored_once(flaky_server, make_lines(9))
