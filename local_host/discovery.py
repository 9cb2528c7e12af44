"""What the app registered, read from ``app.get_functions()`` the way the Functions host indexes it."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ASP.NET-style inline constraints the Functions host supports for route parameters
_CONSTRAINTS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"(?i:true|false)",
    "guid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "alpha": r"[A-Za-z]+",
    "double": r"-?\d+(?:\.\d+)?",
    "float": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
    "datetime": r"[^/]+",
}
_PARAM = re.compile(r"^\{(?P<star>\*{1,2})?(?P<name>\w+)(?::(?P<constraint>[^}?=]+))?(?P<optional>\?)?\}$")


@dataclass
class FunctionInfo:
    name: str
    user_function: Callable[..., Any]
    bindings: list[dict[str, Any]]

    @property
    def trigger(self) -> dict[str, Any]:
        return next(b for b in self.bindings if b["type"].lower().endswith("trigger"))

    @property
    def trigger_type(self) -> str:
        return str(self.trigger["type"])


@dataclass
class HttpRoute:
    function: FunctionInfo
    template: str
    methods: frozenset[str] | None  # None: every method
    auth_level: str  # ANONYMOUS | FUNCTION | ADMIN
    pattern: re.Pattern[str] = field(init=False)
    specificity: tuple[int, int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern, self.specificity = compile_route(self.template)

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.fullmatch(path.strip("/"))
        if found is None:
            return None
        return {k: v for k, v in found.groupdict().items() if v is not None}


def compile_route(template: str) -> tuple[re.Pattern[str], tuple[int, int, int]]:
    """Route template -> regex over the path after ``/api/``, and a sort key (most specific first)."""
    parts: list[str] = []
    literals = params = catch_all = 0
    for segment in template.strip("/").split("/"):
        found = _PARAM.match(segment)
        if found is None:
            if "{" in segment:
                parts.append(_inline_segment(segment))
                params += 1
            else:
                parts.append(re.escape(segment))
                literals += 1
            continue
        name = found["name"]
        if found["star"]:
            parts.append(f"(?:/(?P<{name}>.*))?" if parts else f"(?P<{name}>.*)")
            catch_all += 1
            continue
        body = _CONSTRAINTS.get((found["constraint"] or "").split("(")[0].lower(), r"[^/]+")
        params += 1
        if found["optional"]:
            parts.append(f"(?:/(?P<{name}>{body}))?" if parts else f"(?P<{name}>{body})?")
        else:
            parts.append(("/" if parts else "") + f"(?P<{name}>{body})")
    regex = ""
    for i, part in enumerate(parts):
        needs_slash = i > 0 and not part.startswith(("/", "(?:/"))
        regex += ("/" if needs_slash else "") + part
    return re.compile(regex, re.IGNORECASE), (-literals, catch_all, params)


def _inline_segment(segment: str) -> str:
    """A segment mixing text and parameters, e.g. ``file.{ext}``."""
    out, pos = "", 0
    for found in re.finditer(r"\{(\w+)(?::[^}]+)?\}", segment):
        out += re.escape(segment[pos : found.start()]) + f"(?P<{found[1]}>[^/]+?)"
        pos = found.end()
    return out + re.escape(segment[pos:])


@dataclass
class FunctionIndex:
    functions: dict[str, FunctionInfo]
    routes: list[HttpRoute]
    app_dir: Path

    def of_type(self, trigger_type: str) -> list[FunctionInfo]:
        return [f for f in self.functions.values() if f.trigger_type == trigger_type]

    def orchestrator(self, name: str) -> FunctionInfo | None:
        return self._named(name, "orchestrationTrigger", "orchestration")

    def activity(self, name: str) -> FunctionInfo | None:
        return self._named(name, "activityTrigger", "activity")

    def _named(self, name: str, trigger_type: str, alias_key: str) -> FunctionInfo | None:
        for info in self.of_type(trigger_type):
            if name.lower() in (info.name.lower(), str(info.trigger.get(alias_key) or "").lower()):
                return info
        return None

    def route_for(self, method: str, path: str) -> tuple[HttpRoute | None, dict[str, str], bool]:
        """``(route, route params, path matched under another method)``; route ``None`` if none fits."""
        path_matched = False
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.methods is None or method.upper() in route.methods:
                return route, params, True
            path_matched = True
        return None, {}, path_matched


def load_app(spec: str) -> tuple[Any, Path]:
    """Import ``module:attr``; the module's directory goes on ``sys.path`` as Core Tools does."""
    module_name, _, attr = spec.partition(":")
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if str(base) not in sys.path:
            sys.path.append(str(base))
    found = importlib.util.find_spec(module_name)
    if found is None or found.origin is None:
        raise SystemExit(f"cannot find the app module {module_name!r}")
    app_dir = Path(found.origin).resolve().parent
    if str(app_dir) not in sys.path:
        sys.path.insert(0, str(app_dir))
    module = importlib.import_module(module_name)
    return getattr(module, attr or "app"), app_dir


def index_app(app: Any, app_dir: Path) -> FunctionIndex:
    functions: dict[str, FunctionInfo] = {}
    routes: list[HttpRoute] = []
    for fn in app.get_functions():
        bindings = json.loads(fn.get_function_json())["bindings"]
        info = FunctionInfo(fn.get_function_name(), fn.get_user_function(), bindings)
        functions[info.name] = info
        if info.trigger_type == "httpTrigger":
            trigger = info.trigger
            methods = trigger.get("methods")
            routes.append(
                HttpRoute(
                    info,
                    template=trigger.get("route") or info.name,
                    methods=frozenset(m.upper() for m in methods) if methods else None,
                    auth_level=str(trigger.get("authLevel") or "FUNCTION").upper(),
                )
            )
    routes.sort(key=lambda r: r.specificity)
    return FunctionIndex(functions, routes, app_dir)
