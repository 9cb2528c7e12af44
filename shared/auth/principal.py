"""Who is calling, after the bearer token has been validated (see ``shared/auth/tokens.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLE_INGEST = "Ingest.Write"
ROLE_READ = "Dashboard.Read"
ROLE_ADMIN = "Admin"


@dataclass(frozen=True)
class Principal:
    subject: str  # Entra object id (``oid``), else ``sub``; never email/upn
    tenant_id: str
    roles: frozenset[str]
    scopes: frozenset[str] = frozenset()
    client_app: str | None = None  # ``azp``/``appid``: the application that obtained the token
    vendor_id: str | None = None  # from api_caller: the vendor an Ingest.Write caller writes for
    regions: frozenset[str] | None = None  # from reader_scope; None means every region
    claims: dict = field(default_factory=dict, compare=False, repr=False)

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
