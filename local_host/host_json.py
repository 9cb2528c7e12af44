"""The parts of ``host.json`` the local host applies: route prefix, durable task hub and concurrency."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class HostJson:
    route_prefix: str = "api"
    task_hub: str = "TestHubName"
    max_activities: int = 10

    @classmethod
    def read(cls, app_dir: Path) -> HostJson:
        path = app_dir / "host.json"
        if not path.is_file():
            return cls()
        extensions: dict[str, Any] = json.loads(path.read_text()).get("extensions", {})
        http = extensions.get("http", {})
        durable = extensions.get("durableTask", {})
        return cls(
            route_prefix=str(http.get("routePrefix", cls.route_prefix)).strip("/"),
            task_hub=str(durable.get("hubName", cls.task_hub)),
            max_activities=int(durable.get("maxConcurrentActivityFunctions", cls.max_activities)),
        )
