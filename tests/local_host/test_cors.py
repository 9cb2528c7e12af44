"""CORS preflights on the real local host serving the real ``function_app``: answered by the host,
as Azure's platform CORS answers them, before any function runs or any key is asked for."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.support.host import LocalHost
from tests.support.tokens import auth_header, token_for

DASHBOARD = "https://dashboard.example"


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    host = LocalHost(tmp_path_factory.mktemp("cors-host"), env={"SCOUT_DASHBOARD_ORIGIN": DASHBOARD})
    host.start()
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture(scope="module")
def client(host: LocalHost) -> Iterator[httpx.Client]:
    with host.client() as client:
        yield client


def preflight(client: httpx.Client, path: str, origin: str | None, method: str = "GET") -> httpx.Response:
    headers = {"Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization"}
    if origin is not None:
        headers["Origin"] = origin
    return client.options(path, headers=headers)


@pytest.mark.parametrize(
    ("path", "method", "methods"),
    [
        ("/api/transactions", "GET", "GET"),  # a bearer-only analytics route
        ("/api/manage/vendors/v1", "PUT", "GET, PUT"),  # a function-key route: preflights carry no key
        ("/api/ingest/transactions", "POST", "POST"),
    ],
)
def test_the_dashboard_origin_gets_a_204_naming_the_routes_methods(
    client: httpx.Client, path: str, method: str, methods: str
) -> None:
    answer = preflight(client, path, DASHBOARD, method)
    assert answer.status_code == 204 and answer.content == b""
    assert answer.headers["access-control-allow-origin"] == DASHBOARD
    assert answer.headers["access-control-allow-methods"] == methods
    assert answer.headers["access-control-allow-headers"] == "authorization"
    assert answer.headers["access-control-max-age"] == "600"


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "https://dashboard.example.evil.example", "null", None]
)
def test_any_other_origin_is_403_with_no_allow_headers(client: httpx.Client, origin: str | None) -> None:
    answer = preflight(client, "/api/transactions", origin)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "cors_not_allowed"
    assert not [name for name in answer.headers if name.startswith("access-control-")]


def test_a_route_that_does_not_exist_is_404(client: httpx.Client) -> None:
    assert preflight(client, "/api/no-such-route", DASHBOARD).status_code == 404
    assert preflight(client, "/api/manage/vendors/v1/extra", DASHBOARD, "PUT").status_code == 404


def test_only_preflights_are_answered_by_the_host(client: httpx.Client, host: LocalHost) -> None:
    """An OPTIONS without Access-Control-Request-Method is an ordinary request (405 here, as the
    route takes only GET); the real answer to the dashboard carries the origin, set by the app."""
    assert client.options("/api/transactions", headers={"Origin": DASHBOARD}).status_code == 405
    token = token_for(host, "Dashboard.Read")
    answer = client.get("/api/filters", headers={**auth_header(token), "Origin": DASHBOARD})
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == DASHBOARD
