"""``functions/_http.py``: auth, CORS and security headers on real ``azure.functions`` requests."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from functions._http import SECURITY_HEADERS, client_ip, handle, handle_async
from shared.auth.principal import ROLE_READ
from shared.errors import ApiError
from tests.support.tokens import token_for

READ = frozenset({ROLE_READ})
DASHBOARD = "http://localhost:7071"


def _request(method: str = "GET", headers: dict[str, str] | None = None) -> func.HttpRequest:
    return func.HttpRequest(method, "http://localhost/api/transactions", headers=headers or {}, body=b"")


def _assert_security_headers(resp: func.HttpResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers[name] == value
    assert resp.headers["Cache-Control"] == "no-store"


def test_authorised_call_gets_principal_and_security_headers(auth_env) -> None:
    token = token_for(auth_env, ROLE_READ, subject="r-1")
    req = _request(headers={"Authorization": f"Bearer {token}", "Origin": DASHBOARD})
    resp = handle(req, lambda p: {"subject": p.subject}, roles=READ)
    assert resp.status_code == 200 and json.loads(resp.get_body()) == {"subject": "r-1"}
    _assert_security_headers(resp)
    assert resp.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Origin" in resp.headers["Vary"]


@pytest.mark.parametrize(
    ("fn", "status", "code"),
    [
        (lambda p: (_ for _ in ()).throw(ApiError(400, "bad_filter", "no")), 400, "bad_filter"),
        (lambda p: 1 / 0, 500, "internal_error"),
    ],
)
def test_errors_are_json_with_security_headers(auth_env, fn, status, code) -> None:
    resp = handle(_request(), fn, roles=None)
    assert resp.status_code == status
    assert json.loads(resp.get_body())["error"]["code"] == code
    assert "ZeroDivision" not in resp.get_body().decode()
    _assert_security_headers(resp)


def test_refused_token_is_json_401_with_challenge(auth_env) -> None:
    resp = handle(_request(headers={"Origin": "https://evil.example"}), lambda p: {}, roles=READ)
    assert resp.status_code == 401
    assert json.loads(resp.get_body())["error"]["code"] == "missing_token"
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert "Access-Control-Allow-Origin" not in resp.headers
    _assert_security_headers(resp)


def test_preflight_only_for_the_dashboard_origin(auth_env) -> None:
    ran = []
    ok = handle(
        _request("OPTIONS", {"Origin": DASHBOARD, "Access-Control-Request-Method": "GET"}),
        lambda p: ran.append(p) or {},
        roles=READ,
    )
    assert ok.status_code == 204 and not ran
    assert ok.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "Authorization" in ok.headers["Access-Control-Allow-Headers"]
    for origin in ("https://evil.example", "null", DASHBOARD + ".evil.example"):
        refused = handle(
            _request("OPTIONS", {"Origin": origin, "Access-Control-Request-Method": "GET"}), dict, roles=READ
        )
        assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
        _assert_security_headers(refused)
    assert "*" not in ok.headers.values()


async def _async_fn(principal):
    return {"subject": principal.subject}


def test_handle_async_shares_the_same_plumbing(auth_env) -> None:
    import asyncio

    token = token_for(auth_env, ROLE_READ, subject="r-2")
    resp = asyncio.run(
        handle_async(_request(headers={"Authorization": f"Bearer {token}"}), _async_fn, roles=READ)
    )
    assert json.loads(resp.get_body()) == {"subject": "r-2"}
    _assert_security_headers(resp)


def test_client_ip_is_the_first_forwarded_address() -> None:
    assert client_ip(_request(headers={"X-Forwarded-For": "203.0.113.9, 10.0.0.1"})) == "203.0.113.9"
    assert client_ip(_request()) is None
