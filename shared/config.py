"""Settings from the environment (``SCOUT_*``); ``local_host`` loads ``local.settings.json`` into it.

Every component reads configuration through :func:`get_settings`; tests that change the
environment call ``get_settings.cache_clear()``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SCOUT_", extra="ignore")

    # --- storage -------------------------------------------------------------------------
    data_dir: Path = Path(".scout")
    sql_url: str = ""  # empty: SQLite in data_dir
    sql_odbc_driver: str = "ODBC Driver 18 for SQL Server"
    blob_url: str = ""  # empty: folder data_dir/blobs; file:///path; https://<account>.blob.core.windows.net
    blob_connection_string: str = ""  # Azurite or keys, development only

    # --- identity ------------------------------------------------------------------------
    # "dev": tokens from the local development issuer (keys under data_dir/dev-issuer);
    # "entra": tokens from Entra ID (issuer/JWKS derived from tenant ids).
    auth_mode: Literal["dev", "entra"] = "dev"
    auth_audience: str = "api://scout"
    auth_issuer: str = ""  # empty in dev mode: the local host's own issuer
    auth_jwks_url: str = ""
    auth_tenants: Annotated[list[str], NoDecode] = Field(default_factory=list)
    auth_leeway_seconds: int = 60
    auth_jwks_timeout_seconds: float = 5.0
    trust_swa_principal: bool = False
    pseudonym_key: str = ""  # empty: a development key generated under data_dir

    # --- limits --------------------------------------------------------------------------
    max_body_bytes: int = 50 * 1024 * 1024
    max_rows_per_batch: int = 200_000
    max_query_days: int = 800
    rate_limit_per_minute: int = 600
    rate_limit_burst: int = 120
    dashboard_origin: str = "http://localhost:7071"

    # --- etl -----------------------------------------------------------------------------
    future_skew_minutes: int = 15
    unknown_store_policy: Literal["reject", "accept"] = "reject"
    unknown_sku_policy: Literal["reject", "accept"] = "accept"
    raw_retention_days: int = 400
    stuck_batch_minutes: int = 30

    @field_validator("auth_tenants", mode="before")
    @classmethod
    def _tenants(cls, value: object) -> object:
        return _split_csv(value)

    @property
    def resolved_sql_url(self) -> str:
        return self.sql_url or f"sqlite:///{(self.data_dir / 'scout.db').resolve()}"

    @property
    def resolved_blob_url(self) -> str:
        return self.blob_url or (self.data_dir / "blobs").resolve().as_uri()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
