"""Bearer token validation through ``authorize_request``, with the signing keys fetched over HTTP
from a real JWKS server, as in Azure. Each attack token must be refused with 401."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import authorize_request, dev_issuer
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ
from shared.auth.tokens import JwksCache, TokenPolicy, TokenValidator
from shared.config import get_settings
from shared.errors import ApiError
from tests.support.tokens import ATTACKS, auth_header, bad_tokens, claims_for, token_for

INGEST = frozenset({ROLE_INGEST})
READ = frozenset({ROLE_READ})


def _refused(headers: dict[str, str], roles: frozenset[str] = INGEST) -> ApiError:
    with pytest.raises(ApiError) as caught:
        authorize_request(headers, roles)
    return caught.value


def test_valid_token_gives_principal_from_oid_never_email(auth_env) -> None:
    token = token_for(
        auth_env,
        ROLE_INGEST,
        vendor="V001",
        subject="oid-1",
        extra_claims={"upn": "boss@x", "email": "boss@x"},
    )
    principal = authorize_request(auth_header(token), INGEST, client_ip="10.0.0.1")
    assert principal.subject == "oid-1"
    assert principal.vendor_id == "V001"
    assert principal.roles == {ROLE_INGEST}
    assert principal.tenant_id == dev_issuer.DEV_TENANT_ID
    assert principal.regions is None


def test_sub_used_when_no_oid(auth_env) -> None:
    claims = claims_for(auth_env, [ROLE_READ])
    del claims["oid"]
    claims["sub"] = "only-sub"
    principal = authorize_request(auth_header(dev_issuer.sign(claims, auth_env.data_dir)), READ)
    assert principal.subject == "only-sub"


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_token_refused_with_401(auth_env, attack: str) -> None:
    token_for(auth_env, ROLE_INGEST, vendor="V001", subject="attacker")  # mapped: only the token is wrong
    token = bad_tokens(auth_env, subject="attacker")[attack]
    err = _refused(auth_header(token))
    assert (err.status, err.code) == (401, "invalid_token")
    assert err.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_attack_table_is_complete(auth_env) -> None:
    assert set(bad_tokens(auth_env)) == set(ATTACKS)


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}]
)
def test_missing_token(auth_env, headers) -> None:
    err = _refused(headers)
    assert (err.status, err.code) == (401, "missing_token")
    assert err.headers["WWW-Authenticate"] == "Bearer"


def test_valid_token_without_the_role_is_forbidden(auth_env) -> None:
    err = _refused(auth_header(token_for(auth_env, ROLE_READ)), INGEST)
    assert (err.status, err.code) == (403, "forbidden")


def test_admin_implies_every_role(auth_env) -> None:
    token = token_for(auth_env, ROLE_ADMIN)
    assert authorize_request(auth_header(token), READ).roles == {ROLE_ADMIN}
    assert authorize_request(auth_header(token), INGEST).vendor_id is None


def test_ingest_caller_without_vendor_mapping_is_refused(auth_env) -> None:
    err = _refused(auth_header(token_for(auth_env, ROLE_INGEST)))
    assert (err.status, err.code) == (403, "vendor_not_mapped")


def test_delegated_scope_grants_dashboard_read_only(auth_env) -> None:
    token = token_for(auth_env, [], extra_claims={"scp": "Dashboard.Read User.Read", "roles": []})
    assert ROLE_READ in authorize_request(auth_header(token), READ).roles
    assert (_refused(auth_header(token), INGEST).code) == "forbidden"
    admin_scope = token_for(auth_env, [], extra_claims={"scp": "Admin Ingest.Write"})
    assert _refused(auth_header(admin_scope), frozenset({ROLE_ADMIN})).code == "forbidden"


def test_reader_regions_come_from_sql(auth_env) -> None:
    token = token_for(auth_env, ROLE_READ, regions=["NCR", "Davao Region"], subject="reader-1")
    assert authorize_request(auth_header(token), READ).regions == {"NCR", "Davao Region"}


def _swa(payload: dict) -> dict[str, str]:
    return {"x-ms-client-principal": base64.b64encode(json.dumps(payload).encode()).decode()}


def test_static_web_apps_principal_ignored_unless_trusted(auth_env, monkeypatch) -> None:
    header = _swa({"identityProvider": "aad", "userId": "u-1", "userRoles": ["authenticated", ROLE_ADMIN]})
    assert _refused(header, READ).code == "missing_token"
    monkeypatch.setenv("SCOUT_TRUST_SWA_PRINCIPAL", "true")
    get_settings.cache_clear()
    principal = authorize_request(header, READ)
    assert (principal.subject, principal.roles) == ("u-1", {ROLE_ADMIN})
    assert _refused({"x-ms-client-principal": "%%%"}, READ).code == "invalid_token"
    no_role = _swa({"identityProvider": "aad", "userId": "u-2", "userRoles": ["authenticated"]})
    assert _refused(no_role, READ).code == "forbidden"


def test_entra_issuer_must_match_the_tokens_allowed_tenant(auth_env, monkeypatch, jwks_server) -> None:
    """Entra mode: Entra ID itself cannot run here, so its tokens are signed with the dev key and
    its JWKS is served by the test server; the issuer/tenant rules are the production ones."""
    tenant, other = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
    monkeypatch.setenv("SCOUT_AUTH_MODE", "entra")
    monkeypatch.setenv("SCOUT_AUTH_TENANTS", f"{tenant}")
    monkeypatch.setenv("SCOUT_AUTH_AUDIENCE", "api://scout,6a1f0000-0000-4000-8000-00000000a11d")
    monkeypatch.delenv("SCOUT_AUTH_ISSUER")
    get_settings.cache_clear()

    def entra(tid: str, iss_tid: str, aud: str = "6a1f0000-0000-4000-8000-00000000a11d") -> dict[str, str]:
        claims = claims_for(auth_env, [ROLE_READ])
        claims.update(tid=tid, aud=aud, iss=f"https://login.microsoftonline.com/{iss_tid}/v2.0")
        return auth_header(dev_issuer.sign(claims, auth_env.data_dir))

    assert authorize_request(entra(tenant, tenant), READ).tenant_id == tenant
    assert authorize_request(entra(tenant, tenant, aud="api://scout"), READ).tenant_id == tenant
    assert _refused(entra(tenant, other), READ).code == "invalid_token"  # issuer of another tenant
    assert _refused(entra(other, other), READ).code == "invalid_token"  # tenant not allowed
    dev = _refused(auth_header(token_for(auth_env, ROLE_READ)), READ)  # the dev issuer is not trusted
    assert dev.code == "invalid_token"


def _rsa_jwk(kid: str) -> tuple[rsa.RSAPrivateKey, dict]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key, {**dev_issuer.public_jwk(key.public_key()), "kid": kid}


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _validator(auth_env, jwks_server, clock: _Clock, timeout: float = 0.5) -> TokenValidator:
    keys = JwksCache.from_url(jwks_server.url, timeout, refresh_interval=30, max_age=3600, clock=clock)
    return TokenValidator(TokenPolicy.from_settings(get_settings()), keys)


def _token_signed_by(auth_env, key: rsa.RSAPrivateKey, kid: str) -> str:
    import jwt

    return jwt.encode(claims_for(auth_env, [ROLE_READ]), key, algorithm="RS256", headers={"kid": kid})


def test_key_rotation_refreshes_jwks_at_most_once_per_interval(auth_env, jwks_server) -> None:
    clock = _Clock()
    validator = _validator(auth_env, jwks_server, clock)
    validator.validate(token_for(auth_env, ROLE_READ))
    assert jwks_server.hits == 1

    new_key, new_jwk = _rsa_jwk("rotated-2")
    rotated = _token_signed_by(auth_env, new_key, "rotated-2")
    jwks_server.keys = [*jwks_server.keys, new_jwk]  # the issuer publishes a new key
    with pytest.raises(ApiError):  # too soon after the last fetch: not refetched
        validator.validate(rotated)
    assert jwks_server.hits == 1

    clock.now += 31
    assert validator.validate(rotated)["tid"] == dev_issuer.DEV_TENANT_ID
    assert jwks_server.hits == 2

    for _ in range(20):  # made-up kids do not turn into requests to the issuer
        with pytest.raises(ApiError):
            validator.validate(_token_signed_by(auth_env, new_key, f"bogus-{_}"))
    assert jwks_server.hits == 2


def test_jwks_timeout_answers_503_and_cached_keys_survive_an_outage(auth_env, jwks_server) -> None:
    clock = _Clock()
    jwks_server.delay = 2.0
    validator = _validator(auth_env, jwks_server, clock, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ApiError) as caught:
        validator.validate(token_for(auth_env, ROLE_READ))
    assert (caught.value.status, caught.value.code) == (503, "identity_provider_unavailable")
    assert caught.value.headers["Retry-After"]
    assert time.monotonic() - started < jwks_server.delay  # gave up before the server answered
    hits = jwks_server.hits
    with pytest.raises(ApiError) as again:  # within the failure back-off: no new fetch, no wait
        validator.validate(token_for(auth_env, ROLE_READ))
    assert again.value.status == 503 and jwks_server.hits == hits

    jwks_server.delay = 0.0
    clock.now += 31
    token = token_for(auth_env, ROLE_READ)
    validator.validate(token)
    jwks_server.delay = 2.0
    clock.now += 7200  # keys are stale and the refetch times out: the cached ones still verify
    assert validator.validate(token)["oid"]
    hits = jwks_server.hits
    assert validator.validate(token)["oid"]  # and the next request does not wait for another fetch
    assert jwks_server.hits == hits


def test_dev_mode_refuses_to_run_on_app_service(auth_env, monkeypatch) -> None:
    monkeypatch.setenv("WEBSITE_INSTANCE_ID", "abc123")
    get_settings.cache_clear()
    with pytest.raises(RuntimeError, match="SCOUT_AUTH_MODE=entra"):
        authorize_request(auth_header(token_for(auth_env, ROLE_READ)), READ)


def test_a_single_role_given_as_a_string_is_one_role(auth_env) -> None:
    token = token_for(auth_env, [], extra_claims={"roles": "Dashboard.Read"})
    assert authorize_request(auth_header(token), READ).roles == {ROLE_READ}
    spelled = token_for(auth_env, [], extra_claims={"roles": "AdminDashboard.Read"})
    assert _refused(auth_header(spelled), READ).code == "forbidden"


@pytest.mark.parametrize("served", [[], [{"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"}]])
def test_a_broken_jwks_document_refuses_tokens_without_crashing(auth_env, jwks_server, served) -> None:
    jwks_server.keys = served
    err = _refused(auth_header(token_for(auth_env, ROLE_READ)), READ)
    assert (err.status, err.code) == (401, "invalid_token")
