"""The real ``function_app`` functions, for tests that call a trigger or replay an orchestrator
in-process."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


@functools.cache  # the app validates its functions once: get_functions() cannot be called twice
def app_functions() -> dict[str, Callable[..., Any]]:
    """Function name -> the user function, read once per test session."""
    import function_app

    return {f.get_function_name(): f.get_user_function() for f in function_app.app.get_functions()}
