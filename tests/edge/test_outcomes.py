"""Transient vs fatal: which answers are retried with the same key and which are dead-lettered."""

from __future__ import annotations

import httpx
import pytest

from edge_sync_client.outcomes import Outcome, classify_status, from_network_error, from_response
from tests.support.host import free_port


@pytest.mark.parametrize("status", [200, 201, 202])
def test_success_statuses_are_accepted(status: int) -> None:
    assert classify_status(status) is Outcome.ACCEPTED


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502, 503, 504])
def test_timeouts_conflicts_throttling_and_server_errors_are_transient(status: int) -> None:
    assert classify_status(status) is Outcome.TRANSIENT


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 415, 422])
def test_client_errors_are_fatal(status: int) -> None:
    assert classify_status(status) is Outcome.FATAL


def test_a_refused_connection_is_transient() -> None:
    """A real connection attempt to a port nobody listens on."""
    with pytest.raises(httpx.TransportError) as caught:
        httpx.post(f"http://127.0.0.1:{free_port()}/api/ingest/transactions", content=b"[]", timeout=2)
    result = from_network_error(caught.value)
    assert result.outcome is Outcome.TRANSIENT and result.status is None
    assert result.body["code"] == "network_error"


def test_the_servers_error_json_and_retry_after_are_kept() -> None:
    response = httpx.Response(
        429, json={"code": "rate_limited", "message": "slow down"}, headers={"Retry-After": "17"}
    )
    result = from_response(response)
    assert (result.outcome, result.status, result.retry_after) == (Outcome.TRANSIENT, 429, 17)
    assert result.body == {"code": "rate_limited", "message": "slow down"}


def test_a_non_json_error_body_is_kept_as_text() -> None:
    result = from_response(httpx.Response(502, text="<html>bad gateway</html>"))
    assert result.outcome is Outcome.TRANSIENT and result.body == "<html>bad gateway</html>"
