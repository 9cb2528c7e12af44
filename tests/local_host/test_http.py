"""HTTP triggers through the real host process: mapping, auth levels, admin API, concurrency."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt
import pytest

from tests.local_host.conftest import TEST_APP, executions
from tests.support.host import REPO_ROOT, LocalHost
from tests.support.polling import wait_for


def test_request_and_response_are_mapped(shared_host: LocalHost) -> None:
    with shared_host.client() as client:
        resp = client.post("/api/echo/42/alice?q=1&q=2&x=y", content=b"payload", headers={"X-Test": "hi"})
    assert resp.status_code == 201
    assert resp.headers["x-echo"] == "1"
    assert resp.headers["content-type"].startswith("application/json")
    assert resp.json() == {
        "method": "POST",
        "route": {"id": "42", "name": "alice"},
        "params": {"q": "1, 2", "x": "y"},
        "header": "hi",
        "body": "payload",
    }


def test_route_templates_constraints_and_methods(shared_host: LocalHost) -> None:
    with shared_host.client() as client:
        assert client.get("/api/echo/7").json()["route"] == {"id": "7"}  # optional segment left out
        assert client.get("/api/echo/7/a%0Ab").json()["route"] == {"id": "7", "name": "a\nb"}
        assert client.get("/api/echo/not-a-number").status_code == 404  # {id:int}
        assert client.delete("/api/echo/7").status_code == 405
        assert client.get("/api/no/such/route").status_code == 404
        assert client.get("/api/async-sleep", params={"s": "0"}).text == "slept"  # async function
        failed = client.get("/api/boom")
    assert failed.status_code == 500 and failed.content == b""


def test_auth_levels_like_azure(shared_host: LocalHost) -> None:
    with shared_host.client() as client:
        refused = client.get("/api/keyed")
        assert refused.status_code == 401 and refused.content == b""
        assert client.get("/api/keyed", params={"code": "wrong"}).status_code == 401
        assert (
            client.get("/api/keyed", params={"code": shared_host.function_key}).text
            == "function level ok (keyed)"
        )
        assert (
            client.get("/api/keyed", headers={"x-functions-key": shared_host.function_key}).status_code == 200
        )
        assert client.get("/api/keyed", params={"code": shared_host.master_key}).status_code == 200
        # ADMIN needs the master key; a function key is not enough
        assert client.get("/api/admin-only", params={"code": shared_host.function_key}).status_code == 401
        assert client.get("/api/admin-only", params={"code": shared_host.master_key}).text == "admin level ok"
        assert client.get("/api/echo/1").status_code == 201  # ANONYMOUS


def test_key_file_is_private(shared_host: LocalHost) -> None:
    mode = (shared_host.data_dir / "host-keys.json").stat().st_mode & 0o777
    assert mode == 0o600


def test_keys_command_prints_the_default_function_key(shared_host: LocalHost) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "local_host", "keys", "--data-dir", str(shared_host.data_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == shared_host.function_key


def test_twenty_requests_are_served_concurrently(shared_host: LocalHost) -> None:
    """``/api/together`` answers 200 only when 20 requests are inside the function at once, so a
    server that handled requests one by one would answer 503 to all of them."""
    with shared_host.client(timeout=30) as client, ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: client.get("/api/together").status_code, range(20)))
    assert statuses == [200] * 20


def test_admin_api_runs_a_timer_now_with_the_master_key(shared_host: LocalHost) -> None:
    with shared_host.client() as client:
        assert client.post("/admin/functions/tick").status_code == 401
        assert (
            client.post("/admin/functions/tick", params={"code": shared_host.function_key}).status_code == 401
        )
        assert (
            client.post("/admin/functions/nope", params={"code": shared_host.master_key}).status_code == 404
        )
        assert client.get("/admin/functions").status_code == 401
        listed = client.get("/admin/functions", params={"code": shared_host.master_key}).json()
        triggers = {f["name"]: f["trigger"] for f in listed}
        assert triggers["tick"] == "timerTrigger" and triggers["pipeline"] == "orchestrationTrigger"
        assert triggers["square"] == "activityTrigger" and triggers["echo"] == "httpTrigger"
        before = executions(shared_host.data_dir, "tick")
        assert (
            client.post("/admin/functions/tick", params={"code": shared_host.master_key}).status_code == 202
        )
    wait_for(lambda: executions(shared_host.data_dir, "tick") > before, timeout=5)


def test_invocations_are_logged_as_json_lines(shared_host: LocalHost) -> None:
    with shared_host.client() as client:
        client.get("/api/echo/9")

    def logged() -> list[dict]:
        lines = [
            json.loads(line) for line in shared_host.log_path.read_text().splitlines() if line.startswith("{")
        ]
        return [e for e in lines if e.get("msg") == "invocation" and e.get("function") == "echo"]

    entry = wait_for(logged, timeout=5)[-1]  # type: ignore[index]
    assert entry["trigger"] == "httpTrigger" and entry["status"] == "succeeded"
    assert isinstance(entry["duration_ms"], float)


def test_dev_issuer_serves_discovery_keys_and_a_dashboard_token(shared_host: LocalHost) -> None:
    with shared_host.client() as client:
        config = client.get("/dev-issuer/.well-known/openid-configuration").json()
        keys = client.get("/dev-issuer/keys").json()
        token = client.get("/dev-issuer/dashboard-token").json()["access_token"]
    assert config["issuer"] == f"http://127.0.0.1:{shared_host.port}/dev-issuer"
    header = jwt.get_unverified_header(token)
    jwk = next(k for k in keys["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(
        token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience="api://scout", issuer=config["issuer"]
    )
    assert claims["roles"] == ["Dashboard.Read"] and claims["sub"] == "dev-dashboard"


def test_token_command_signs_with_the_host_key(shared_host: LocalHost) -> None:
    env = {**os.environ, "SCOUT_DATA_DIR": str(shared_host.data_dir)}
    env.pop("SCOUT_AUTH_ISSUER", None)
    out = subprocess.run(
        [sys.executable, "-m", "local_host", "token", "--port", str(shared_host.port), "--role", "Admin"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = out.stdout.strip()
    keys = httpx.get(f"{shared_host.base_url}/dev-issuer/keys").json()
    jwk = next(k for k in keys["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience="api://scout")
    assert claims["roles"] == ["Admin"]
    assert claims["iss"] == f"http://127.0.0.1:{shared_host.port}/dev-issuer"


def test_entra_mode_serves_no_development_issuer(local_host_factory) -> None:
    host = local_host_factory(app=TEST_APP, env={"SCOUT_AUTH_MODE": "entra"})
    with host.client() as client:
        assert client.get("/dev-issuer/dashboard-token").status_code == 404
        assert client.get("/dev-issuer/keys").status_code == 404
        assert client.get("/api/echo/1").status_code == 201


def test_one_host_per_data_dir(shared_host: LocalHost) -> None:
    second = LocalHost(shared_host.data_dir, app=TEST_APP, startup_timeout=30)
    with pytest.raises(Exception, match="exited with 2"):
        second.start()
    assert "another local host" in second.log_tail()


def test_a_host_whose_port_was_taken_moves_to_another(tmp_path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        host = LocalHost(tmp_path / "data", app=TEST_APP)
        host.port = squatter.getsockname()[1]  # as if another process took the free port meanwhile
        try:
            host.start()
            assert host.port != squatter.getsockname()[1]
            assert httpx.get(f"{host.base_url}/admin/host/status").json()["pid"] == host.process.pid
        finally:
            host.stop()


def test_static_web_is_served_when_present(shared_host: LocalHost) -> None:
    """The test app's directory has no ``static_web/``: ``/`` is a plain 404, not a crash."""
    with httpx.Client(base_url=shared_host.base_url) as client:
        assert client.get("/").status_code == 404


