"""Host settings the way Core Tools applies them: ``local.settings.json`` "Values" into the environment.

Existing environment variables win. Development defaults for the data dir and the local
development issuer are filled in afterwards, only where nothing is set.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SETTINGS_FILE = "local.settings.json"


def load_local_settings(app_dir: Path) -> list[str]:
    """Copy "Values" into ``os.environ`` without overriding; return the names that were set."""
    path = app_dir / SETTINGS_FILE
    if not path.is_file():
        return []
    values = json.loads(path.read_text()).get("Values") or {}
    applied = []
    for name, value in values.items():
        if name not in os.environ and value is not None:
            os.environ[name] = str(value)
            applied.append(name)
    return applied


def apply_defaults(port: int, data_dir: str | None) -> Path:
    """Fill in the data dir and, in dev auth mode, the local issuer; return the resolved data dir."""
    if data_dir:
        os.environ["SCOUT_DATA_DIR"] = data_dir
    os.environ["SCOUT_DATA_DIR"] = str(Path(os.environ.get("SCOUT_DATA_DIR") or ".scout").resolve())
    if dev_auth_enabled():
        if not os.environ.get("SCOUT_AUTH_ISSUER"):
            os.environ["SCOUT_AUTH_ISSUER"] = issuer_url(port)
        if not os.environ.get("SCOUT_AUTH_JWKS_URL"):
            os.environ["SCOUT_AUTH_JWKS_URL"] = f"{issuer_url(port)}/keys"
    return Path(os.environ["SCOUT_DATA_DIR"])


def issuer_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/dev-issuer"


def dev_auth_enabled() -> bool:
    return os.environ.get("SCOUT_AUTH_MODE", "dev") == "dev"
