"""What an ingest attempt's result means for the batch: accepted, retry later, or give up.

Transient: the network (connection refused or dropped, timeouts), ``408``, ``409`` (the server
is still accepting an earlier send of the same key), ``429`` and every ``5xx`` — the same batch
is sent again, with the same idempotency key, after a backoff. Fatal: every other ``4xx``
(``400``, ``401``, ``403``, ``413``, ``422``, ...) — resending the same bytes cannot succeed, so
the batch goes to the dead-letter table with the server's error and the outbox moves on.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

import httpx

from edge_sync_client.backoff import parse_retry_after


class Outcome(enum.Enum):
    ACCEPTED = "accepted"
    TRANSIENT = "transient"
    FATAL = "fatal"


TRANSIENT_STATUSES = frozenset({408, 409, 425, 429})


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status: int | None  # None: no HTTP answer at all
    body: Any  # the server's JSON (or text), or a description of the network error
    retry_after: float | None = None


def classify_status(status: int) -> Outcome:
    if 200 <= status < 300:
        return Outcome.ACCEPTED
    if status in TRANSIENT_STATUSES or status >= 500:
        return Outcome.TRANSIENT
    return Outcome.FATAL


def from_response(response: httpx.Response) -> Result:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:2000]
    return Result(
        classify_status(response.status_code),
        response.status_code,
        body,
        parse_retry_after(response.headers.get("Retry-After")),
    )


def from_network_error(error: httpx.TransportError) -> Result:
    """Every transport failure (refused, reset, timeout, broken response) is worth a retry."""
    message = f"{type(error).__name__}: {error}"
    return Result(Outcome.TRANSIENT, None, {"code": "network_error", "message": message})


def describe(result: Result) -> str:
    return json.dumps({"status": result.status, "body": result.body}, default=str)[:4000]
