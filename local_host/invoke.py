"""Calling a user function: bindings by parameter name, sync in a thread, async on the server's loop,
and one structured log line per invocation."""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import azure.functions as func

from shared.telemetry import get_logger

from .discovery import FunctionInfo

log = get_logger("local_host.invocation")
# Azure's worker setting for how many sync invocations run at once in one process.
THREADS = int(os.environ.get("PYTHON_THREADPOOL_THREAD_COUNT") or 32)


class Invoker:
    """Runs functions. ``loop`` is the server's event loop: every ``async`` user function runs there,
    so clients that keep a loop-bound session (the durable client's aiohttp session) see one loop."""

    def __init__(self, durable_client_binding: Callable[[], str], app_dir: Path | None = None) -> None:
        self._durable_client_binding = durable_client_binding
        self.loop: asyncio.AbstractEventLoop | None = None
        self.app_dir = app_dir
        self._threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="invoke")

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)

    def kwargs_for(self, info: FunctionInfo, trigger_value: Any) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        for binding in info.bindings:
            name = binding.get("name")
            if binding.get("direction", "IN").upper() != "IN" or not name or name == "$return":
                continue
            if binding is info.trigger:
                kwargs[name] = trigger_value
            elif binding["type"] == "durableClient":
                kwargs[name] = self._durable_client_binding()
            else:
                raise NotImplementedError(
                    f"local host does not support {binding['type']!r} bindings ({name})"
                )
        if "context" not in kwargs and "context" in inspect.signature(info.user_function).parameters:
            kwargs["context"] = InvocationContext(info.name, str(self.app_dir))
        return kwargs

    async def call_async(self, info: FunctionInfo, trigger_value: Any, **log_fields: Any) -> Any:
        """From the server loop: await async functions, run sync ones in a worker thread."""
        with _Invocation(info, log_fields):
            kwargs = self.kwargs_for(info, trigger_value)
            if _is_async(info):
                return await info.user_function(**kwargs)
            call = functools.partial(info.user_function, **kwargs)
            return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def call_blocking(self, info: FunctionInfo, trigger_value: Any, **log_fields: Any) -> Any:
        """From a worker thread: run sync functions here, async ones on the server loop."""
        with _Invocation(info, log_fields):
            kwargs = self.kwargs_for(info, trigger_value)
            if not _is_async(info):
                return info.user_function(**kwargs)
            if self.loop is None:
                return asyncio.run(info.user_function(**kwargs))
            return asyncio.run_coroutine_threadsafe(info.user_function(**kwargs), self.loop).result()


class InvocationContext(func.Context):
    """What a function parameter named ``context`` receives, as in Azure."""

    def __init__(self, function_name: str, function_directory: str) -> None:
        self._invocation_id = str(uuid.uuid4())
        self._function_name = function_name
        self._function_directory = function_directory
        self._local = threading.local

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> type[threading.local]:
        return self._local

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> Any:
        return None

    @property
    def retry_context(self) -> Any:
        return None


def _is_async(info: FunctionInfo) -> bool:
    return inspect.iscoroutinefunction(info.user_function)


class _Invocation:
    """Times one invocation and logs it: function, trigger, duration_ms, status (and extra fields)."""

    def __init__(self, info: FunctionInfo, fields: dict[str, Any]) -> None:
        self.info = info
        self.fields = fields

    def __enter__(self) -> _Invocation:
        self.started = time.perf_counter()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, _tb: object) -> None:
        entry = {
            "function": self.info.name,
            "trigger": self.info.trigger_type,
            "invocation_id": str(uuid.uuid4()),
            "duration_ms": round((time.perf_counter() - self.started) * 1000, 2),
            "status": "failed" if exc else "succeeded",
            **self.fields,
        }
        if exc is None:
            log.info("invocation", extra=entry)
            return
        entry["error"] = f"{type(exc).__name__}: {exc}"[:500]
        log.error("invocation", extra=entry, exc_info=exc)
