"""Query parameters of the analytics endpoints: declared once (:class:`Param`), parsed and
validated from the query string, and rendered into the OpenAPI document from the same list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from shared.errors import ApiError

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_VALUES = 50
MAX_VALUE_LENGTH = 100
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "date", "string", "integer", "enum"
    description: str
    repeatable: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None

    def schema(self) -> dict[str, Any]:
        if self.kind == "date":
            item: dict[str, Any] = {"type": "string", "format": "date"}
        elif self.kind == "integer":
            item = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        elif self.kind == "enum":
            item = {"type": "string", "enum": list(self.choices)}
        else:
            item = {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH}
        if self.default is not None:
            item["default"] = self.default
        if self.repeatable:
            return {"type": "array", "items": item, "maxItems": MAX_VALUES}
        return item


def invalid(parameter: str, message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message, details=[{"parameter": parameter}])


COMMON_PARAMS: tuple[Param, ...] = (
    Param("from", "date", "First store-local day, inclusive (default: 29 days before `to`)."),
    Param("to", "date", "Last store-local day, inclusive (default: the latest day with sales)."),
    Param("region", "string", "Only these regions (repeat the parameter for several).", repeatable=True),
    Param("store", "string", "Only these store ids.", repeatable=True),
    Param("category", "string", "Only lines of these categories.", repeatable=True),
    Param("brand", "string", "Only lines of these brands.", repeatable=True),
    Param("format", "enum", "Answer as JSON or as CSV (RFC 4180).", choices=("json", "csv"), default="json"),
)


@dataclass
class Parsed:
    date_from: date | None
    date_to: date | None
    lists: dict[str, list[str]] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)


def _one(name: str, values: list[str]) -> str:
    if len(values) != 1:
        raise invalid(name, f"Parameter '{name}' must be given once.")
    return values[0]


def _parse_date(name: str, raw: str) -> date:
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise invalid(name, f"Parameter '{name}' must be a date as YYYY-MM-DD.") from None
    if len(raw) != 10 or not EARLIEST <= value <= LATEST:
        raise invalid(
            name, f"Parameter '{name}' must be a date as YYYY-MM-DD between {EARLIEST} and {LATEST}."
        )
    return value


def _parse_value(param: Param, raw: str) -> Any:
    if param.kind == "date":
        return _parse_date(param.name, raw)
    if param.kind == "enum":
        if raw not in param.choices:
            raise invalid(param.name, f"Parameter '{param.name}' must be one of: {', '.join(param.choices)}.")
        return raw
    if param.kind == "integer":
        if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 9:
            raise invalid(param.name, f"Parameter '{param.name}' must be an integer.")
        number = int(raw)
        if (param.minimum is not None and number < param.minimum) or (
            param.maximum is not None and number > param.maximum
        ):
            raise invalid(
                param.name, f"Parameter '{param.name}' must be between {param.minimum} and {param.maximum}."
            )
        return number
    value = raw.strip()
    if not value or len(value) > MAX_VALUE_LENGTH or not value.isprintable():
        raise invalid(
            param.name, f"Parameter '{param.name}' must be 1 to {MAX_VALUE_LENGTH} printable characters."
        )
    return value


def parse(pairs: Sequence[tuple[str, str]], params: Sequence[Param]) -> Parsed:
    """Validate query-string pairs against ``params``; unknown or malformed ones are a 400."""
    by_name = {p.name: p for p in params}
    raw: dict[str, list[str]] = {}
    for name, value in pairs:
        if name not in by_name:
            raise invalid(name, f"Unknown parameter '{name}'.")
        raw.setdefault(name, []).append(value)
    parsed = Parsed(date_from=None, date_to=None)
    for param in params:
        values = raw.get(param.name)
        if param.repeatable:
            if values is not None and len(values) > MAX_VALUES:
                raise invalid(
                    param.name, f"Parameter '{param.name}' may be repeated at most {MAX_VALUES} times."
                )
            parsed.lists[param.name] = sorted({_parse_value(param, v) for v in values or []})
        elif param.name in ("from", "to"):
            day = _parse_date(param.name, _one(param.name, values)) if values else None
            if param.name == "from":
                parsed.date_from = day
            else:
                parsed.date_to = day
        else:
            parsed.options[param.name] = (
                _parse_value(param, _one(param.name, values)) if values else param.default
            )
    return parsed


def resolve_dates(parsed: Parsed, latest: date | None, max_days: int) -> tuple[date, date]:
    """Fill in defaults and check the range: ``to`` defaults to ``latest`` (or today)."""
    date_to = parsed.date_to or (
        parsed.date_from + timedelta(days=DEFAULT_DAYS - 1) if parsed.date_from else None
    )
    date_to = date_to or latest or date.today()
    date_from = parsed.date_from or max(EARLIEST, date_to - timedelta(days=DEFAULT_DAYS - 1))
    if date_from > date_to:
        raise ApiError(
            400,
            "invalid_parameter",
            "'from' must not be after 'to'.",
            details=[{"parameter": "from"}, {"parameter": "to"}],
        )
    if (date_to - date_from).days + 1 > max_days:
        raise ApiError(
            400,
            "invalid_parameter",
            f"The range from 'from' to 'to' may span at most {max_days} days.",
            details=[{"parameter": "from"}, {"parameter": "to"}],
        )
    if date_from - timedelta(days=(date_to - date_from).days + 1) < EARLIEST:
        raise invalid("from", f"The previous period of this range starts before {EARLIEST}.")
    return date_from, date_to
