"""msal client credentials against a token endpoint run by the test: a real HTTPS server (self-signed
certificate for 127.0.0.1) that serves OIDC discovery and ``/oauth2/v2.0/token``, checks the client
secret or verifies the certificate-signed client assertion, and counts requests. Entra ID itself
cannot run here; this server stands in for it and is the only fake.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from shared.auth.client_credentials import ClientConfig, ClientCredentials, ClientCredentialsError
from tests.support.threaded_server import serving

TENANT = "33333333-3333-4333-8333-333333333333"
CLIENT_ID = "edge-client-0001"
SECRET = "s3cret-value"  # noqa: S105 - a test value


def _self_signed(common_name: str, san_ip: str | None = None) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    )
    if san_ip:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(san_ip))]), critical=False
        )
    cert = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


class TokenServer:
    def __init__(self, client_cert_pem: bytes) -> None:
        self.client_public_key = x509.load_pem_x509_certificate(client_cert_pem).public_key()
        self.token_requests: list[dict[str, str]] = []
        self.url = ""

    def token_endpoint(self) -> str:
        return f"{self.url}/{TENANT}/oauth2/v2.0/token"

    def issue(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.token_requests.append(form)
        if form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_request"}
        if "client_assertion" in form:
            try:
                claims = jwt.decode(
                    form["client_assertion"],
                    self.client_public_key,
                    algorithms=["PS256", "RS256"],
                    audience=self.token_endpoint(),
                    issuer=CLIENT_ID,
                )
            except jwt.PyJWTError as exc:
                return 401, {"error": "invalid_client", "error_description": str(exc)}
            assert claims["sub"] == CLIENT_ID
        elif form.get("client_secret") != SECRET:
            return 401, {"error": "invalid_client", "error_description": "bad secret"}
        token = f"access-{len(self.token_requests)}-{form['scope']}"
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}


@pytest.fixture
def tls(tmp_path: Path) -> Path:
    key_pem, cert_pem = _self_signed("127.0.0.1", "127.0.0.1")
    (tmp_path / "server.key").write_bytes(key_pem)
    (tmp_path / "server.crt").write_bytes(cert_pem)
    return tmp_path


@pytest.fixture
def client_cert(tmp_path: Path) -> Path:
    key_pem, cert_pem = _self_signed(CLIENT_ID)
    path = tmp_path / "client.pem"
    path.write_bytes(key_pem + cert_pem)
    path.chmod(0o600)
    return path


@pytest.fixture
def token_server(tls: Path, client_cert: Path) -> Iterator[TokenServer]:
    state = TokenServer(client_cert.read_bytes())

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            if self.path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
                base = f"{state.url}/{TENANT}"
                self._send(200, {
                    "issuer": f"{base}/v2.0",
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": state.token_endpoint(),
                })  # fmt: skip
            else:
                self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            self._send(*state.issue(form) if self.path == f"/{TENANT}/oauth2/v2.0/token" else (404, {}))

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls / "server.crt", tls / "server.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as port:
        state.url = f"https://127.0.0.1:{port}"
        yield state


def _http(tls: Path | None) -> requests.Session:
    """A session trusting the test server's certificate only (``None``: the system's CAs only)."""
    session = requests.Session()
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides ``verify``
    session.verify = str(tls / "server.crt") if tls else True
    return session


def _env(token_server: TokenServer, **extra: str) -> dict[str, str]:
    return {
        "SCOUT_CLIENT_TENANT_ID": TENANT,
        "SCOUT_CLIENT_CLIENT_ID": CLIENT_ID,
        "SCOUT_CLIENT_SCOPE": "api://scout/.default",
        "SCOUT_CLIENT_AUTHORITY_HOST": token_server.url,
        **extra,
    }


def test_certificate_credential_signs_an_assertion_and_tokens_are_cached(
    token_server, client_cert, tls
) -> None:
    config = ClientConfig.from_env(_env(token_server, SCOUT_CLIENT_CERTIFICATE_PATH=str(client_cert)))
    client = ClientCredentials(config, http_client=_http(tls))
    token = client.get_token()
    assert token == "access-1-api://scout/.default"
    assert client.get_token() == token  # from msal's cache: no second request
    assert len(token_server.token_requests) == 1
    assert "client_secret" not in token_server.token_requests[0]


def test_secret_credential(token_server, tls) -> None:
    config = ClientConfig.from_env(_env(token_server, SCOUT_CLIENT_SECRET=SECRET))
    assert ClientCredentials(config, http_client=_http(tls)).get_token().startswith("access-")


def test_refused_credentials_raise_with_the_reason(token_server, tls) -> None:
    config = ClientConfig.from_env(_env(token_server, SCOUT_CLIENT_SECRET="wrong"))
    with pytest.raises(ClientCredentialsError, match="invalid_client"):
        ClientCredentials(config, http_client=_http(tls)).get_token()


def test_a_certificate_the_server_does_not_know_is_refused(token_server, tls, tmp_path) -> None:
    key_pem, cert_pem = _self_signed("impostor")
    (tmp_path / "impostor.pem").write_bytes(key_pem + cert_pem)
    config = ClientConfig.from_env(
        _env(token_server, SCOUT_CLIENT_CERTIFICATE_PATH=str(tmp_path / "impostor.pem"))
    )
    with pytest.raises(ClientCredentialsError, match="invalid_client"):
        ClientCredentials(config, http_client=_http(tls)).get_token()


def test_untrusted_tls_is_refused(token_server, tls) -> None:
    config = ClientConfig.from_env(_env(token_server, SCOUT_CLIENT_SECRET=SECRET))
    with pytest.raises(Exception, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        ClientCredentials(config, http_client=_http(None)).get_token()


def test_configuration_errors_name_the_variables() -> None:
    with pytest.raises(ClientCredentialsError, match="SCOUT_CLIENT_CLIENT_ID"):
        ClientConfig.from_env({"SCOUT_CLIENT_TENANT_ID": TENANT, "SCOUT_CLIENT_SCOPE": "x"})
    with pytest.raises(ClientCredentialsError, match="CERTIFICATE_PATH"):
        ClientConfig.from_env(
            {"SCOUT_CLIENT_TENANT_ID": "t", "SCOUT_CLIENT_CLIENT_ID": "c", "SCOUT_CLIENT_SCOPE": "s"}
        )
