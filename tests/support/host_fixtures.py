"""Pytest plugin: ``local_host_factory`` starts real local hosts in temp dirs and stops them all after.

Usage::

    def test_health(local_host_factory):
        host = local_host_factory()  # the real function_app:app
        host = local_host_factory(app="tests.local_host.app_under_test:app", env={"SCOUT_AUTH_MODE": "dev"})
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.host import LocalHost


@pytest.fixture
def local_host_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LocalHost]]:
    hosts: list[LocalHost] = []

    def start(data_dir: Path | None = None, *, start: bool = True, **kwargs: Any) -> LocalHost:
        host = LocalHost(data_dir or tmp_path_factory.mktemp("host-data"), **kwargs)
        hosts.append(host)
        return host.start() if start else host

    try:
        yield start
    finally:
        for host in hosts:
            if host.running:
                try:
                    host.stop(timeout=10)
                except Exception as exc:  # noqa: BLE001 - stop the rest; report below
                    print(f"stopping host on {host.base_url} failed: {exc}")
                print(f"--- host log tail ({host.base_url}) ---\n{host.log_tail(20)}")
