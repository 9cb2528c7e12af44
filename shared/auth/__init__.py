"""Identity and access: who is calling (tokens), what they may touch (scope), what they did (audit).

The names below are the contract other areas code against.
"""

from shared.auth.audit import audit
from shared.auth.authorize import authorize_request
from shared.auth.principal import ROLE_ADMIN, ROLE_INGEST, ROLE_READ, Principal
from shared.auth.privacy import pseudonym_key, pseudonymise
from shared.auth.scope import check_store_scope, region_filter

__all__ = [
    "ROLE_ADMIN",
    "ROLE_INGEST",
    "ROLE_READ",
    "Principal",
    "audit",
    "authorize_request",
    "check_store_scope",
    "pseudonym_key",
    "pseudonymise",
    "region_filter",
]
