"""Dependency checks behind ``/api/health``: each answers ok/error with a short reason."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from shared import __version__

Check = Callable[[], Awaitable[Any]]


async def run_checks(checks: dict[str, Check]) -> tuple[int, dict[str, Any]]:
    """Run every check; 200 when all pass, 503 when any fails (the body says which)."""
    results: dict[str, Any] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            detail = await check()
            results[name] = {"status": "ok", **(detail or {})}
        except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
            results[name] = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    healthy = all(r["status"] == "ok" for r in results.values())
    body = {"status": "ok" if healthy else "degraded", "version": __version__, "dependencies": results}
    return (200 if healthy else 503), body
