"""Activities run in the activity worker process: a separate, lower-priority process that dies with
the host and is replaced when it dies on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_host.durable.worker_process import ActivityWorker, WorkerLost
from tests.local_host.conftest import TEST_APP, executions, start_orchestration, wait_final
from tests.support.polling import wait_for


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_activities_run_in_a_lower_priority_child_of_the_host(shared_host) -> None:
    assert start_orchestration(shared_host, "where_activities_run", "where-1").status_code == 202
    status = wait_final(shared_host, "where-1")
    assert status["runtimeStatus"] == "Completed", status
    info = status["output"]
    host_pid = shared_host.process.pid
    assert info["pid"] != host_pid and info["ppid"] == host_pid
    assert info["nice"] == min(19, _nice(host_pid) + 10)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_host_takes_its_worker_with_it(local_host_factory) -> None:
    host = local_host_factory(app=TEST_APP)
    start_orchestration(host, "where_activities_run", "where-2")
    worker_pid = wait_final(host, "where-2")["output"]["pid"]
    assert _alive(worker_pid)
    host.kill()
    wait_for(lambda: not _alive(worker_pid), timeout=5)


def test_a_worker_that_dies_fails_only_its_call_and_the_next_call_gets_a_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker process itself, without a host: ``exit_once`` ends the process the first time."""
    monkeypatch.setenv("SCOUT_DATA_DIR", str(tmp_path))
    worker = ActivityWorker(TEST_APP, "{}", threads=2)
    try:
        assert worker.run("add_one", "1", {}).result == "2"
        first = worker.run("process_info", None, {})
        with pytest.raises(WorkerLost):
            worker.run("exit_once", '"k"', {})
        second = worker.run("exit_once", '"k"', {})
        assert second.succeeded and second.result == '"survived"'
        assert worker.run("process_info", None, {}).result != first.result
        failed = worker.run("always_fails", None, {})
        assert not failed.succeeded and "ValueError: permanent failure" in failed.reason
    finally:
        worker.close()
    assert executions(tmp_path, "exit_once k") == 2
