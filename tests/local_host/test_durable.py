"""Durable Functions through the real host: the SDK's replay executor, SQLite history, HTTP API."""

from __future__ import annotations

import httpx

from tests.local_host.conftest import executions, start_orchestration, wait_final
from tests.support.host import LocalHost

WEBHOOKS = "/runtime/webhooks/durabletask"
EXPECTED_OUTPUT = {
    "chain": [2, 3, 30],
    "squares": [i * i for i in range(10)],
    "flaky": "recovered",
}


def _types(status: dict, event_type: str, name: str | None = None) -> list[dict]:
    return [
        e
        for e in status["historyEvents"]
        if e["EventType"] == event_type and (name is None or e.get("Name") == name)
    ]


def test_chain_fan_out_and_retry_complete(shared_host: LocalHost) -> None:
    started = start_orchestration(shared_host, "pipeline", "pipe-1")
    assert started.status_code == 202
    links = started.json()
    assert links["id"] == "pipe-1"
    status = wait_final(shared_host, "pipe-1")
    assert status["runtimeStatus"] == "Completed", status
    assert status["output"] == EXPECTED_OUTPUT
    assert status["customStatus"] == {"stage": "fan-out"}
    # fan-out of 10: ten activities scheduled and each run exactly once
    assert len(_types(status, "TaskScheduled", "square")) == 10
    assert all(executions(shared_host.data_dir, f"square {i}") == 1 for i in range(10))
    # the failing activity: two failures, two backoff timers, three attempts, in the history
    flaky_tasks = [e["EventId"] for e in _types(status, "TaskScheduled", "flaky")]
    failed = [e for e in _types(status, "TaskFailed") if e["TaskScheduledId"] in flaky_tasks]
    assert len(flaky_tasks) == 3 and len(failed) == 2
    assert "transient failure" in failed[0]["Reason"]
    assert len(_types(status, "TimerCreated")) == 2
    assert executions(shared_host.data_dir, "flaky pipe-1") == 3


def test_status_links_from_create_check_status_response_work(shared_host: LocalHost) -> None:
    links = start_orchestration(shared_host, "napper", "nap-1").json()
    wait_final(shared_host, "nap-1")
    status = httpx.get(links["statusQueryGetUri"], timeout=10)
    assert status.status_code == 200
    assert status.json()["output"] == "rested" and status.json()["runtimeStatus"] == "Completed"
    # the management links carry the system key; without it the API refuses callers off loopback only,
    # so check the key really is the host's
    assert f"code={shared_host.system_key}" in links["statusQueryGetUri"]
    assert httpx.get(links["statusQueryGetUri"].replace(shared_host.system_key, "wrong")).status_code == 401


def test_keyless_calls_are_only_the_sdks_own_from_loopback(shared_host: LocalHost) -> None:
    url = f"{WEBHOOKS}/instances/nap-none/terminate"
    with shared_host.client() as client:
        assert client.post(url).status_code == 404  # the SDK's RPC call: loopback, no key, no browser
        assert client.post(url, headers={"Origin": "https://evil.example"}).status_code == 401
        assert client.post(url, headers={"Sec-Fetch-Mode": "no-cors"}).status_code == 401
        assert client.post(url, params={"code": shared_host.function_key}).status_code == 401
        assert client.post(url, params={"code": shared_host.system_key}).status_code == 404


def test_durable_timer_and_sub_orchestration(shared_host: LocalHost) -> None:
    start_orchestration(shared_host, "parent", "parent-1")
    status = wait_final(shared_host, "parent-1")
    assert status["output"] == {"child": "rested"}
    created = _types(status, "SubOrchestrationInstanceCreated")
    assert created[0]["InstanceId"] == "parent-1:0"
    child = wait_final(shared_host, "parent-1:0")
    fired = _types(child, "TimerFired")
    assert len(fired) == 1 and fired[0]["TimerId"] == 0


