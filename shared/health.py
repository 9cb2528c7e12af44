"""Dependency checks behind ``/api/health``: each answers ok/error with a short reason."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared import __version__
from shared.schema import ApiOperation

Check = Callable[[], Awaitable[Any]]


class DependencyHealth(BaseModel):
    """One dependency's check, with what the check reports about it (SQL dialect and schema
    revision, blob store kind, ...)."""

    model_config = ConfigDict(extra="allow")

    status: Literal["ok", "error"]
    ms: float = Field(ge=0, description="How long the check took.")
    error: str | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Why the check failed; only when status is error.",
    )


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded (503) when any dependency fails.")
    version: str
    dependencies: dict[str, DependencyHealth]


async def run_checks(checks: dict[str, Check]) -> tuple[int, HealthResponse]:
    """Run every check; 200 when all pass, 503 when any fails (the body says which)."""
    results: dict[str, DependencyHealth] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            detail = await check()
            outcome: dict[str, Any] = {**(detail or {}), "status": "ok"}
        except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
            outcome = {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
        ms = round((time.perf_counter() - started) * 1000, 1)
        results[name] = DependencyHealth.model_validate({**outcome, "ms": ms})
    healthy = all(r.status == "ok" for r in results.values())
    answer = HealthResponse(status="ok" if healthy else "degraded", version=__version__, dependencies=results)
    return (200 if healthy else 503), answer


OPERATIONS: tuple[ApiOperation, ...] = (
    ApiOperation(
        "GET",
        "health",
        "Health of SQL, blob store and durable store",
        "health",
        response=HealthResponse,
        same_body_statuses=(503,),
        bearer=False,
        function_key=False,
    ),
)
