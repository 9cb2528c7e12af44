"""The one error type the API speaks: a stable ``code``, a human message, optional details.

Trigger functions turn an :class:`ApiError` into a JSON response (see ``functions/_http.py``);
code in ``shared/`` raises it wherever a caller's request is at fault.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


def bad_request(code: str, message: str, **kw: Any) -> ApiError:
    return ApiError(400, code, message, **kw)


def not_found(code: str, message: str) -> ApiError:
    return ApiError(404, code, message)