def test_external_event_resumes_a_waiting_orchestration(shared_host: LocalHost) -> None:
    start_orchestration(shared_host, "approval", "ask-1")
    with shared_host.client() as client:
        assert client.get("/api/status/ask-1").json()["status"] in ("Pending", "Running")
        assert client.post("/api/raise/ask-1/decision", json={"ok": True}).status_code == 202
    status = wait_final(shared_host, "ask-1")
    assert status["output"] == {"decision": {"ok": True}}
    with shared_host.client() as client:  # the instance is final: raising again is 410 Gone
        gone = client.post(
            f"{WEBHOOKS}/instances/ask-1/raiseEvent/decision", params={"code": shared_host.system_key}, json=1
        )
    assert gone.status_code == 410


def test_starting_a_running_instance_id_again_creates_no_duplicate(shared_host: LocalHost) -> None:
    assert start_orchestration(shared_host, "approval", "dup-1").status_code == 202
    with shared_host.client() as client:
        again = client.post(
            f"{WEBHOOKS}/orchestrators/approval/dup-1", params={"code": shared_host.system_key}
        )
        assert again.status_code == 400
        assert "already exists" in again.json()["ExceptionMessage"]
        listed = client.get(
            f"{WEBHOOKS}/instances/", params={"code": shared_host.system_key, "instanceIdPrefix": "dup-"}
        ).json()
        assert [i["instanceId"] for i in listed] == ["dup-1"]
        terminated = client.post(
            f"{WEBHOOKS}/instances/dup-1/terminate", params={"code": shared_host.system_key, "reason": "test"}
        )
        assert terminated.status_code == 202
    assert wait_final(shared_host, "dup-1")["runtimeStatus"] == "Terminated"


def test_retries_exhausted_fail_the_orchestration(shared_host: LocalHost) -> None:
    start_orchestration(shared_host, "doomed", "doom-1")
    status = wait_final(shared_host, "doom-1")
    assert status["runtimeStatus"] == "Failed"
    assert "permanent failure" in str(status["output"])
    assert len(_types(status, "TaskScheduled", "always_fails")) == 2  # maxNumberOfAttempts=2


def test_purge_and_not_found(shared_host: LocalHost) -> None:
    start_orchestration(shared_host, "napper", "purge-1")
    wait_final(shared_host, "purge-1")
    key = {"code": shared_host.system_key}
    with shared_host.client() as client:
        assert client.delete(f"{WEBHOOKS}/instances/purge-1", params=key).json() == {"instancesDeleted": 1}
        assert client.get(f"{WEBHOOKS}/instances/purge-1", params=key).status_code == 404
        assert client.delete(f"{WEBHOOKS}/instances/purge-1", params=key).status_code == 404
        assert client.get("/api/status/never-started").status_code == 200  # the SDK maps 404 to a status


def test_inputs_reach_the_orchestrator_as_sent_by_the_client(shared_host: LocalHost) -> None:
    for n, value in enumerate([{"a": [1, 2]}, "hello", 7]):
        start_orchestration(shared_host, "mirror", f"mirror-{n}", value)
        assert wait_final(shared_host, f"mirror-{n}")["output"] == value


def test_query_by_status_and_created_time(shared_host: LocalHost) -> None:
    start_orchestration(shared_host, "napper", "query-1")
    wait_final(shared_host, "query-1")
    key = {"code": shared_host.system_key}
    with shared_host.client() as client:
        created = client.get(f"{WEBHOOKS}/instances/query-1", params=key).json()["createdTime"]
        since = client.get(
            f"{WEBHOOKS}/instances", params={**key, "createdTimeFrom": created, "runtimeStatus": "Completed"}
        ).json()
        later = client.get(f"{WEBHOOKS}/instances", params={**key, "createdTimeFrom": "2999-01-01T00:00:00Z"})
        bad = client.get(f"{WEBHOOKS}/instances", params={**key, "createdTimeFrom": "yesterday"})
    assert "query-1" in [i["instanceId"] for i in since]
    assert all(i["runtimeStatus"] == "Completed" and i["createdTime"] >= created for i in since)
    assert later.json() == [] and bad.status_code == 400