def test_real_app_serves_health_and_dashboard(local_host_factory) -> None:
    """The real ``function_app:app``: health checks every dependency through the host (the durable
    one through the durable client binding), and ``static_web/`` is the site at ``/``."""
    host = local_host_factory()
    with host.client() as client:
        health = client.get("/api/health")
        index = client.get("/")
    body = health.json()
    assert health.status_code == 200, body
    assert body["status"] == "ok" and body["version"]
    assert {name: dep["status"] for name, dep in body["dependencies"].items()} == {
        "sql": "ok",
        "blob": "ok",
        "durable": "ok",
    }
    if (REPO_ROOT / "static_web" / "index.html").is_file():
        assert index.status_code == 200 and index.headers["content-type"].startswith("text/html")
        # the site's globalHeaders from staticwebapp.config.json, as Static Web Apps sends them
        assert index.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in index.headers["content-security-policy"]
        assert "upgrade-insecure-requests" not in index.headers["content-security-policy"]
    else:
        assert index.status_code == 404


def test_real_app_health_is_503_naming_the_dependency_that_is_down(local_host_factory) -> None:
    """SQL pointed at a port where nothing listens: health answers 503 and says which check failed."""
    host = local_host_factory(
        env={"SCOUT_SQL_URL": "postgresql+psycopg://scout@127.0.0.1:9/scout?connect_timeout=2"}
    )
    with host.client() as client:
        health = client.get("/api/health")
    body = health.json()
    assert health.status_code == 503
    assert body["status"] == "degraded"
    assert body["dependencies"]["sql"]["status"] == "error" and body["dependencies"]["sql"]["error"]
    assert body["dependencies"]["blob"]["status"] == "ok"
    assert body["dependencies"]["durable"]["status"] == "ok"
