"""The development issuer: key pair on disk, JWKS, discovery document, CLI tokens."""

from __future__ import annotations

import stat

import jwt
from sqlalchemy import select

from shared.auth import authorize_request, dev_issuer
from shared.auth.principal import ROLE_INGEST, ROLE_READ
from shared.db.engine import ensure_schema
from shared.db.tables import api_caller, dim_vendor, reader_scope
from tests.support.tokens import auth_header


def test_key_pair_is_private_and_stable(auth_env) -> None:
    jwks = dev_issuer.jwks()
    path = auth_env.data_dir / "dev-issuer" / dev_issuer.KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert dev_issuer.jwks() == jwks
    (key,) = jwks["keys"]
    assert key["alg"] == "RS256" and key["use"] == "sig" and "d" not in key and "p" not in key


def test_token_header_and_claims(auth_env) -> None:
    token = dev_issuer.mint_token(["Dashboard.Read", "Admin"], subject="s-9", lifetime=60)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "RS256"
    assert header["kid"] == dev_issuer.jwks()["keys"][0]["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["roles"] == ["Dashboard.Read", "Admin"]
    assert claims["exp"] - claims["iat"] == 60
    assert claims["iss"] == auth_env.env["SCOUT_AUTH_ISSUER"]
    assert claims["aud"] == "api://scout" and claims["tid"] == dev_issuer.DEV_TENANT_ID


def test_openid_configuration_points_at_keys() -> None:
    doc = dev_issuer.openid_configuration("http://127.0.0.1:7071/dev-issuer/")
    assert doc["issuer"] == "http://127.0.0.1:7071/dev-issuer"
    assert doc["jwks_uri"] == "http://127.0.0.1:7071/dev-issuer/keys"


def test_cli_token_records_vendor_and_regions(auth_env, capsys) -> None:
    assert dev_issuer.cli_token(["--role", ROLE_INGEST, "--vendor", "V9", "--subject", "pos-9"]) == 0
    ingest = capsys.readouterr().out.strip()
    assert authorize_request(auth_header(ingest), frozenset({ROLE_INGEST})).vendor_id == "V9"
    dev_issuer.cli_token(["--role", ROLE_READ, "--regions", "NCR, Central Luzon", "--subject", "mgr"])
    reader = capsys.readouterr().out.strip()
    assert authorize_request(auth_header(reader), frozenset({ROLE_READ})).regions == {"NCR", "Central Luzon"}
    with ensure_schema().connect() as conn:
        assert conn.execute(select(dim_vendor.c.vendor_id)).scalars().all() == ["V9"]
        assert conn.execute(select(api_caller.c.subject, api_caller.c.vendor_id)).all() == [("pos-9", "V9")]
        assert len(conn.execute(select(reader_scope)).all()) == 2
