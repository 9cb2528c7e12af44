"""One host for the tests that only read and start instances; tests that kill or restart start their own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.host import LocalHost
from tests.support.polling import wait_for

TEST_APP = "tests.local_host.app_under_test:app"


@pytest.fixture(scope="module")
def shared_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    data_dir = tmp_path_factory.mktemp("shared-host")
    (data_dir / "release-slow").touch()
    host = LocalHost(data_dir, app=TEST_APP)
    host.start()
    try:
        yield host
    finally:
        host.stop()


def executions(data_dir: Path, prefix: str) -> int:
    path = data_dir / "executions.log"
    if not path.exists():
        return 0
    return sum(1 for line in path.read_text().splitlines() if line.startswith(prefix))


def start_orchestration(host: LocalHost, name: str, instance_id: str, body: object = None) -> httpx.Response:
    with host.client() as client:
        return client.post(f"/api/start/{name}/{instance_id}", json=body)


def wait_final(host: LocalHost, instance_id: str, timeout: float = 30.0) -> dict:
    def final() -> dict | None:
        with host.client() as client:
            status = client.get(
                f"/runtime/webhooks/durabletask/instances/{instance_id}",
                params={"code": host.system_key, "showHistory": "true", "showHistoryOutput": "true"},
            ).json()
        return status if status.get("runtimeStatus") in ("Completed", "Failed", "Terminated") else None

    return wait_for(final, timeout)  # type: ignore[return-value]
